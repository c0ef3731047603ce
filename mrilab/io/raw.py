"""What a raw-data file holds once read: :class:`RawData`, and :func:`read_raw` for either format.

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
* fastMRI stores ``kspace`` as ``(slices, coils, readout, phase encodes)``, exactly this
  convention, with the readout oversampled twice (640 for a 320 reconstruction).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RawData", "read_raw"]


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
        ``"ismrmrd"`` or ``"fastmri"``.
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


def read_raw(path: str | os.PathLike) -> RawData:
    """Read an ISMRMRD or a fastMRI file, telling them apart by what they hold.

    An ISMRMRD file has a group ``dataset`` (or another) with ``xml`` and ``data``; a fastMRI
    file has a ``kspace`` dataset at its root. Anything else is refused with the reason.
    """
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    try:
        with h5py.File(path, "r") as f:
            fastmri = "kspace" in f
            groups = [k for k, v in f.items() if isinstance(v, h5py.Group) and "xml" in v]
    except OSError as exc:
        raise ValueError(f"{path} is not an HDF5 file ({exc}); mrilab reads ISMRMRD (.h5) and fastMRI (.h5) raw "
                         f"data; convert vendor files (Siemens .dat, GE P-files) with siemens_to_ismrmrd or "
                         f"ge_to_ismrmrd first") from None
    if fastmri:
        from .fastmri_file import read_fastmri
        return read_fastmri(path)
    if groups:
        from .ismrmrd_file import read_ismrmrd
        return read_ismrmrd(path, dataset=groups[0])
    raise ValueError(f"{path} is HDF5 but neither fastMRI (no 'kspace' dataset at its root) nor ISMRMRD (no group "
                     f"with an 'xml' header); mrilab reads those two layouts")
