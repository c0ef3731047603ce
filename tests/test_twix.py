"""Siemens twix files (read with twixtools), Pulseq trajectories (pypulseq) and the real-data registry."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from mrilab.data.real import REAL_FILES, real_file
from mrilab.io import read_raw, read_twix, seq_trajectory

twixtools = pytest.importorskip("twixtools")

TWIX = [name for name, entry in REAL_FILES.items() if entry.filename.endswith(".dat")]


def _local(name):
    try:
        return real_file(name, download=False)
    except FileNotFoundError:
        pytest.skip(f"the real file {name} is not here (set MRILAB_REAL_DATA)")


@pytest.mark.parametrize("name", TWIX)
def test_read_twix_returns_what_twixtools_returns(name):
    path = _local(name)
    raw = read_twix(path)
    library = twixtools.map_twix(str(path), verbose=False)[-1]["image"][:].squeeze()  # (Lin, Cha, Col)
    assert raw.kspace.shape == (library.shape[1], library.shape[2], library.shape[0])
    np.testing.assert_array_equal(raw.kspace, np.transpose(library, (1, 2, 0)))
    assert raw.format == "twix" and raw.mask.all() and raw.noise is None
    assert raw.attrs["pulseq"] and raw.attrs["fov_mm"] == (256.0, 256.0)
    assert len(raw.attrs["coil_names"]) == raw.kspace.shape[0]
    assert read_raw(path).kspace.shape == raw.kspace.shape  # recognised by content


def _rewrite(tmp_path, name, change, out="changed.dat"):
    """A real file with its readouts changed by ``change(mdbs)``, written back with twixtools."""
    scans = twixtools.read_twix(str(_local(name)), verbose=False)
    for mdb in scans[-1]["mdb"]:
        mdb.data  # read the data before the source file is forgotten
    change(scans[-1]["mdb"])
    out = tmp_path / out
    twixtools.write_twix(scans, str(out), version_is_ve=True)
    return out


def test_lines_are_placed_by_their_counter(tmp_path):
    original = read_twix(_local("flash_phantom_body"))
    order = np.random.default_rng(0).permutation(128)

    def shuffle(mdbs):  # the readouts written in a random order, each keeping its line counter
        mdbs[:] = [mdbs[i] for i in order]
    path = _rewrite(tmp_path, "flash_phantom_body", shuffle)
    assert [m.cLin for m in twixtools.read_twix(str(path), verbose=False)[-1]["mdb"]][:5] == list(order[:5])
    np.testing.assert_array_equal(read_twix(path).kspace, original.kspace)


def test_partial_fourier_lines_keep_the_centre(tmp_path):
    def drop_first(mdbs):  # a partial-Fourier scan: the first 24 lines never measured, centre line 64
        for m in mdbs:
            m.mdh.CenterLin = 64
        del mdbs[:24]
    raw = read_twix(_rewrite(tmp_path, "flash_phantom_body", drop_first))
    assert raw.kspace.shape[-1] == 128
    assert not raw.mask[0, :24].any() and raw.mask[0, 24:].all()
    assert raw.phase_encode_limits == (24, 127, 64)


def test_refused_data_say_why(tmp_path):
    def three_d(mdbs):
        for i, m in enumerate(mdbs):
            m.mdh.Counter.Par = i % 2
    with pytest.raises(ValueError, match="Par counter.*3-D"):
        read_twix(_rewrite(tmp_path, "flash_phantom_body", three_d))

    def echoes(mdbs):
        for i, m in enumerate(mdbs):
            m.mdh.Counter.Eco = i % 2
    with pytest.raises(ValueError, match="Eco counter.*echo"):
        read_twix(_rewrite(tmp_path, "flash_phantom_body", echoes, "echoes.dat"))


def test_slices_become_the_leading_axis(tmp_path):
    def two_slices(mdbs):
        for i, m in enumerate(mdbs):
            m.mdh.Counter.Sli = i % 2
    raw = read_twix(_rewrite(tmp_path, "flash_phantom_body", two_slices))
    assert raw.kspace.shape == (2, 2, 128, 128)
    assert not raw.kspace[0, :, :, 1::2].any() and raw.kspace[1, :, :, 1::2].any()


def test_truncated_and_foreign_files_are_refused(tmp_path):
    data = _local("flash_phantom_body").read_bytes()
    (tmp_path / "cut.dat").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        read_twix(tmp_path / "cut.dat")
    (tmp_path / "text.dat").write_text("hello " * 100)
    with pytest.raises(ValueError, match="not a Siemens twix file"):
        read_twix(tmp_path / "text.dat")
    with pytest.raises(ValueError, match="neither HDF5 nor a Siemens twix"):
        read_raw(tmp_path / "text.dat")
    with pytest.raises(FileNotFoundError):
        read_twix(tmp_path / "missing.dat")


def test_radial_trajectory_from_the_seq_file():
    seq = seq_trajectory(_local("radial_phantom_seq"))
    assert seq.k.shape == (256, 256, 2) and seq.fov_m == (0.256, 0.256) and seq.natural_shape == (256, 256)
    t = seq.cycles_per_pixel()
    assert t.min() >= -0.5 and t.max() < 0.5
    # the README's geometry: 256 straight spokes through the centre, i * 180 / 256 degrees apart, 1/FOV apart
    # along each spoke (one cycle per pixel over 256 samples), the centre at sample 128
    direction = t[:, -1] - t[:, 0]
    angles = np.unwrap(np.arctan2(direction[:, 0], direction[:, 1]))
    np.testing.assert_allclose(np.diff(angles), np.pi / 256, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(np.diff(t, axis=1), axis=-1), 1 / 256, rtol=1e-3)
    np.testing.assert_allclose(t[:, 128], 0, atol=1e-4)
    assert np.allclose(seq.cycles_per_pixel((128, 128)), 2 * t)


def test_registry_checks_files_and_explains_missing_ones(tmp_path, monkeypatch):
    for name, entry in REAL_FILES.items():
        assert len(entry.sha256) == 64 and entry.commit in entry.url and entry.url.endswith(entry.filename)
    path = _local("radial_phantom_seq")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == REAL_FILES["radial_phantom_seq"].sha256
    # a local folder first; a damaged copy is refused
    bad = tmp_path / "pulseq-radial"
    bad.mkdir()
    (bad / REAL_FILES["radial_phantom_seq"].filename).write_text("not the file")
    monkeypatch.setenv("MRILAB_REAL_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="sha256"):
        real_file("radial_phantom_seq")
    with pytest.raises(ValueError, match="name must be one of"):
        real_file("brain")
    # nowhere to be found and no download: the error names the variable and the source
    monkeypatch.setattr("mrilab.data.real.real_data_dirs", lambda: [tmp_path / "empty"])
    with pytest.raises(FileNotFoundError, match="MRILAB_REAL_DATA.*github.com/pulseq"):
        real_file("radial_phantom", download=False)


def test_the_command_line_reconstructs_real_files(tmp_path, capsys):
    from mrilab.recon.pipeline import main

    radial, seq = _local("radial_phantom"), _local("radial_phantom_seq")
    assert main([str(radial), "--seq", str(seq), "--matrix", "128", "--out", str(tmp_path / "r.npy")]) == 0
    image = np.load(tmp_path / "r.npy")
    assert image.shape == (128, 128) and image[64, 64] > 10 * np.median(image[:10, :10])   # the bottle, not noise
    assert "gradient delay (RING)" in capsys.readouterr().out
    assert main([str(_local("flash_phantom_body")), "--method", "sense", "--out", str(tmp_path / "h.png")]) == 0
    with pytest.raises(SystemExit):
        main([str(radial), "--seq", str(_local("radial_phantom_seq")), "--method", "sense", "--out",
              str(tmp_path / "x.npy")])
    with pytest.raises(SystemExit):  # a sequence of other readouts than the file's
        main([str(_local("flash_phantom_body")), "--seq", str(seq), "--out", str(tmp_path / "x.npy")])
