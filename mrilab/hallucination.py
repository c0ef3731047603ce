"""Small features inserted into test images: does a reconstruction keep, erase or invent them (Parts IV, XII)?

Chapter 13's test: a three-pixel dot and a twelve-pixel vertical line, each at a random place inside the
head (at least 14 pixels inside its outline) and apart from each other, added to the complex reference
with the local phase, then measured like the rest of the image. A method that recovers the feature's
contrast keeps it; one whose output changes far from the feature invents structure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

__all__ = ["insert_features"]


def _place(phantom: np.ndarray, rng: np.random.Generator, avoid: np.ndarray | None = None) -> tuple[int, int]:
    """A random pixel inside the head, at least 14 pixels from its outline (and outside ``avoid``)."""
    inside = ndimage.binary_erosion(ndimage.binary_fill_holes(phantom > 0.05), iterations=14)
    if avoid is not None:
        inside &= ~avoid
    if not inside.any():
        raise ValueError("the image has no pixel 14 pixels inside an object brighter than 0.05; "
                         "insert features into images of a head (magnitudes of about 1)")
    r, c = np.argwhere(inside)[rng.integers(inside.sum())]
    return int(r), int(c)


def insert_features(images: Any, phantoms: Any, rng: np.random.Generator, *, contrast: float = 0.3):
    """Add a dot and a line to every image (chapter 13's placement, in its order of random draws).

    Parameters
    ----------
    images : complex array (N, H, W)
        The complex references.
    phantoms : float array (N, H, W)
        Their magnitudes (where the head is).
    rng : numpy Generator
    contrast : float, keyword-only
        The features' magnitude, added along the local phase.

    Returns
    -------
    (images with the features (complex), dots (bool, N, H, W), lines (bool, N, H, W))
    """
    images, phantoms = np.asarray(images), np.asarray(phantoms)
    if images.shape != phantoms.shape or images.ndim != 3:
        raise ValueError(f"images and phantoms must both be (N, H, W), got {images.shape} and {phantoms.shape}")
    dots = np.zeros(phantoms.shape, bool)
    lines = np.zeros(phantoms.shape, bool)
    for i in range(len(phantoms)):
        r, c = _place(phantoms[i], rng)
        dots[i, r, c] = dots[i, r, c + 1] = dots[i, r + 1, c] = True                 # the 3-pixel dot
        r2, c2 = _place(phantoms[i], rng, avoid=ndimage.binary_dilation(dots[i], iterations=12))
        lines[i, r2 - 6:r2 + 6, c2] = True                                           # the 12-pixel line
    with_features = images + contrast * (dots | lines) * np.exp(1j * np.angle(images))
    return with_features, dots, lines
