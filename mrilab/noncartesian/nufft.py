"""The non-uniform FFT with the book's conventions, computed by FINUFFT.

``nufft(x, traj)`` evaluates the Fourier transform of an ``H x W`` image at arbitrary k-space positions::

    y_m = 1 / sqrt(H W)  sum_n  x[n] exp(-2 pi i (ky_m n_y + kx_m n_x)),   n_y = i_y - H // 2, n_x = i_x - W // 2

the sign, centring and orthonormal scaling of :func:`mrilab.fft2c`, so that on a Cartesian grid point
``(u / H, v / W)`` it returns ``fft2c(x)[u + H // 2, v + W // 2]``. ``nufft_adjoint`` is its adjoint
(not its inverse: the sampling density of a non-Cartesian trajectory is not uniform; see
:mod:`mrilab.noncartesian.density`).

The engine is FINUFFT (Barnett, Magland and af Klinteberg 2019): a type-2 transform for ``nufft`` and a
type-1 for the adjoint, both with an "exponential of semicircle" kernel on a 2x oversampled grid, to a
requested relative accuracy ``eps``. :func:`ndft` is the exact sum, for testing on small images;
:mod:`mrilab.noncartesian.gridder` writes the same idea out with a Kaiser-Bessel kernel in plain numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .trajectory import check_trajectory

__all__ = ["nufft", "nufft_adjoint", "ndft", "ndft_matrix", "sample_finer_grid", "NUFFT_EPS", "check_shape"]

#: The relative accuracy asked of FINUFFT by default (double precision).
NUFFT_EPS = 1e-6


def check_shape(shape: Any, name: str = "shape") -> tuple[int, int]:
    """A 2-D image shape ``(H, W)`` of positive integers, or a ValueError that names the fix."""
    try:
        s = tuple(int(v) for v in shape)
    except TypeError:
        raise ValueError(f"{name} must be a 2-D image shape (H, W), got {shape!r}") from None
    if len(s) != 2 or min(s) < 1 or any(int(v) != v for v in shape):
        raise ValueError(f"{name} must be a 2-D image shape (H, W) of positive integers, got {shape!r}; "
                         f"pass shape=(128, 128) for a 128 x 128 image")
    return s


def _radians(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cycles per pixel to FINUFFT's radians per pixel, ``(ky, kx)``."""
    return 2 * np.pi * t[:, 0], 2 * np.pi * t[:, 1]


def _check_eps(eps: float) -> float:
    if not 1e-15 <= float(eps) < 1:
        raise ValueError(f"eps must be a relative accuracy in [1e-15, 1), got {eps}")
    return float(eps)


def nufft(image: Any, traj: Any, *, eps: float = NUFFT_EPS) -> np.ndarray:
    """Image(s) to k-space samples on a trajectory (type-2 NUFFT).

    Parameters
    ----------
    image : complex ndarray, shape (..., H, W)
        One image, a stack, coil images, or stacks of coil images: every leading axis is kept.
    traj : ndarray, shape (..., M, 2)
        Positions in cycles per pixel in [-0.5, 0.5) (:mod:`mrilab.noncartesian.trajectory`);
        the same for every image.
    eps : float, keyword-only
        Relative accuracy asked of FINUFFT.

    Returns
    -------
    kdata : complex128 ndarray, shape (..., M)
    """
    import finufft

    x = np.asarray(image)
    if x.ndim < 2:
        raise ValueError(f"image must have shape (..., H, W), got shape {x.shape}")
    t = check_trajectory(traj)
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    ky, kx = _radians(t)
    flat = np.ascontiguousarray(x.reshape(-1, h, w), dtype=np.complex128)
    out = finufft.nufft2d2(ky, kx, flat if flat.shape[0] > 1 else flat[0], eps=_check_eps(eps), isign=-1)
    return (np.asarray(out) / np.sqrt(h * w)).reshape(*lead, len(t))


