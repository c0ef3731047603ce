"""ISMRMRD raw data (Inati et al. 2017), read and written with the ``ismrmrd`` package.

An ISMRMRD file is HDF5 with, under one group (``dataset`` by default), an XML header
(``xml``) and a list of acquisitions (``data``): one readout each, with its own header of
encoding counters and flags. :func:`read_ismrmrd` turns the Cartesian acquisitions back into
the book's arrays (:mod:`.raw` for the axes); :func:`write_ismrmrd` writes a
:class:`~mrilab.io.raw.RawData` (a simulated scan, :func:`~mrilab.io.simulate_scan`) as a
scanner's converter would: the noise readouts first, flagged ``ACQ_IS_NOISE_MEASUREMENT``,
then one acquisition per sampled phase encode, ACS lines flagged
``ACQ_IS_PARALLEL_CALIBRATION`` (calibration only) or ``ACQ_IS_PARALLEL_CALIBRATION_AND_IMAGING``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import atomic_path
from .raw import RawData, check_hdf5, damaged_message

__all__ = ["read_ismrmrd", "write_ismrmrd", "ismrmrd_header", "encoding_of", "Encoding", "SKIPPED_FLAGS"]


def _ismrmrd():
    try:
        import ismrmrd
    except ImportError:  # pragma: no cover - a requirement of the book
        raise ImportError("reading ISMRMRD files needs the ismrmrd package: pip install ismrmrd") from None
    return ismrmrd


@dataclass(frozen=True)
class Encoding:
    """What the book reads from the first ``<encoding>`` of an ISMRMRD XML header.

    ``encoded`` is ``encodedSpace/matrixSize`` ``(x, y, z)``; ``recon`` is ``reconSpace/matrixSize``
    ``(x, y)`` (the encoded size where absent); ``limits`` are ``kspace_encoding_step_1``'s minimum,
    maximum and centre, and ``slices`` the number of slices from the ``slice`` limit (None where absent).
    """

    trajectory: str
    encoded: tuple[int, int, int]
    recon: tuple[int, int]
    limits: tuple[int, int, int] | None
    slices: int | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node, *names):
    for name in names:
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == name), None)
    return node


def _int(node, *names) -> int | None:
    leaf = _child(node, *names)
    try:
        return None if leaf is None or leaf.text is None else int(float(leaf.text))
    except ValueError:
        return None


def encoding_of(xml: str) -> Encoding:
    """The first encoding of an ISMRMRD XML header (:class:`Encoding`).

    Read with the standard library's XML parser, so that a header without the optional fields (many
    fastMRI and converter headers lack some) is read for what it has; only the encoded matrix size,
    which the book needs, is required.
    """
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ValueError(f"the ISMRMRD header is not valid XML ({exc})") from None
    enc = _child(root, "encoding")
    size = [_int(enc, "encodedSpace", "matrixSize", axis) for axis in ("x", "y", "z")]
    if enc is None or size[0] is None or size[1] is None:
        raise ValueError("the ISMRMRD header has no <encoding><encodedSpace><matrixSize> with x and y; the book needs "
                         "the encoded matrix size to place the readouts")
    encoded = (size[0], size[1], size[2] if size[2] is not None else 1)
    recon = tuple(_int(enc, "reconSpace", "matrixSize", axis) for axis in ("x", "y"))
    recon = (recon[0] or encoded[0], recon[1] or encoded[1])
    lim = [_int(enc, "encodingLimits", "kspace_encoding_step_1", k) for k in ("minimum", "maximum", "center")]
    limits = tuple(lim) if None not in lim else None
    slice_max = _int(enc, "encodingLimits", "slice", "maximum")
    trajectory = (_child(enc, "trajectory").text or "").strip() if _child(enc, "trajectory") is not None else "cartesian"
    return Encoding(trajectory=trajectory, encoded=encoded, recon=recon, limits=limits,
                    slices=None if slice_max is None else slice_max + 1)


#: Acquisitions that are not imaging readouts: skipped by :func:`read_ismrmrd` (noise readouts are kept
#: apart as the noise scan).
SKIPPED_FLAGS = ("ACQ_IS_PHASECORR_DATA", "ACQ_IS_NAVIGATION_DATA", "ACQ_IS_DUMMYSCAN_DATA",
                 "ACQ_IS_RTFEEDBACK_DATA", "ACQ_IS_HPFEEDBACK_DATA")


def read_ismrmrd(path: str | os.PathLike, *, dataset: str = "dataset") -> RawData:
    """Read Cartesian multi-coil raw data from an ISMRMRD file.

    Parameters
    ----------
    path : path of the ``.h5`` file
    dataset : str, keyword-only
        The group that holds the header and the acquisitions.

    Returns
    -------
    RawData
        ``kspace`` ``(C, H, W)`` (``(N, C, H, W)`` with several slices), ``H`` the encoded
        readout size (``encodedSpace.matrixSize.x``), ``W`` the phase encodes
        (``encodedSpace.matrixSize.y``); the mask, the calibration and imaging flags per
        column, the noise samples, ``recon_shape`` from ``reconSpace`` and the phase-encode
        limits from ``encodingLimits``.

    Notes
    -----
    * Each line goes to column ``e1 - centre + W // 2``, ``centre`` being the header's
      ``kspace_encoding_step_1`` centre (``W // 2`` where absent), so that a partial-Fourier scan
      whose lines start at 0 keeps k-space's centre in the centre column.
    * Each readout is placed so that its ``center_sample`` lands on sample ``H // 2``: an asymmetric
      (partial) echo fills the readout from its first sampled point, and the rest stays zero.
    * Phase-correction, navigator, dummy-scan and feedback acquisitions (:data:`SKIPPED_FLAGS`) are
      skipped; noise readouts become the noise scan.
    * Repeated averages of a line are averaged. Several repetitions, contrasts (echoes), phases or
      sets are refused: the book reconstructs one 2-D image per slice.
    * The noise readouts are scaled to the imaging readouts' bandwidth: white noise has a variance
      proportional to the bandwidth ``1 / dwell time``, so a noise scan at another dwell time is
      multiplied by ``sqrt(noise dwell / imaging dwell)`` (both from ``sample_time_us``).

    Raises
    ------
    ValueError
        For a file that is not HDF5 or is damaged, a non-Cartesian trajectory, a 3-D encoding,
        acquisitions whose size disagrees with the header, loops the book does not reconstruct, or
        a file with no imaging acquisitions.
    """
    ismrmrd = _ismrmrd()
    path = Path(path)
    check_hdf5(path, "ISMRMRD")
    skip = 0
    for name in SKIPPED_FLAGS:
        skip |= 1 << (getattr(ismrmrd, name) - 1)
    try:
        with ismrmrd.Dataset(str(path), dataset, create_if_needed=False) as dset:
            try:
                xml = dset.read_xml_header()
            except (LookupError, KeyError):
                raise ValueError(f"{path} has no ISMRMRD header in group {dataset!r}; is it an ISMRMRD file?") from None
            xml = xml.decode() if isinstance(xml, bytes) else str(xml)
            enc = encoding_of(xml)
            h, w, z = enc.encoded
            if enc.trajectory.lower() != "cartesian":
                raise ValueError(f"{path} holds a {enc.trajectory} trajectory; read_ismrmrd reads Cartesian data only "
                                 f"(non-Cartesian k-space is Part VI's mrilab.noncartesian)")
            if z not in (None, 1):
                raise ValueError(f"{path} has a 3-D encoding ({h} x {w} x {z}); read_ismrmrd reads 2-D slices")
            try:
                n_acq = dset.number_of_acquisitions()
            except LookupError:
                raise ValueError(f"{path} has a header but no acquisitions") from None
            noise, lines, skipped, dwell = [], [], 0, {"noise": set(), "imaging": set()}
            for a in range(n_acq):
                acq = dset.read_acquisition(a)
                if acq.is_flag_set(ismrmrd.ACQ_IS_NOISE_MEASUREMENT):
                    noise.append(np.array(acq.data))
                    dwell["noise"].add(float(acq.sample_time_us))
                elif int(acq.flags) & skip:
                    skipped += 1
                else:
                    idx = acq.idx
                    for loop in ("repetition", "contrast", "phase", "set"):
                        if int(getattr(idx, loop)) != 0:
                            raise ValueError(
                                f"{path} has acquisitions with {loop} {int(getattr(idx, loop))}: several {loop}s, which "
                                f"read_ismrmrd does not reconstruct (one 2-D image per slice); split the file by "
                                f"{loop} with your converter, or keep {loop} 0 only")
                    dwell["imaging"].add(float(acq.sample_time_us))
                    lines.append((int(idx.kspace_encode_step_1), int(idx.slice), int(acq.center_sample),
                                  acq.is_flag_set(ismrmrd.ACQ_IS_PARALLEL_CALIBRATION),
                                  acq.is_flag_set(ismrmrd.ACQ_IS_PARALLEL_CALIBRATION_AND_IMAGING),
                                  np.array(acq.data)))
    except OSError as exc:
        raise ValueError(damaged_message(path, exc, "ISMRMRD")) from None
    if not lines:
        raise ValueError(f"{path} has no imaging acquisitions (only {len(noise)} noise readouts and {skipped} "
                         f"phase-correction, navigator or dummy readouts)")
    c = lines[0][5].shape[0]
    n_slices = max(enc.slices or 1, 1 + max(line[1] for line in lines))
    offset = w // 2 - (enc.limits[2] if enc.limits is not None else w // 2)
    total = np.zeros((n_slices, c, h, w), dtype=np.complex128)
    count = np.zeros((n_slices, w), dtype=np.int64)
    calibration = np.zeros(w, dtype=bool)
    imaging = np.zeros(w, dtype=bool)
    for e1, s, centre, calib, calib_and_imaging, data in lines:
        col = e1 + offset
        n = data.shape[-1]
        first = h // 2 - centre if 0 < centre < n else (h - n) // 2
        if data.shape[0] != c or not 0 <= col < w or first < 0 or first + n > h:
            raise ValueError(f"{path}: an acquisition of shape {data.shape} (centre sample {centre}) at phase encode "
                             f"{e1} does not fit the header's encoded space of {h} readout samples x {w} phase "
                             f"encodes (centre {w // 2 - offset}) with {c} coils; the header disagrees with the data")
        total[s, :, first:first + n, col] += data
        count[s, col] += 1
        calibration[col] |= calib or calib_and_imaging
        imaging[col] |= not calib
    kspace = (total / np.maximum(count, 1)[:, None, None, :]).astype(np.complex64)  # averages averaged
    noise_samples = None
    if noise:
        noise_samples = np.concatenate(noise, axis=1).astype(np.complex64)
        if len(dwell["noise"]) == 1 and len(dwell["imaging"]) == 1:
            (d_noise,), (d_image,) = dwell["noise"], dwell["imaging"]
            if d_noise > 0 and d_image > 0 and not np.isclose(d_noise, d_image):
                noise_samples *= np.float32(np.sqrt(d_noise / d_image))
    sampled = calibration | imaging
    limits = enc.limits
    return RawData(kspace=kspace[0] if n_slices == 1 else kspace, mask=np.broadcast_to(sampled, (h, w)).copy(),
                   calibration=calibration, imaging=imaging, noise=noise_samples,
                   recon_shape=enc.recon, phase_encode_limits=limits, header=xml, format="ismrmrd")


def ismrmrd_header(raw: RawData, *, fov_mm: float = 220.0, field_strength: float = 3.0) -> str:
    """The XML header of a Cartesian 2-D scan with the shapes of ``raw``."""
    ismrmrd = _ismrmrd()
    x = ismrmrd.xsd
    h, w = raw.kspace.shape[-2:]
    rh, rw = raw.recon_shape or (h, w)
    over = h / rh
    n_slices = raw.kspace.shape[0] if raw.kspace.ndim == 4 else 1
    lo, hi, centre = raw.phase_encode_limits or (0, w - 1, w // 2)
    header = x.ismrmrdHeader(
        experimentalConditions=x.experimentalConditionsType(H1resonanceFrequency_Hz=int(42.577e6 * field_strength)),
        acquisitionSystemInformation=x.acquisitionSystemInformationType(
            receiverChannels=raw.kspace.shape[-3], systemFieldStrength_T=field_strength),
        encoding=[x.encodingType(
            trajectory=x.trajectoryType.CARTESIAN,
            encodedSpace=x.encodingSpaceType(matrixSize=x.matrixSizeType(x=h, y=w, z=1),
                                             fieldOfView_mm=x.fieldOfViewMm(x=fov_mm * over, y=fov_mm, z=5.0)),
            reconSpace=x.encodingSpaceType(matrixSize=x.matrixSizeType(x=rh, y=rw, z=1),
                                           fieldOfView_mm=x.fieldOfViewMm(x=fov_mm, y=fov_mm, z=5.0)),
            encodingLimits=x.encodingLimitsType(
                kspace_encoding_step_0=x.limitType(minimum=0, maximum=h - 1, center=h // 2),
                kspace_encoding_step_1=x.limitType(minimum=lo, maximum=hi, center=centre),
                slice=x.limitType(minimum=0, maximum=n_slices - 1, center=0)))])
    return x.ToXML(header)


def write_ismrmrd(path: str | os.PathLike, raw: RawData, *, fov_mm: float = 220.0) -> Path:
    """Write ``raw`` as an ISMRMRD file, as a scanner's converter would (module docstring).

    The file is written to a temporary name and renamed, so that it is never half written.
    Returns the path.
    """
    ismrmrd = _ismrmrd()
    path = Path(path)
    k = raw.kspace if raw.kspace.ndim == 4 else raw.kspace[None]
    c, h, w = k.shape[1:]
    columns = raw.mask[0]
    with atomic_path(path) as tmp:
        tmp.unlink()  # ismrmrd creates the file itself
        with ismrmrd.Dataset(str(tmp), "dataset", create_if_needed=True) as dset:
            dset.write_xml_header(ismrmrd_header(raw, fov_mm=fov_mm))
            if raw.noise is not None:
                for chunk in np.split(raw.noise, raw.noise.shape[1] // h, axis=1):
                    acq = ismrmrd.Acquisition.from_array(np.ascontiguousarray(chunk, dtype=np.complex64))
                    acq.set_flag(ismrmrd.ACQ_IS_NOISE_MEASUREMENT)
                    dset.append_acquisition(acq)
            scan = 0
            for s in range(len(k)):
                for e1 in np.flatnonzero(columns):
                    acq = ismrmrd.Acquisition.from_array(np.ascontiguousarray(k[s, :, :, e1], dtype=np.complex64),
                                                         center_sample=h // 2, scan_counter=scan)
                    acq.idx.kspace_encode_step_1 = int(e1)
                    acq.idx.slice = s
                    if raw.calibration[e1]:
                        acq.set_flag(ismrmrd.ACQ_IS_PARALLEL_CALIBRATION_AND_IMAGING if raw.imaging[e1]
                                     else ismrmrd.ACQ_IS_PARALLEL_CALIBRATION)
                    dset.append_acquisition(acq)
                    scan += 1
    return path
