"""What a raw-data file holds once read: :class:`RawData` (:func:`mrilab.io.read_raw` reads any format).

Conventions (the book's, and how each format maps onto them):

* k-space ``(C, H, W)`` or ``(N, C, H, W)``: axis -2 is the **readout** (frequency encoding,
  sampled in full, with the scanner's oversampling: ``H`` is the *encoded* size, twice the
  reconstructed one on most scanners), axis -1 the **phase encodes** (the columns of Parts
  I-V: each sampled column is one readout).
* ISMRMRD stores one acquisition per readout: its ``data`` is ``(channels, samples)`` and its
  ``idx.kspace_encode_step_1`` is the phase-encode index, so acquisition ``a`` fills
  ``kspace[:, :, a.idx.kspace_encode_step_1]``; ``idx.slice`` indexes ``N``. The header's
  ``encodedSpace.matrixSize`` is ``(x, y) = (H, W)``, its ``reconSpace`` the size after
  oversampling is removed.
* Siemens twix files store one readout per MDB with its loop counters: ``Lin`` is the phase-encode
  index (:mod:`.twix_file`).
* fastMRI stores ``kspace`` as ``(slices, coils, readout, phase encodes)``, exactly this
  convention, with the readout oversampled twice (640 for a 320 reconstruction).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RawData", "check_hdf5", "damaged_message", "is_twix"]


@dataclass
class RawData:
    """Cartesian raw data as read from a file (module docstring for the axes).

    Attributes
    ----------
    kspace : complex64 ndarray, shape (C, H, W) or (N, C, H, W)
        Zero where not sampled; ``H`` the encoded readout size (with oversampling).
    mask : bool ndarray, shape (H, W)
        The sampled columns (every readout sample of a column), calibration lines included.
    calibration : bool ndarray, shape (W,)
        Columns flagged as calibration (ACS): ``ACQ_IS_PARALLEL_CALIBRATION`` or
        ``..._AND_IMAGING`` in ISMRMRD.
    imaging : bool ndarray, shape (W,)
        Columns that are imaging lines (all but the calibration-only ones).
    noise : complex64 ndarray, shape (C, n) or None
        Noise-scan samples (``ACQ_IS_NOISE_MEASUREMENT``), every noise readout concatenated.
    recon_shape : (int, int)
        Image size after oversampling is removed (the header's ``reconSpace``).
    phase_encode_limits : (int, int, int) or None
        Minimum, maximum and centre of the phase-encode index (the header's
        ``kspace_encoding_step_1``); limits that stop short on one side of the centre are partial
        Fourier.
    header : str
        The ISMRMRD XML header (fastMRI files carry one too), or "" if there is none.
    reference : float32 ndarray or None
        A reconstruction stored with the data (fastMRI ``reconstruction_rss``), if any.
    attrs : dict
        Other attributes of the file (fastMRI ``acquisition``, ``max``, ``norm``).
    format : str
        ``"ismrmrd"``, ``"fastmri"`` or ``"twix"``.
    """

    kspace: np.ndarray
    mask: np.ndarray
    calibration: np.ndarray
    imaging: np.ndarray
    noise: np.ndarray | None = None
    recon_shape: tuple[int, int] | None = None
    phase_encode_limits: tuple[int, int, int] | None = None
    header: str = ""
    reference: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    format: str = ""

    @property
    def encoded_shape(self) -> tuple[int, int]:
        """``(H, W)``: the readout samples (with oversampling) and the phase encodes."""
        return tuple(self.kspace.shape[-2:])

    @property
    def oversampling(self) -> float:
        """Readout oversampling: encoded over reconstructed readout size (2 on most scanners)."""
        return self.kspace.shape[-2] / self.recon_shape[0] if self.recon_shape else 1.0

    @property
    def partial_fourier(self) -> float:
        """Fraction of the phase-encode range that the limits cover (1 without partial Fourier)."""
        if self.phase_encode_limits is None:
            return 1.0
        lo, hi, _ = self.phase_encode_limits
        return (hi - lo + 1) / self.kspace.shape[-1]


def damaged_message(path, exc: BaseException, kind: str) -> str:
    """The one message for an HDF5 file that starts as one but cannot be read (every reader uses it)."""
    size = path.stat().st_size if hasattr(path, "stat") and path.exists() else "?"
    return (f"{path} starts with HDF5's signature but cannot be read as {kind} raw data ({exc}); the file is "
            f"truncated or damaged ({size} bytes): copy or download it again (a transfer that did not finish "
            f"leaves such a file)")


def check_hdf5(path, kind: str) -> None:
    """Refuse, with the reason and the fix, a path that is not a readable HDF5 file.

    ``kind`` names the format the caller reads (``"ISMRMRD"``, ``"fastMRI"``). A missing file raises
    :class:`FileNotFoundError`; a file without HDF5's signature (a text file, random bytes, a twix
    file given to an HDF5 reader) and one that has the signature but cannot be opened (truncated)
    raise :class:`ValueError`, each with one message whichever reader meets it.
    """
    from pathlib import Path

    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    if not h5py.is_hdf5(path):
        with open(path, "rb") as fh:
            head = fh.read(16)
        hint = (" It looks like a Siemens twix file: read it with mrilab.io.read_twix, or with read_raw, which "
                "tells the formats apart." if is_twix(path) else "")
        raise ValueError(f"{path} is not an HDF5 file (it starts with {head!r}, not HDF5's signature), so it cannot "
                         f"be {kind} raw data, which is HDF5.{hint} If it should be, it is damaged: copy or "
                         f"download it again")
    try:
        with h5py.File(path, "r"):
            pass
    except OSError as exc:
        raise ValueError(damaged_message(path, exc, kind)) from None


def is_twix(path: str | os.PathLike) -> bool:
    """Whether a file looks like a Siemens twix file: a VD/VE multi-raid header, or a VB header length
    followed by the protocol's text (``Config``) in its first bytes."""
    with open(path, "rb") as f:
        head = f.read(10_240)
    if len(head) < 8:
        return False
    first, second = np.frombuffer(head[:8], dtype="<u4")
    if first == 0 and 0 < second < 64:  # VD/VE: a zero word, then the number of measurements
        return True
    return 32 <= first < 1 << 26 and b"Config" in head[:4096]  # VB: the header's length, then its text
