"""Linear operators with their adjoints.

Each forward operator ``A`` comes with its adjoint ``A^H`` so that
``<A x, y> = <x, A^H y>`` for all ``x, y`` (tested in ``tests/test_operators.py``):

* :func:`gradient` and :func:`divergence`: forward differences and their
  negative adjoint, ``<grad x, p> = -<x, div p>``, the pair that total
  variation is built from;
* :class:`MaskedFourier`: ``A = M F`` (centred orthonormal FFT, then the
  sampling mask) and ``A^H = F^H M``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_array, as_mask
from .fourier import fft2c, ifft2c

__all__ = ["gradient", "divergence", "MaskedFourier", "inner"]


def inner(a: np.ndarray, b: np.ndarray) -> complex:
    """Inner product ``<a, b> = sum(conj(a) * b)`` over all axes."""
    return complex(np.vdot(a, b))


def gradient(x: np.ndarray) -> np.ndarray:
    """Forward differences along the last two axes (Neumann boundary).

    Parameters
    ----------
    x : ndarray, shape (..., H, W), real or complex

    Returns
    -------
    g : ndarray, shape (..., 2, H, W)
        ``g[..., 0, i, j] = x[i + 1, j] - x[i, j]`` (zero in the last row) and
        ``g[..., 1, i, j] = x[i, j + 1] - x[i, j]`` (zero in the last column).
    """
    g = np.zeros(x.shape[:-2] + (2,) + x.shape[-2:], dtype=x.dtype)
    g[..., 0, :-1, :] = x[..., 1:, :] - x[..., :-1, :]
    g[..., 1, :, :-1] = x[..., :, 1:] - x[..., :, :-1]
    return g


def divergence(p: np.ndarray) -> np.ndarray:
    """Discrete divergence, the negative adjoint of :func:`gradient`.

    Parameters
    ----------
    p : ndarray, shape (..., 2, H, W)

    Returns
    -------
    d : ndarray, shape (..., H, W)
        Backward differences with the boundary handling that makes
        ``<gradient(x), p> = -<x, divergence(p)>`` hold exactly.
    """
    p0, p1 = p[..., 0, :, :], p[..., 1, :, :]
    d = np.zeros(p.shape[:-3] + p.shape[-2:], dtype=p.dtype)
    d[..., :-1, :] += p0[..., :-1, :]
    d[..., 1:, :] -= p0[..., :-1, :]
    d[..., :, :-1] += p1[..., :, :-1]
    d[..., :, 1:] -= p1[..., :, :-1]
    return d


class MaskedFourier:
    """The undersampled MRI forward model ``A = M F`` and its adjoint.

    Parameters
    ----------
    mask : bool ndarray, shape (H, W) or (N, H, W)
        Sampling mask, broadcast against the images.

    Examples
    --------
    >>> A = MaskedFourier(cartesian_mask((128, 128), 4, rng=0))
    >>> y = A.forward(shepp_logan(128))
    >>> x0 = A.adjoint(y)   # the complex zero-filled image
    """

    def __init__(self, mask: Any):
        self.mask = as_mask(mask, "mask", max_ndim=None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``M F x``: k-space of ``x``, zero where not sampled."""
        return fft2c(x) * self.mask

    def adjoint(self, y: np.ndarray) -> np.ndarray:
        """``F^H M y``: the inverse FFT of the sampled part of ``y``."""
        return ifft2c(y * self.mask)

    def normal(self, x: np.ndarray) -> np.ndarray:
        """``A^H A x``: a projection (the mask keeps or removes each frequency)."""
        return self.adjoint(self.forward(x))
