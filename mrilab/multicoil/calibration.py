"""Coil sensitivity maps from the auto-calibration signal (ACS).

The ACS is the block of fully sampled columns at the centre of k-space. Zero-filled outside
that block, each coil's ACS is a low-resolution coil image ``S_c m_low``; since the maps are
smooth, ``S_c m_low ~ (S_c m)_low``. Dividing every coil image by the root-sum-of-squares over
coils removes the object and leaves the maps, normalised to ``sum_c |S_c|^2 = 1`` and carrying
the object's low-resolution phase (harmless: a SENSE image made with them has that phase
removed, and the magnitude is what we evaluate). Where the low-resolution image is only noise
(outside the object) the ratio is meaningless, so the maps are set to zero there: SENSE then
knows those pixels are empty, which also improves its conditioning.

This is the division method of Pruessmann et al. (1999) and of McKenzie et al. (2002), in its
simplest form; ESPIRiT (Uecker et al. 2014) finds maps as eigenvectors of the calibration
matrix instead, and is what clinical and open-source tools (BART, SigPy) use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..fourier import ifft2c
from .operator import check_multicoil

__all__ = ["acs_block", "estimate_maps", "map_error", "MIN_ACS"]

#: The fewest ACS columns a calibration can use.
MIN_ACS = 4


def acs_block(mask: Any) -> np.ndarray:
    """Indices of the ACS: the run of sampled columns around the DC column ``W // 2``.

    Raises a ValueError for a mask that does not sample whole columns or whose run through DC is
    narrower than :data:`MIN_ACS` columns (nothing to calibrate on).
    """
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 2:
        raise ValueError(f"mask must be one (H, W) mask, got shape {m.shape}")
    if not (m == m[:1]).all():
        raise ValueError("mask must sample whole columns (every row the same), as the Cartesian masks of "
                         "mrilab.cartesian_mask do; calibration reads the ACS columns")
    cols = m[0]
    centre = len(cols) // 2
    lo = hi = centre
    if not cols[centre]:
        raise ValueError("mask does not sample the DC column W // 2: there is no ACS to calibrate on; make the "
                         "mask with cartesian_mask(..., center_fraction=0.08) or pass maps=")
    while lo > 0 and cols[lo - 1]:
        lo -= 1
    while hi < len(cols) - 1 and cols[hi + 1]:
        hi += 1
    if hi - lo + 1 < MIN_ACS:
        raise ValueError(f"mask has an ACS of {hi - lo + 1} column(s) around DC, fewer than {MIN_ACS}: too few to "
                         f"calibrate coil maps or a GRAPPA kernel; raise center_fraction or pass maps=")
    return np.arange(lo, hi + 1)


def estimate_maps(kspace: Any, mask: Any, *, threshold: float = 0.05, window: bool = True) -> np.ndarray:
    """Coil maps from the ACS by the division method (module docstring).

    Parameters
    ----------
    kspace : complex ndarray, shape (C, H, W) or (N, C, H, W)
        Undersampled multi-coil k-space.
    mask : bool ndarray, shape (H, W) or (N, H, W)
        Its mask; the ACS is found in it (:func:`acs_block`).
    threshold : float, keyword-only
        Maps are zero where the low-resolution root-sum-of-squares is below ``threshold``
        times its maximum (background); 0 keeps them everywhere.
    window : bool, keyword-only
        Taper the ACS with a Hann window along the phase-encode axis before transforming, so
        that the low-resolution images do not ring.

    Returns
    -------
    maps : complex64 ndarray, shape (C, H, W) or (N, C, H, W)
        Normalised to ``sum_c |S_c|^2 = 1`` inside the object, zero outside.
    """
    k, m, _, single = check_multicoil(kspace, mask)
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold must be in [0, 1) (a fraction of the maximum), got {threshold!r}")
    out = np.empty(k.shape, dtype=np.complex64)
    for i in range(len(k)):
        acs = acs_block(m[i])
        low = np.zeros(k.shape[1:], dtype=np.complex64)
        taper = np.hanning(len(acs) + 2)[1:-1] if window else np.ones(len(acs))
        low[..., acs] = k[i][..., acs] * taper
        images = ifft2c(low)
        rss = np.sqrt(np.sum(np.abs(images) ** 2, axis=0))
        keep = rss > threshold * rss.max()
        out[i] = np.where(keep, images / np.where(keep, rss, 1), 0)
    return out[0] if single else out


def map_error(estimated: Any, true: Any, support: Any) -> float:
    """Relative error of estimated maps inside ``support``, up to each pixel's common phase.

    Maps are defined up to a phase per pixel shared by all coils (any SENSE reconstruction
    absorbs it), so ``estimated`` is compared with ``true * exp(i phi)``, ``phi`` the phase of
    ``sum_c conj(true_c) estimated_c`` in that pixel: ``||est - true e^{i phi}|| / ||true||``
    over the support and the coils.
    """
    est, tru = np.asarray(estimated), np.asarray(true)
    if est.shape != tru.shape:
        raise ValueError(f"estimated and true maps must have the same shape, got {est.shape} and {tru.shape}")
    sup = np.broadcast_to(np.asarray(support, dtype=bool), est.shape[:-3] + est.shape[-2:])
    phase = np.exp(1j * np.angle(np.sum(np.conj(tru) * est, axis=-3, keepdims=True)))
    diff = np.sum(np.abs(est - tru * phase) ** 2, axis=-3)[sup]
    ref = np.sum(np.abs(tru) ** 2, axis=-3)[sup]
    return float(np.sqrt(diff.sum() / ref.sum()))