def nufft_adjoint(kdata: Any, traj: Any, shape: Any, *, eps: float = NUFFT_EPS) -> np.ndarray:
    """The adjoint of :func:`nufft`: k-space samples to image(s) (type-1 NUFFT).

    Parameters
    ----------
    kdata : complex ndarray, shape (..., M)
    traj : ndarray, shape (..., M, 2)
    shape : (H, W)
        The image grid.
    eps : float, keyword-only

    Returns
    -------
    image : complex128 ndarray, shape (..., H, W)
    """
    import finufft

    h, w = check_shape(shape)
    t = check_trajectory(traj)
    y = np.asarray(kdata)
    if y.ndim < 1 or y.shape[-1] != len(t):
        raise ValueError(f"kdata must have shape (..., M) with M = {len(t)} samples, the trajectory's; got shape "
                         f"{y.shape}; pass the trajectory the data were measured on")
    ky, kx = _radians(t)
    flat = np.ascontiguousarray(y.reshape(-1, len(t)), dtype=np.complex128)
    out = finufft.nufft2d1(ky, kx, flat if flat.shape[0] > 1 else flat[0], (h, w), eps=_check_eps(eps), isign=1)
    return (np.asarray(out) / np.sqrt(h * w)).reshape(*y.shape[:-1], h, w)


def ndft_matrix(traj: Any, shape: Any) -> np.ndarray:
    """The exact non-uniform DFT as a dense ``(M, H W)`` matrix (small problems only)."""
    h, w = check_shape(shape)
    t = check_trajectory(traj)
    if len(t) * h * w > 2e7:
        raise ValueError(f"the exact DFT matrix of {len(t)} samples x {h * w} pixels is too large; use it on images "
                         f"of at most about 64 x 64 with a few thousand samples, or use nufft")
    ny = np.arange(h) - h // 2
    nx = np.arange(w) - w // 2
    phase = t[:, 0, None, None] * ny[None, :, None] + t[:, 1, None, None] * nx[None, None, :]
    return (np.exp(-2j * np.pi * phase) / np.sqrt(h * w)).reshape(len(t), h * w)


def ndft(image: Any, traj: Any) -> np.ndarray:
    """The exact sum that :func:`nufft` approximates, ``(..., H, W) -> (..., M)``, by a dense matrix."""
    x = np.asarray(image)
    a = ndft_matrix(traj, x.shape[-2:])
    return (x.reshape(*x.shape[:-2], -1) @ a.T).astype(np.complex128)


def sample_finer_grid(image: Any, traj: Any, size: int, *, eps: float = NUFFT_EPS) -> np.ndarray:
    """k-space samples of an image given on a grid finer than the ``size x size`` reconstruction grid.

    ``image`` ``(..., F, F)`` is the object on a grid ``F / size`` times finer (the realistic preset's
    oversampled raster, :mod:`mrilab.data.realistic`). The result is what :func:`nufft` of the
    ``size x size`` image would give if that image were the object itself, without being it: the
    spectrum of the fine raster evaluated at ``traj`` (cycles per *coarse* pixel, so ``traj * size / F``
    per fine pixel), scaled as :func:`mrilab.data.realistic.crop_kspace` scales a cropped spectrum and
    moved by the same half-pixel offset between the grids' centres. On the Cartesian points of the
    coarse grid it equals ``crop_kspace(fft2c(image), size)``; elsewhere it holds the object's
    frequencies that the coarse grid cannot represent, so non-Cartesian data made this way commit no
    inverse crime.
    """
    x = np.asarray(image)
    fine = x.shape[-1]
    if x.ndim < 2 or x.shape[-2] != fine or fine < size or fine % size:
        raise ValueError(f"image must be square (..., F, F) with F a multiple of size {size}, got shape {x.shape}")
    t = check_trajectory(traj)
    os_ = fine / size
    delta = 0.5 - 0.5 / os_
    ramp = np.exp(2j * np.pi * (t[:, 0] + t[:, 1]) * delta)
    return nufft(x, t / os_, eps=eps) * (size / fine) * ramp
