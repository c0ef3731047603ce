"""Combining coil images into one image: root-sum-of-squares and Roemer's optimal combination.

Root-sum-of-squares (RSS) needs no maps: ``sqrt(sum_c |x_c|^2)``. It is what a scanner shows
when it knows nothing about the coils; it loses the phase, weights each pixel by the RSS of the
maps (a shading, unless the maps are normalised) and, at low SNR, lifts the background to a
chi-distributed noise floor.

Roemer et al. (1990) combine with the maps: ``x = S^H Psi^-1 y / (S^H Psi^-1 S)`` pixel by
pixel, the least-squares (and, for Gaussian noise, maximum-likelihood) estimate of the object
from the coil values ``y`` of that pixel. It keeps the phase and gives the highest SNR a
linear combination can; RSS equals it in magnitude when the maps are the coil images' own
normalised values (the SNR of RSS approaches Roemer's at high SNR, Larsson et al. 2003).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array
from .noise import whiten
from .operator import check_maps

__all__ = ["rss", "roemer"]


def rss(coil_images: Any, axis: int = -3) -> np.ndarray:
    """Root-sum-of-squares over the coil axis (default -3: ``(C, H, W)`` or ``(N, C, H, W)``)."""
    x = as_array(coil_images, "coil_images", min_ndim=3, max_ndim=4)
    return np.sqrt(np.sum(np.abs(x) ** 2, axis=axis)).astype(np.float32)


def roemer(coil_images: Any, maps: Any, covariance: Any = None) -> np.ndarray:
    """Sensitivity-weighted combination ``S^H Psi^-1 y / (S^H Psi^-1 S)``, complex.

    Parameters
    ----------
    coil_images : complex ndarray, shape (C, H, W) or (N, C, H, W)
    maps : complex ndarray, shape (C, H, W) or (N, C, H, W)
    covariance : ndarray (C, C), optional
        Noise covariance ``Psi`` between coils; identity if omitted.

    Returns
    -------
    image : complex64 ndarray, shape (H, W) or (N, H, W)
        Zero where every map is zero (no coil sees the pixel).
    """
    x = as_array(coil_images, "coil_images", min_ndim=3, max_ndim=4)
    s = check_maps(maps, x.shape[-3], x.shape[-2:])
    x, s = whiten(x, s, covariance)
    num = np.sum(np.conj(s) * x, axis=-3)
    den = np.sum(np.abs(s) ** 2, axis=-3)
    out = np.where(den > 0, num / np.where(den > 0, den, 1), 0)
    return (out[0] if x.ndim == 3 else out).astype(np.complex64)
