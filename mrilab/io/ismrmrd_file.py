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
from pathlib import Path

import numpy as np

from .._io import atomic_path
from .raw import RawData

__all__ = ["read_ismrmrd", "write_ismrmrd", "ismrmrd_header", "encoding_of"]


def _ismrmrd():
    try:
        import ismrmrd
    except ImportError:  # pragma: no cover - a requirement of the book
        raise ImportError("reading ISMRMRD files needs the ismrmrd package: pip install ismrmrd") from None
    return ismrmrd


def encoding_of(xml: str) -> tuple[object, tuple[int, int, int], tuple[int, int], tuple[int, int, int] | None]:
    """The first encoding of an ISMRMRD XML header: ``(encoding, encoded (x, y, z), recon (x, y), limits)``.

    ``limits`` are the minimum, maximum and centre of ``kspace_encoding_step_1`` (None if absent).
    """
    enc = _ismrmrd().xsd.CreateFromDocument(xml).encoding[0]
    size = enc.encodedSpace.matrixSize
    lim = enc.encodingLimits.kspace_encoding_step_1
    return (enc, (size.x, size.y, size.z), (enc.reconSpace.matrixSize.x, enc.reconSpace.matrixSize.y),
            None if lim is None else (int(lim.minimum), int(lim.maximum), int(lim.center)))


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

    Raises
    ------
    ValueError
        For a non-Cartesian trajectory, a 3-D encoding, acquisitions whose size disagrees with
        the header, or a file with no imaging acquisitions.
    """
    ismrmrd = _ismrmrd()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    with ismrmrd.Dataset(str(path), dataset, create_if_needed=False) as dset:
        try:
            xml = dset.read_xml_header()
        except (LookupError, KeyError):
            raise ValueError(f"{path} has no ISMRMRD header in group {dataset!r}; is it an ISMRMRD file?") from None
        xml = xml.decode() if isinstance(xml, bytes) else str(xml)
        enc, (h, w, z), recon, limits = encoding_of(xml)
        trajectory = getattr(enc.trajectory, "value", enc.trajectory)
        if trajectory != "cartesian":
            raise ValueError(f"{path} holds a {trajectory} trajectory; read_ismrmrd reads Cartesian data only "
                             f"(non-Cartesian k-space is Part VI's mrilab.noncartesian)")
        if z not in (None, 1):
            raise ValueError(f"{path} has a 3-D encoding ({h} x {w} x {z}); read_ismrmrd reads 2-D slices")
        n_slices = 1
        if enc.encodingLimits.slice is not None:
            n_slices = int(enc.encodingLimits.slice.maximum) + 1
        try:
            n_acq = dset.number_of_acquisitions()
        except LookupError:
            raise ValueError(f"{path} has a header but no acquisitions") from None
        noise, lines = [], []
        for a in range(n_acq):
            acq = dset.read_acquisition(a)
            if acq.is_flag_set(ismrmrd.ACQ_IS_NOISE_MEASUREMENT):
                noise.append(np.array(acq.data))
            else:
                lines.append((acq.idx.kspace_encode_step_1, acq.idx.slice, acq.is_flag_set(
                    ismrmrd.ACQ_IS_PARALLEL_CALIBRATION), acq.is_flag_set(
                    ismrmrd.ACQ_IS_PARALLEL_CALIBRATION_AND_IMAGING), np.array(acq.data)))
    if not lines:
        raise ValueError(f"{path} has no imaging acquisitions (only {len(noise)} noise readouts)")
    c = lines[0][4].shape[0]
    n_slices = max(n_slices, 1 + max(s for _, s, *_ in lines))
    kspace = np.zeros((n_slices, c, h, w), dtype=np.complex64)
    calibration = np.zeros(w, dtype=bool)
    imaging = np.zeros(w, dtype=bool)
    for e1, s, calib, calib_and_imaging, data in lines:
        if data.shape != (c, h) or not 0 <= e1 < w:
            raise ValueError(f"{path}: an acquisition of shape {data.shape} at phase encode {e1} does not fit the "
                             f"header's encoded space of {h} readout samples x {w} phase encodes with {c} "
                             f"coils; the header disagrees with the data")
        kspace[s, :, :, e1] = data
        calibration[e1] |= calib or calib_and_imaging
        imaging[e1] |= not calib
    sampled = calibration | imaging
    return RawData(kspace=kspace[0] if n_slices == 1 else kspace, mask=np.broadcast_to(sampled, (h, w)).copy(),
                   calibration=calibration, imaging=imaging,
                   noise=np.concatenate(noise, axis=1).astype(np.complex64) if noise else None,
                   recon_shape=recon, phase_encode_limits=limits, header=xml, format="ismrmrd")


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
