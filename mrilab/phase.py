"""The low-resolution phase of an image, from the fully sampled centre of k-space.

A real image's k-space is Hermitian; a scanner's image is not real. Its phase comes from the
receive coils, off-resonance and the sequence's timing. The centre of k-space measures the part of it
that varies slowly: with ``n`` central columns, phase that changes over more than about ``W / n``
pixels along the phase encodes (faster variation, as near air-tissue boundaries, is not captured). Partial Fourier (chapter 20) removes it before using Hermitian
symmetry (Noll et al., IEEE TMI 1991); chapter 24 removes it before a learned denoiser that was
trained on images whose phase turned far less than a head's does
(:func:`mrilab.models.unrolled.denoise`).

Both use one estimate: the image made from a band of central columns tapered by a Hann window
(the taper keeps the band's edge from ringing into the phase), of which only ``exp(i angle)`` is
kept. The band is symmetric about DC: a real taper centred off DC would multiply the image by a
phase ramp of its own. The readout axis (-2) is fully sampled and keeps its full resolution.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fourier import ifft2c
from .multicoil.calibration import acs_block

__all__ = ["hann_taper", "calibration_phase"]


def hann_taper(width: int, columns: Any) -> np.ndarray:
    """A Hann window over the given phase-encode ``columns`` (indices, in order), zero elsewhere: ``(width,)``.

    The window's end points (zeros) fall one column outside the band, so every column in it counts.
    """
    cols = np.asarray(columns, dtype=int).ravel()
    if cols.size == 0 or cols.min() < 0 or cols.max() >= width:
        raise ValueError(f"columns must be non-empty indices in [0, {width}), got {cols.tolist()[:8]}")
    taper = np.zeros(width)
    taper[cols] = np.hanning(len(cols) + 2)[1:-1]
    return taper


def calibration_phase(kspace: Any, mask: Any, maps: Any = None) -> np.ndarray:
    """``exp(i phi)`` of the low-resolution image from the calibration (ACS) columns of each mask.

    Parameters
    ----------
    kspace : complex array (H, W), (N, H, W) or, with ``maps``, (N, C, H, W)
        Undersampled k-space (only the ACS columns are read).
    mask : bool array (H, W) or (N, H, W)
        Cartesian masks with whole columns and an ACS around the DC column ``W // 2``
        (:func:`mrilab.multicoil.acs_block` finds it and explains what is wrong when it cannot).
    maps : complex array (N or 1, C, H, W), optional
        Coil maps: the coils' low-resolution images are combined with them, ``sum_c conj(S_c) x_c``,
        so the phase is the one the maps leave in the coil-combined image.

    Returns
    -------
    complex ndarray (N, H, W), or (H, W) for one single-coil image: unit modulus (1 where the
    low-resolution image is exactly zero).
    """
    k = np.asarray(kspace)
    m = np.asarray(mask, dtype=bool)
    multi = maps is not None
    if k.ndim not in ((4,) if multi else (2, 3)):
        raise ValueError(f"kspace must be (H, W) or (N, H, W), or (N, C, H, W) with maps=, got shape {k.shape}"
                         + ("" if multi else "; pass maps= for multi-coil k-space"))
    if m.shape[-2:] != k.shape[-2:] or m.ndim not in (2, 3):
        raise ValueError(f"mask must have shape {k.shape[-2:]} or (N, {k.shape[-2]}, {k.shape[-1]}), got {m.shape}")
    n = 1 if k.ndim == 2 else len(k)
    masks = np.broadcast_to(m.reshape(-1, *m.shape[-2:]), (n, *m.shape[-2:]))
    if multi:
        s = np.asarray(maps)
        if s.ndim != 4 or s.shape[1:] != k.shape[1:] or len(s) not in (1, n):
            raise ValueError(f"maps must have shape (1 or {n}, {k.shape[1]}, {k.shape[2]}, {k.shape[3]}) for "
                             f"kspace {k.shape}, got {s.shape}")
        s = np.broadcast_to(s, k.shape)
    width = k.shape[-1]
    stack = k if multi else k.reshape(n, *k.shape[-2:])
    out = np.empty((n, *k.shape[-2:]), dtype=np.complex64)
    for i in range(n):
        try:
            acs = acs_block(masks[i])
        except ValueError as err:
            raise ValueError(f"mask {i} gives no calibration region to measure the phase on ({err}); sample a "
                             f"fully sampled band of columns around DC (cartesian_mask(..., center_fraction=0.08)), "
                             f"or run a network without it (phase=None)") from err
        # the part of the ACS symmetric about DC (W // 2): an odd band centred on it
        half = min(width // 2 - acs[0], acs[-1] - width // 2)
        taper = hann_taper(width, np.arange(width // 2 - half, width // 2 + half + 1))
        low = ifft2c(stack[i] * taper)
        if multi:
            low = np.sum(np.conj(s[i]) * low, axis=0)
        out[i] = np.exp(1j * np.angle(low))
    return out[0] if k.ndim == 2 else out
