"""k-t masks: which phase encodes each frame of a movie measures.

A dynamic acquisition samples a different set of columns in every frame, so that what one
frame misses another measures (Tsao, Boesiger and Pruessmann 2003; Lustig et al. 2006):

``"random"``
    Every frame draws its own variable-density mask (:func:`variable_density_mask`): a small
    fully sampled centre (``center_fraction``) and the rest of the ``round(W / R)`` columns at
    random, denser near DC. The aliasing is incoherent in space and in time.
``"shifted"``
    A lattice of every ``R``-th column that moves by one column from frame to frame: frame
    ``t`` measures the columns ``W // 2 + o_t + k R`` with ``o_t = t mod R`` (the sheared
    lattice of k-t BLAST and k-t SENSE). In x-f space (the temporal Fourier transform of the
    image series) its aliases fall at shifts that a static or slowly moving object leaves empty.
    No ACS: the frames together measure every column once ``T >= R``. The pattern is periodic over the
    movie only when ``R`` divides ``T``; otherwise some offsets occur once more than others, and the
    aliases in x-f space are no longer confined to the lattice's temporal frequencies.

Either way the union over the frames covers the centre of k-space, so coil maps can be
estimated from the time-averaged k-space (:func:`mrilab.dynamic.time_averaged_maps`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_rng, positive_int
from .cartesian import _check_shape
from .variable_density import variable_density_mask

__all__ = ["kt_mask", "KT_PATTERNS"]

KT_PATTERNS = ("random", "shifted")


def kt_mask(shape: tuple[int, int, int], acceleration: float, *, pattern: str = "random",
            center_fraction: float = 0.03, power: float = 2.0,
            rng: np.random.Generator | int | None = None) -> np.ndarray:
    """A k-t mask: one column mask per frame.

    Parameters
    ----------
    shape : tuple of int (T, H, W)
        Frames and the k-space of one frame.
    acceleration : float
        ``R >= 1``: ``round(W / R)`` columns per frame for ``"random"``; every ``R``-th column (an
        integer) for ``"shifted"``.
    pattern : {"random", "shifted"}, keyword-only
        Module docstring.
    center_fraction : float, keyword-only
        ``"random"`` only: the fully sampled centre of every frame (default 0.03, 4 of 128 columns).
    power : float, keyword-only
        ``"random"`` only: the exponent of the variable density (0 = uniform).
    rng : numpy Generator, int or None, keyword-only
        ``"random"`` only.

    Returns
    -------
    masks : bool ndarray (T, H, W)
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"shape must be (T, H, W): frames and the k-space of a frame, got {shape!r}")
    n_frames = positive_int(shape[0], "shape[0] (frames)")
    height, width = _check_shape(tuple(shape[1:]))
    if pattern not in KT_PATTERNS:
        raise ValueError(f"pattern must be one of {KT_PATTERNS}, got {pattern!r}")
    if not np.isscalar(acceleration) or not np.isfinite(acceleration) or acceleration < 1:
        raise ValueError(f"acceleration must be a number >= 1 (1 is fully sampled), got {acceleration!r}")
    if pattern == "shifted":
        if float(acceleration) != int(acceleration):
            raise ValueError(f"pattern='shifted' samples every R-th column, so acceleration must be an integer, "
                             f"got {acceleration!r}; round it or use pattern='random'")
        r = int(acceleration)
        cols = np.arange(width) - width // 2
        offsets = np.arange(n_frames) % r
        columns = (cols[None, :] - offsets[:, None]) % r == 0
        return np.broadcast_to(columns[:, None, :], (n_frames, height, width)).copy()
    gen = as_rng(rng)
    return np.stack([variable_density_mask((height, width), acceleration, center_fraction, power=power, rng=gen)
                     for _ in range(n_frames)])
