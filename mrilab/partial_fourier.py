"""Partial Fourier: measuring a little more than half of k-space and using conjugate symmetry.

The Fourier transform of a *real* image is conjugate symmetric, ``k(-q) = conj(k(q))``: half of
k-space determines the other half. MR images are not real (field inhomogeneity, coil and
receive phases), but their phase is usually smooth, so a few columns on both sides of DC
measure the phase and the rest of k-space need be measured on one side only. A partial
Fourier fraction of 5/8 measures 5/8 of the phase-encode columns: the symmetric band of
``W/4`` around DC and everything on one side of it (axis -1, the phase-encode axis, as the
masks of :mod:`mrilab.sampling`).

* **Zero filling** leaves the missing side zero: the image is blurred along the phase-encode
  axis and its imaginary part carries the missing half.
* **Homodyne** (Noll et al. 1991) weights the measured samples so that every pair of mirror
  frequencies sums to the same weight: 2 on the one-sided part (its mirror is missing), 1 in
  the symmetric band (a linear ramp from 0 to 2 across it with ``filter="ramp"``, which
  avoids the step's ringing), 0 on the missing side. For a real image times ``e^{i phi}`` with
  ``phi`` known, the real part of ``e^{-i phi} F^H (H k)`` is then the image: the weighted
  missing half is recovered as the complex conjugate of the measured one. ``phi`` is taken
  from the symmetric band alone (Hann-windowed); where the true phase varies faster than that
  band resolves, the result is wrong there.
* **POCS** (Haacke et al. 1991) alternates two projections: onto images whose phase is the
  low-resolution ``phi`` (``x <- Re(x e^{-i phi}) e^{i phi}``) and onto images that agree with
  the measured samples. It fills the missing side with values consistent with both, and keeps
  the measured samples exactly.

Both rest on the same assumption (a smooth phase, known from the centre); chapter 20 measures
what each recovers and where each fails. With coils every coil image has its own smooth
phase, so each coil is reconstructed alone and the coils combined by root-sum-of-squares.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_stack, kspace_and_mask, positive_int
from .fourier import fft2c, ifft2c
from .phase import hann_taper

__all__ = ["partial_fourier_mask", "symmetric_band", "homodyne", "pocs", "low_resolution_phase",
           "HOMODYNE_DEFAULTS", "POCS_DEFAULTS"]

HOMODYNE_DEFAULTS = dict(filter="ramp")
POCS_DEFAULTS = dict(n_iter=20)


def partial_fourier_mask(shape: tuple[int, int], fraction: float, *, side: str = "high") -> np.ndarray:
    """A mask that samples a fraction of the phase-encode columns, all on one side beyond a band around DC.

    Parameters
    ----------
    shape : (H, W)
    fraction : float
        In [0.5, 1]: ``round(fraction W)`` columns are sampled, every readout in full. 5/8 to
        7/8 are the usual choices; 1 is full sampling.
    side : {"high", "low"}, keyword-only
        Which side of k-space is measured in full (``"high"``: columns ``W - n`` to ``W - 1``).

    Returns
    -------
    mask : bool ndarray, shape (H, W)
    """
    h, w = (positive_int(s, "shape") for s in shape)
    if not np.isscalar(fraction) or not 0.5 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0.5, 1] (5/8 = 0.625 is usual), got {fraction!r}; below one half "
                         f"the centre of k-space would be missed")
    if side not in ("high", "low"):
        raise ValueError(f"side must be 'high' or 'low', got {side!r}")
    n = int(round(fraction * w))
    cols = np.zeros(w, dtype=bool)
    if side == "high":
        cols[w - n:] = True
    else:
        cols[:n] = True
    cols[w // 2] = True
    return np.broadcast_to(cols, (h, w)).copy()


def symmetric_band(columns: np.ndarray) -> np.ndarray:
    """The sampled columns whose mirror about DC (``W // 2``) is sampled too: bool ``(W,)``.

    The mirror of column ``j`` is ``2 (W // 2) - j``; column 0 of an even ``W`` has none.
    """
    cols = np.asarray(columns, dtype=bool)
    w = len(cols)
    j = np.arange(w)
    mirror = 2 * (w // 2) - j
    has = (mirror >= 0) & (mirror < w)
    out = np.zeros(w, dtype=bool)
    out[has] = cols[has] & cols[mirror[has]]
    return out


def _columns(mask: np.ndarray) -> np.ndarray:
    if not (mask == mask[:1]).all():
        raise ValueError("mask must sample whole columns (every row the same): partial Fourier is along the "
                         "phase-encode axis (-1); make it with partial_fourier_mask")
    cols = mask[0]
    band = symmetric_band(cols)
    if not band[len(cols) // 2] or band.sum() < 3:
        raise ValueError("mask has no symmetric band around DC (W // 2) of at least 3 columns: partial Fourier "
                         "needs the centre on both sides to measure the phase; make the mask with "
                         "partial_fourier_mask(shape, fraction) with fraction above 1/2")
    return cols


def _band_weights(cols: np.ndarray, filter: str) -> np.ndarray:
    """Homodyne weights along the phase-encode axis (module docstring)."""
    band = symmetric_band(cols)
    w = len(cols)
    weight = np.where(cols, np.where(band, 1.0, 2.0), 0.0)
    if filter == "ramp":
        idx = np.flatnonzero(band)
        lo, hi = idx.min(), idx.max()
        # 0 at the band's edge on the missing side, 2 at its edge on the measured side; mirror pairs sum to 2
        measured_high = cols[hi + 1:].sum() >= cols[:lo].sum()
        t = (np.arange(w) - (lo - 1)) / (hi - lo + 2)
        ramp = 2 * (t if measured_high else 1 - t)
        weight = np.where(band, ramp, weight)
    elif filter != "step":
        raise ValueError(f"filter must be 'step' or 'ramp', got {filter!r}")
    return weight


def low_resolution_phase(kspace: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``exp(i phi)`` of the image made from the symmetric band alone, Hann-windowed (..., H, W)."""
    low = ifft2c(kspace * hann_taper(len(cols), np.flatnonzero(symmetric_band(cols))))
    return np.exp(1j * np.angle(low))


def homodyne(kspace: Any, mask: Any, *, filter: str = HOMODYNE_DEFAULTS["filter"]) -> np.ndarray:
    """Homodyne partial-Fourier reconstruction (Noll et al. 1991; module docstring).

    Parameters
    ----------
    kspace : complex ndarray, shape (H, W) or (N, H, W)
        Partial-Fourier k-space (one coil); unsampled entries are ignored.
    mask : bool ndarray, shape (H, W) or (N, H, W)
        Whole columns, with a symmetric band around DC (:func:`partial_fourier_mask`).
    filter : {"ramp", "step"}, keyword-only
        Weighting across the symmetric band.

    Returns
    -------
    image : float32 ndarray, shape of ``kspace``
        The real part of the phase-corrected image (negative where the phase estimate is off).
    """
    k, m = kspace_and_mask(kspace, mask)
    k3, m3 = as_stack(k, m)
    out = np.empty(k3.shape, dtype=np.float32)
    for i in range(len(k3)):
        cols = _columns(m3[i])
        y = k3[i] * cols
        out[i] = np.real(ifft2c(y * _band_weights(cols, filter)) * np.conj(low_resolution_phase(y, cols)))
    return out.reshape(k.shape)


def pocs(kspace: Any, mask: Any, *, n_iter: int = POCS_DEFAULTS["n_iter"]) -> np.ndarray:
    """POCS partial-Fourier reconstruction (Haacke et al. 1991; module docstring).

    Parameters
    ----------
    kspace, mask
        As for :func:`homodyne`.
    n_iter : int, keyword-only
        Pairs of projections (phase, then data).

    Returns
    -------
    image : complex64 ndarray, shape of ``kspace``
        Consistent with the measured samples; its magnitude is the reconstruction.
    """
    k, m = kspace_and_mask(kspace, mask)
    n_iter = positive_int(n_iter, "n_iter")
    k3, m3 = as_stack(k, m)
    out = np.empty(k3.shape, dtype=np.complex64)
    for i in range(len(k3)):
        cols = _columns(m3[i])
        y = k3[i] * cols
        phase = low_resolution_phase(y, cols)
        x = ifft2c(y)
        for _ in range(n_iter):
            x = np.real(x * np.conj(phase)) * phase
            x = ifft2c(np.where(cols, y, fft2c(x)))
        out[i] = x
    return out.reshape(k.shape)
