"""Raw-data files: the scanner simulation, ISMRMRD and fastMRI round trips, and the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

import mrilab
from mrilab.fourier import fft2c, ifft2c
from mrilab.io import read_fastmri, read_ismrmrd, read_raw, simulate_scan, write_fastmri, write_ismrmrd
from mrilab.multicoil import ring_maps, noise_covariance
from mrilab.phantom import shepp_logan
from mrilab.recon import reconstruct_file, remove_oversampling
from mrilab.recon.pipeline import main


@pytest.fixture(scope="module")
def scan():
    image = shepp_logan(64).astype(np.complex64)
    maps = ring_maps(64, 8)
    full = fft2c(maps * image)
    psi = noise_covariance(8, 0.005, 0.5)
    return image, maps, full, psi, simulate_scan(full, psi, rng=1)


def test_simulated_scan_has_oversampling_noise_and_flags(scan):
    image, maps, full, psi, raw = scan
    assert raw.kspace.shape == (8, 128, 64) and raw.recon_shape == (64, 64) and raw.oversampling == 2
    assert raw.calibration.sum() == 5 and raw.imaging.sum() == 16
    # ACS columns off the lattice are calibration only; the mask is the union
    assert np.array_equal(raw.mask[0], raw.calibration | raw.imaging)
    # cropping the readout gives back the measured k-space on the reconstruction grid (plus noise)
    cropped = remove_oversampling(raw.kspace, 64)
    err = np.abs(cropped - full * raw.mask[:64])[:, :, raw.mask[0]]
    assert err.std() < 0.02  # the noise: 0.005 per real part
    assert np.abs(cropped).max() > 1


def test_ismrmrd_round_trip(tmp_path, scan):
    raw = scan[-1]
    path = write_ismrmrd(tmp_path / "scan.h5", raw)
    back = read_ismrmrd(path)
    assert np.array_equal(back.kspace, raw.kspace)
    assert np.array_equal(back.noise, raw.noise)
    assert np.array_equal(back.mask, raw.mask) and np.array_equal(back.calibration, raw.calibration)
    assert np.array_equal(back.imaging, raw.imaging)
    assert back.recon_shape == (64, 64) and back.phase_encode_limits == raw.phase_encode_limits
    assert read_raw(path).format == "ismrmrd"


def test_reads_a_file_written_with_the_ismrmrd_api_alone(tmp_path):
    """A file assembled with the ismrmrd package's own classes, not with write_ismrmrd."""
    import ismrmrd

    rng = np.random.default_rng(0)
    c, h, w = 4, 32, 16
    kspace = (rng.standard_normal((c, h, w)) + 1j * rng.standard_normal((c, h, w))).astype(np.complex64)
    noise = (rng.standard_normal((c, 2 * h)) + 1j * rng.standard_normal((c, 2 * h))).astype(np.complex64)
    x = ismrmrd.xsd
    header = x.ismrmrdHeader(
        experimentalConditions=x.experimentalConditionsType(H1resonanceFrequency_Hz=63_500_000),
        encoding=[x.encodingType(
            trajectory=x.trajectoryType.CARTESIAN,
            encodedSpace=x.encodingSpaceType(matrixSize=x.matrixSizeType(x=h, y=w, z=1),
                                             fieldOfView_mm=x.fieldOfViewMm(x=400, y=200, z=5)),
            reconSpace=x.encodingSpaceType(matrixSize=x.matrixSizeType(x=h // 2, y=w, z=1),
                                           fieldOfView_mm=x.fieldOfViewMm(x=200, y=200, z=5)),
            encodingLimits=x.encodingLimitsType(kspace_encoding_step_1=x.limitType(minimum=0, maximum=w - 1,
                                                                                   center=w // 2)))])
    path = tmp_path / "api.h5"
    dset = ismrmrd.Dataset(str(path), "dataset", create_if_needed=True)
    dset.write_xml_header(x.ToXML(header))
    for half in np.split(noise, 2, axis=1):
        acq = ismrmrd.Acquisition.from_array(np.ascontiguousarray(half))
        acq.set_flag(ismrmrd.ACQ_IS_NOISE_MEASUREMENT)
        dset.append_acquisition(acq)
    sampled = [e for e in range(w) if e % 2 == 0 or 6 <= e <= 9]
    for e in sampled:
        acq = ismrmrd.Acquisition.from_array(np.ascontiguousarray(kspace[:, :, e]))
        acq.idx.kspace_encode_step_1 = e
        if 6 <= e <= 9:
            acq.set_flag(ismrmrd.ACQ_IS_PARALLEL_CALIBRATION_AND_IMAGING if e % 2 == 0
                         else ismrmrd.ACQ_IS_PARALLEL_CALIBRATION)
        dset.append_acquisition(acq)
    dset.close()
    raw = read_ismrmrd(path)
    cols = np.isin(np.arange(w), sampled)
    assert np.array_equal(raw.kspace, kspace * cols)  # bit-exact
    assert np.array_equal(raw.noise, noise)
    assert np.array_equal(raw.mask[0], cols) and raw.calibration.sum() == 4
    assert np.array_equal(raw.imaging, cols & ~(np.isin(np.arange(w), [7, 9])))
    assert raw.recon_shape == (h // 2, w)


def test_fastmri_round_trip_and_layout(tmp_path, scan):
    import h5py

    raw = scan[-1]
    path = write_fastmri(tmp_path / "file_brain.h5", raw)
    with h5py.File(path, "r") as f:
        assert f["kspace"].shape == (1, 8, 128, 64) and f["kspace"].dtype == np.complex64
        assert {"max", "norm", "acquisition"} <= set(f.attrs)
    back = read_fastmri(path)
    assert np.array_equal(back.kspace, raw.kspace) and np.array_equal(back.mask, raw.mask)
    assert back.noise is None and back.recon_shape == (64, 64) and back.calibration.sum() == 5
    assert read_raw(path).format == "fastmri"


def test_pipeline_reconstructs_both_formats(tmp_path, scan):
    image, maps, full, psi, raw = scan
    ref = np.abs(image)
    for path in (write_ismrmrd(tmp_path / "a.h5", raw), write_fastmri(tmp_path / "b.h5", raw)):
        zf = reconstruct_file(path, "zero_filled_rss").image
        tv = reconstruct_file(path, "cg_sense_tv").image
        assert tv.shape == (64, 64)
        assert mrilab.psnr(ref, tv) > mrilab.psnr(ref, zf) + 5
    result = reconstruct_file(tmp_path / "a.h5", "cg_sense", n_virtual=6)
    assert result.kspace.shape[0] == 6 and result.covariance is not None
    assert any("whitened" in s for s in result.steps)


def test_pipeline_command(tmp_path, scan, capsys):
    path = write_ismrmrd(tmp_path / "a.h5", scan[-1])
    assert main([str(path), "--method", "sense", "--out", str(tmp_path / "x.npy")]) == 0
    assert np.load(tmp_path / "x.npy").shape == (64, 64)
    assert main([str(path), "--method", "cg_sense", "--out", str(tmp_path / "x.png")]) == 0
    assert (tmp_path / "x.png").stat().st_size > 1000


def test_clear_errors(tmp_path, scan):
    import h5py

    with pytest.raises(FileNotFoundError):
        read_raw(tmp_path / "missing.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match="neither HDF5 nor a Siemens twix file"):
        read_raw(tmp_path / "text.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["images"] = np.zeros(3)
    with pytest.raises(ValueError, match="neither fastMRI"):
        read_raw(tmp_path / "other.h5")
    raw = scan[-1]
    path = write_fastmri(tmp_path / "bad.h5", raw)
    with h5py.File(path, "r+") as f:  # the header still says 128 readout samples
        del f["kspace"]
        f["kspace"] = raw.kspace[None, :, :100]
    with pytest.raises(ValueError, match="header disagrees"):
        read_fastmri(path)
    with pytest.raises(ValueError, match="multi-coil method"):
        reconstruct_file(write_ismrmrd(tmp_path / "a.h5", raw), "tv_cs")


def test_non_cartesian_ismrmrd_is_refused(tmp_path, scan):
    import ismrmrd

    path = write_ismrmrd(tmp_path / "a.h5", scan[-1])
    with ismrmrd.Dataset(str(path), "dataset", create_if_needed=False) as dset:
        xml = dset.read_xml_header()
        xml = xml.decode() if isinstance(xml, bytes) else xml
        dset.write_xml_header(xml.replace("<trajectory>cartesian</trajectory>", "<trajectory>radial</trajectory>"))
    with pytest.raises(ValueError, match="noncartesian"):
        read_ismrmrd(path)


def test_partial_fourier_scan_through_the_pipeline(tmp_path, scan):
    image, maps, full, psi, _ = scan
    raw = simulate_scan(full, psi, acceleration=1, partial_fourier=0.75, rng=2)
    assert raw.mask[0].sum() == 48 and raw.phase_encode_limits[0] == 16
    back = read_ismrmrd(write_ismrmrd(tmp_path / "pf.h5", raw))
    assert back.phase_encode_limits == raw.phase_encode_limits and np.isclose(back.partial_fourier, 0.75)
    ref = np.abs(image)
    zf = reconstruct_file(tmp_path / "pf.h5", "zero_filled_rss").image
    for name in ("homodyne", "pocs"):
        out = reconstruct_file(tmp_path / "pf.h5", name).image
        assert mrilab.psnr(ref, out) > mrilab.psnr(ref, zf) + 2, name


@pytest.mark.parametrize("reader", ["read_raw", "read_ismrmrd", "read_fastmri"])
def test_every_reader_says_what_is_wrong_with_a_bad_file(tmp_path, scan, reader):
    """Truncated, random and text files get one message from every reader: what the file is, and the fix."""
    import mrilab.io as io

    read = getattr(io, reader)
    good = write_ismrmrd(tmp_path / "good.h5", scan[-1]) if reader != "read_fastmri" else write_fastmri(
        tmp_path / "good.h5", scan[-1])
    data = good.read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 3])
    (tmp_path / "random.h5").write_bytes(np.random.default_rng(0).bytes(4096))
    (tmp_path / "text.h5").write_text("kspace, coils, readout\n" * 50)
    with pytest.raises(ValueError, match="starts with HDF5's signature but cannot be read.*truncated or damaged"):
        read(tmp_path / "cut.h5")
    for name in ("random.h5", "text.h5"):
        with pytest.raises(ValueError, match="neither HDF5 nor a Siemens twix" if reader == "read_raw"
                           else "is not an HDF5 file"):
            read(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        read(tmp_path / "missing.h5")


def test_read_ismrmrd_places_lines_about_the_centre_and_skips_what_is_not_imaging(tmp_path, scan):
    """Partial Fourier with lines numbered from 0, a partial echo, averages, phase-correction and navigator
    readouts, a noise scan at another dwell time, and loops the book does not reconstruct."""
    import ismrmrd

    from mrilab.io import read_ismrmrd
    from mrilab.io.ismrmrd_file import ismrmrd_header

    import dataclasses

    raw = scan[-1]
    c, h, w = raw.kspace.shape
    first = w // 4  # a partial-Fourier scan: lines first..w-1, numbered 0..w-1-first, centre w//2 - first
    raw_pf = dataclasses.replace(raw, phase_encode_limits=(0, w - 1 - first, w // 2 - first))
    cut = h // 8    # a partial echo: the first h//8 readout samples not acquired
    rng = np.random.default_rng(1)
    path = tmp_path / "pf.h5"
    with ismrmrd.Dataset(str(path), "dataset", create_if_needed=True) as dset:
        dset.write_xml_header(ismrmrd_header(raw_pf))
        noise = (rng.standard_normal((c, 256)) + 1j * rng.standard_normal((c, 256))).astype(np.complex64)
        acq = ismrmrd.Acquisition.from_array(noise, sample_time_us=5.0)
        acq.set_flag(ismrmrd.ACQ_IS_NOISE_MEASUREMENT)
        dset.append_acquisition(acq)
        for flag in (ismrmrd.ACQ_IS_PHASECORR_DATA, ismrmrd.ACQ_IS_NAVIGATION_DATA, ismrmrd.ACQ_IS_DUMMYSCAN_DATA):
            junk = ismrmrd.Acquisition.from_array(np.full((c, h), 99, dtype=np.complex64), center_sample=h // 2)
            junk.idx.kspace_encode_step_1 = 0
            junk.set_flag(flag)
            dset.append_acquisition(junk)
        for col in range(first, w):
            for average in (0, 1):
                line = raw.kspace[:, :, col] + (0.5 if average else -0.5)  # the average is the line itself
                acq = ismrmrd.Acquisition.from_array(np.ascontiguousarray(line[:, cut:], dtype=np.complex64),
                                                     center_sample=h // 2 - cut, sample_time_us=2.5)
                acq.idx.kspace_encode_step_1 = col - first
                acq.idx.average = average
                dset.append_acquisition(acq)
    out = read_ismrmrd(path)
    np.testing.assert_allclose(out.kspace[:, cut:, first:], raw.kspace[:, cut:, first:], atol=1e-5)
    assert not out.kspace[:, :cut].any() and not out.kspace[:, :, :first].any()
    assert out.mask[0, first:].all() and not out.mask[0, :first].any()
    # the noise scan, at twice the imaging dwell time, is scaled to the imaging bandwidth
    np.testing.assert_allclose(out.noise, noise * np.sqrt(5.0 / 2.5), rtol=1e-6)
    with ismrmrd.Dataset(str(path), "dataset", create_if_needed=False) as dset:
        acq = ismrmrd.Acquisition.from_array(np.zeros((c, h), dtype=np.complex64))
        acq.idx.kspace_encode_step_1 = 3
        acq.idx.repetition = 1
        dset.append_acquisition(acq)
    with pytest.raises(ValueError, match="repetition 1: several repetitions.*split the file"):
        read_ismrmrd(path)


def test_read_fastmri_reads_a_header_without_the_optional_fields(tmp_path, scan):
    import h5py

    from mrilab.io import read_fastmri

    raw = scan[-1]
    path = write_fastmri(tmp_path / "f.h5", raw)
    h, w = raw.kspace.shape[-2:]
    minimal = (f'<?xml version="1.0"?><ismrmrdHeader xmlns="http://www.ismrm.org/ISMRMRD"><encoding>'
               f'<encodedSpace><matrixSize><x>{h}</x><y>{w}</y><z>1</z></matrixSize></encodedSpace>'
               f'</encoding></ismrmrdHeader>')
    with h5py.File(path, "r+") as f:
        del f["ismrmrd_header"]
        f["ismrmrd_header"] = minimal.encode()
    out = read_fastmri(path)
    assert out.recon_shape == (h, w) and out.phase_encode_limits is None
    np.testing.assert_array_equal(out.kspace, raw.kspace)
    with h5py.File(path, "r+") as f:
        del f["ismrmrd_header"]
        f["ismrmrd_header"] = b"<ismrmrdHeader><encoding></encoding></ismrmrdHeader>"
    with pytest.raises(ValueError, match="no <encoding><encodedSpace><matrixSize>"):
        read_fastmri(path)


def test_pipeline_without_calibration(tmp_path, scan):
    """NLINV returns its own maps; SAKE uses none (the maps returned are the ones asked for)."""
    image, maps, full, psi, raw = scan
    ref = np.abs(image)
    path = write_ismrmrd(tmp_path / "a.h5", raw)
    zf = reconstruct_file(path, "zero_filled_rss").image
    nl = reconstruct_file(path, "nlinv")
    assert nl.image.shape == (64, 64) and nl.maps.shape == nl.kspace.shape
    assert any("NLINV" in s for s in nl.steps)
    sk = reconstruct_file(path, "sake", n_iter=20)
    assert sk.image.shape == (64, 64)
    for result in (nl, sk):
        assert mrilab.psnr(ref, result.image) > mrilab.psnr(ref, zf)
