"""A simulation turned into what a scanner records.

A scanner's raw data differ from the k-space of Parts I-V in four ways that the files of this
module reproduce:

* **readout oversampling**: the readout samples twice as densely as the field of view needs
  (a field of view twice as large along the readout, at no cost in time), so that signal from
  outside the field of view does not fold in; the image is cropped to the central half after
  the inverse FFT along the readout;
* **a noise scan**: readouts with no excitation, whose samples give the coil noise covariance;
* **flagged calibration lines**: the ACS columns, some only for calibration, some also on the
  imaging lattice;
* optionally **partial Fourier**: the phase encodes stop short on one side of the centre.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, as_rng, positive_int
from ..fourier import fft2c, ifft2c
from ..multicoil.coils import coil_noise
from ..sampling import cartesian_mask
from .raw import RawData

__all__ = ["simulate_scan"]


def simulate_scan(kspace_full: Any, covariance: Any, *, acceleration: float = 4, center_fraction: float = 0.08,
                  oversampling: int = 2, partial_fourier: float = 1.0, noise_readouts: int = 32,
                  rng: np.random.Generator | int | None = 0) -> RawData:
    """What a scanner records of noise-free multi-coil k-space: see the module docstring.

    Parameters
    ----------
    kspace_full : complex ndarray, shape (C, H, W)
        Fully sampled, noise-free coil k-space on the reconstruction grid (the multicoil
        preset's ``kspace_full``).
    covariance : ndarray, shape (C, C)
        Coil noise covariance ``Psi`` (:func:`mrilab.multicoil.noise_covariance`), for the noise
        of the imaging readouts and of the noise scan alike.
    acceleration, center_fraction : keyword-only
        A regular mask (every ``acceleration``-th column and the ACS,
        :func:`mrilab.cartesian_mask`); ``acceleration=1`` samples every column.
    oversampling : int, keyword-only
        Readout oversampling (2 on most scanners, 1 for none).
    partial_fourier : float, keyword-only
        Fraction of the phase encodes measured, in [0.5, 1]: columns below
        ``W - round(fraction W)`` are left out (the ACS is kept).
    noise_readouts : int, keyword-only
        Readouts of the noise scan (each ``oversampling * H`` samples per coil).
    rng : keyword-only
        Seed or Generator of the noise.

    Returns
    -------
    RawData
        With ``kspace`` ``(C, oversampling * H, W)``, the mask, the flags, the noise scan and
        the reconstruction shape ``(H, W)``; no header (the writers make it).
    """
    k = as_array(kspace_full, "kspace_full", min_ndim=3, max_ndim=3)
    c, h, w = k.shape
    oversampling = positive_int(oversampling, "oversampling")
    noise_readouts = positive_int(noise_readouts, "noise_readouts")
    if not np.isscalar(partial_fourier) or not 0.5 <= partial_fourier <= 1:
        raise ValueError(f"partial_fourier must be in [0.5, 1] (5/8 = 0.625 is usual), got {partial_fourier!r}")
    rng = as_rng(rng)
    # a field of view `oversampling` times larger along the readout: the object in the middle
    images = ifft2c(k)
    big = np.zeros((c, oversampling * h, w), dtype=np.complex128)
    top = (oversampling * h - h) // 2
    big[:, top:top + h] = images
    measured = fft2c(big) + coil_noise(rng, big.shape, covariance)
    lattice = cartesian_mask((h, w), acceleration, 0.0, pattern="regular")[0] if acceleration > 1 else \
        np.ones(w, dtype=bool)
    acs = cartesian_mask((h, w), w, center_fraction, pattern="regular")[0] if center_fraction > 0 else \
        np.zeros(w, dtype=bool)
    first = w - int(round(partial_fourier * w))
    columns = (lattice & (np.arange(w) >= first)) | acs
    mask = np.broadcast_to(columns, (oversampling * h, w)).copy()
    noise = coil_noise(rng, (c, noise_readouts, oversampling * h), covariance).reshape(c, -1)
    limits = (int(np.flatnonzero(columns).min()), w - 1, w // 2)
    return RawData(kspace=(measured * mask).astype(np.complex64), mask=mask, calibration=acs.copy(),
                   imaging=columns & lattice, noise=noise.astype(np.complex64), recon_shape=(h, w),
                   phase_encode_limits=limits, format="simulated")
