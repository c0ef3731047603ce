"""fastMRI raw data (Zbontar et al. 2018; Knoll et al. 2020), read and written.

A fastMRI file is HDF5 with, at its root:

* ``kspace``: complex64, ``(slices, coils, readout, phase encodes)`` for multi-coil data or
  ``(slices, readout, phase encodes)`` for single-coil; the readout is oversampled twice (640
  samples for a 320-pixel image), which is the book's convention (:mod:`.raw`);
* ``mask``: the sampled phase encodes ``(W,)``, in the test and challenge files only (the
  training files are fully sampled);
* ``ismrmrd_header``: the scanner's ISMRMRD XML header (encoded and reconstruction spaces);
* ``reconstruction_rss`` (multi-coil) or ``reconstruction_esc`` (single-coil): the reference
  images, ``(slices, 320, 320)``, in the training and validation files;
* attributes ``acquisition`` (for example ``CORPD_FBK``, ``AXT2``), ``max``, ``norm``,
  ``patient_id``; test files add ``acceleration`` and ``num_low_frequency``.

fastMRI files carry no noise scan; their coil noise is already whitened or not, as the
scanner left it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..multicoil.calibration import acs_block
from ..fourier import ifft2c
from .raw import RawData, check_hdf5, damaged_message

__all__ = ["read_fastmri", "write_fastmri"]


def read_fastmri(path: str | os.PathLike) -> RawData:
    """Read a fastMRI file (module docstring) into :class:`~mrilab.io.raw.RawData`.

    ``kspace`` comes back as ``(C, H, W)`` for one slice, ``(N, C, H, W)`` for several, and
    ``(N, 1, H, W)`` for single-coil files (one coil). The mask is the file's ``mask`` if it has
    one, else the columns that hold any non-zero sample; the calibration columns are the run of
    sampled columns through the centre. ``recon_shape`` comes from the header's
    ``reconSpace`` (320 x 320 in fastMRI), or half the readout if there is no header. A header
    without the optional fields is read for what it has (:func:`mrilab.io.ismrmrd_file.encoding_of`).
    A file that is not HDF5, or is truncated, is refused with the reason
    (:func:`mrilab.io.raw.check_hdf5`).
    """
    import h5py

    path = Path(path)
    check_hdf5(path, "fastMRI")
    try:
        with h5py.File(path, "r") as f:
            if "kspace" not in f:
                raise ValueError(f"{path} has no 'kspace' dataset: not a fastMRI file (datasets: {sorted(f)})")
            k = np.asarray(f["kspace"][()])
            file_mask = np.asarray(f["mask"][()]) if "mask" in f else None
            xml = f["ismrmrd_header"][()] if "ismrmrd_header" in f else b""
            ref_name = next((n for n in ("reconstruction_rss", "reconstruction_esc") if n in f), None)
            reference = np.asarray(f[ref_name][()], dtype=np.float32) if ref_name else None
            attrs = {key: (v.decode() if isinstance(v, bytes) else v) for key, v in f.attrs.items()}
    except OSError as exc:
        raise ValueError(damaged_message(path, exc, "fastMRI")) from None
    if not np.iscomplexobj(k) or k.ndim not in (3, 4):
        raise ValueError(f"{path}: 'kspace' must be complex (slices, coils, readout, phase encodes) or (slices, "
                         f"readout, phase encodes), got {k.dtype} of shape {k.shape}")
    if k.ndim == 3:
        k = k[:, None]
    h, w = k.shape[-2:]
    if file_mask is not None:
        cols = np.asarray(file_mask).reshape(-1).astype(bool)
        if cols.shape != (w,):
            raise ValueError(f"{path}: 'mask' has {cols.size} entries for {w} phase encodes; the header "
                             f"disagrees with the data")
    else:
        cols = np.abs(k).reshape(-1, h, w).max(axis=(0, 1)) > 0
    xml = xml.decode() if isinstance(xml, bytes) else str(xml)
    recon, limits = (h // 2, w), None
    if xml:
        from .ismrmrd_file import encoding_of

        enc = encoding_of(xml)
        encoded, recon, limits = enc.encoded, enc.recon, enc.limits
        if encoded[:2] != (h, w):
            raise ValueError(f"{path}: the header's encoded space is {encoded[0]} x {encoded[1]} but 'kspace' is "
                             f"{h} x {w}; the header disagrees with the data")
    mask = np.broadcast_to(cols, (h, w)).copy()
    calibration = np.zeros(w, dtype=bool)
    try:
        calibration[acs_block(mask)] = True
    except ValueError:
        pass  # no ACS: the reader still reads; calibration fails later with its own message
    return RawData(kspace=(k[0] if len(k) == 1 else k).astype(np.complex64, copy=False), mask=mask,
                   calibration=calibration, imaging=cols.copy(), noise=None, recon_shape=recon,
                   phase_encode_limits=limits, header=xml, reference=reference, attrs=attrs, format="fastmri")


def write_fastmri(path: str | os.PathLike, raw: RawData, *, acquisition: str = "SIMULATED",
                  with_mask: bool = True) -> Path:
    """Write ``raw`` in the fastMRI layout (module docstring), with an ISMRMRD header.

    The reference ``reconstruction_rss`` is the root-sum-of-squares of the fully sampled coil
    images cropped to the reconstruction size, written only when ``raw.reference`` is given.
    ``attrs`` ``max`` and ``norm`` are those of the zero-filled RSS image, as fastMRI
    computes them for test files. Written to a temporary name and renamed. Returns the path.
    """
    import h5py

    from .ismrmrd_file import ismrmrd_header

    path = Path(path)
    k = raw.kspace if raw.kspace.ndim == 4 else raw.kspace[None]
    zf = np.sqrt(np.sum(np.abs(ifft2c(k)) ** 2, axis=1))
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset("kspace", data=k.astype(np.complex64))
        if with_mask:
            f.create_dataset("mask", data=raw.mask[0])
        f.create_dataset("ismrmrd_header", data=ismrmrd_header(raw).encode())
        if raw.reference is not None:
            ref = raw.reference if raw.reference.ndim == 3 else raw.reference[None]
            f.create_dataset("reconstruction_rss", data=ref.astype(np.float32))
        f.attrs["acquisition"] = acquisition
        f.attrs["max"] = float(zf.max())
        f.attrs["norm"] = float(np.linalg.norm(zf))
        f.attrs["patient_id"] = "simulated"
    return path
