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

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RawData"]


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
