"""The normal operator ``A^H W A`` of a trajectory as a convolution: the Toeplitz embedding.

``(A^H W A x)[n] = sum_n' K[n - n'] x[n']`` with ``K[d] = 1 / (H W) sum_m w_m exp(+2 pi i k_m . d)``:
the normal operator of any trajectory is a convolution of the image with one kernel, which depends on
the trajectory (and the weights ``w``) only (Wajer and Pruessmann 2001; Fessler et al. 2005). The
differences ``d`` run over ``(-H, H) x (-W, W)``, so the kernel lives on a ``2H x 2W`` grid: computed
once (one adjoint NUFFT of the weights onto that grid), it turns every later ``A^H W A x`` into a
zero-padded FFT, a product and an inverse FFT on that grid, with no NUFFT at all. The circular
convolution on the doubled grid equals the linear one on the image because no difference between two
pixels of an ``H x W`` image reaches ``H`` (or ``W``): the embedding is exact, not an approximation
(beyond the NUFFT accuracy of the kernel itself). With coils, ``E^H E x = sum_c conj(S_c) K * (S_c x)``:
the same kernel for every coil, since every coil sees the same trajectory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft

from .nufft import NUFFT_EPS, check_shape, nufft_adjoint
from .trajectory import check_trajectory

__all__ = ["toeplitz_kernel", "ToeplitzNormal", "normal_equations", "weighted_adjoint"]


def toeplitz_kernel(traj: Any, shape: Any, weights: Any = None, *, eps: float = NUFFT_EPS) -> np.ndarray:
    """The Fourier transform of the ``2H x 2W`` convolution kernel of ``A^H W A`` (module docstring).

    Returns
    -------
    kernel_fft : complex64 ndarray, shape (2H, 2W)
        ``fft2(ifftshift(K))``, ready to multiply the FFT of an image zero-padded to ``2H x 2W``.
    """
    h, w = check_shape(shape)
    t = check_trajectory(traj)
    wt = np.ones(len(t)) if weights is None else np.asarray(weights, dtype=float).ravel()
    if wt.shape != (len(t),):
        raise ValueError(f"weights must have one value per sample ({len(t)}), got shape {np.shape(weights)}")
    # nufft_adjoint onto (2H, 2W) is 1 / sqrt(4 H W) sum_m w_m exp(+2 pi i k_m . d), d centred
    k = nufft_adjoint(wt.astype(complex), t, (2 * h, 2 * w), eps=eps) * (2 / np.sqrt(h * w))
    return scipy.fft.fft2(np.fft.ifftshift(k)).astype(np.complex64)


class ToeplitzNormal:
    """``x -> A^H W A x`` (or ``E^H W E x`` with coil maps) by FFTs on the doubled grid, in single precision.

    Parameters
    ----------
    traj : ndarray, shape (..., M, 2)
    shape : (H, W)
    weights : ndarray (M,), optional
        Sample weights inside the normal operator (density compensation for the weighted least
        squares of :func:`~mrilab.noncartesian.cg_nufft`); none by default.
    maps : complex ndarray, shape (C, H, W), optional
        Coil maps: the operator is then ``sum_c conj(S_c) A^H W A (S_c x)``.
    """

    def __init__(self, traj: Any, shape: Any, weights: Any = None, *, maps: Any = None, eps: float = NUFFT_EPS):
        self.shape = check_shape(shape)
        self.kernel = toeplitz_kernel(traj, self.shape, weights, eps=eps)
        self.maps = None
        if maps is not None:
            s = np.asarray(maps)
            if s.ndim != 3 or s.shape[-2:] != self.shape:
                raise ValueError(f"maps must have shape (C, H, W) with (H, W) = {self.shape}, got {s.shape}")
            self.maps = s.astype(np.complex64)

    def convolve(self, x: np.ndarray) -> np.ndarray:
        """``A^H W A`` on image(s) ``(..., H, W)``: pad to ``2H x 2W``, FFT, multiply, inverse FFT, crop."""
        h, w = self.shape
        padded = scipy.fft.fft2(np.asarray(x, dtype=np.complex64), s=(2 * h, 2 * w), workers=-1)
        return scipy.fft.ifft2(padded * self.kernel, workers=-1)[..., :h, :w]

    def __call__(self, x: Any) -> np.ndarray:
        x = np.asarray(x)
        if x.shape[-2:] != self.shape:
            raise ValueError(f"the image must have shape (..., {self.shape[0]}, {self.shape[1]}), got {x.shape}")
        if self.maps is None:
            return self.convolve(x)
        coils = self.maps * x[..., None, :, :]
        return np.sum(np.conj(self.maps) * self.convolve(coils), axis=-3)


def weighted_adjoint(kdata: Any, traj: Any, shape: Any, weights: Any = None, *, maps: Any = None,
                     eps: float = NUFFT_EPS) -> np.ndarray:
    """``E^H W y`` for every image: the adjoint NUFFT of the weighted samples, coils combined by the maps.

    Parameters
    ----------
    kdata : complex ndarray, shape (..., M) or, with ``maps``, (..., C, M)
        Samples of one or more images on one trajectory.
    traj, shape
        The trajectory ``(..., M, 2)`` and the image grid ``(H, W)``.
    weights : ndarray (M,), optional
        ``W``: the sample weights (density compensation); none by default.
    maps : complex ndarray, shape (..., C, H, W), optional
        Coil maps, broadcast against ``kdata``'s leading axes: ``E^H W y = sum_c conj(S_c) A^H (w y_c)``.

    Returns
    -------
    rhs : complex64 ndarray, shape (..., H, W)
    """
    h, w = check_shape(shape)
    t = check_trajectory(traj)
    y = np.asarray(kdata)
    if y.shape[-1] != len(t):
        raise ValueError(f"kdata must hold the M = {len(t)} samples of the trajectory on its last axis, got shape "
                         f"{y.shape}")
    wt = None if weights is None else np.asarray(weights, dtype=float).ravel()
    if wt is not None and wt.shape != (len(t),):
        raise ValueError(f"weights must have one value per sample ({len(t)}), got shape {np.shape(weights)}")
    images = nufft_adjoint(y if wt is None else y * wt, t, (h, w), eps=eps)
    if maps is not None:
        s = np.asarray(maps)
        if s.shape[-3:] != (y.shape[-2], h, w):
            raise ValueError(f"maps must have shape (..., C, H, W) = (..., {y.shape[-2]}, {h}, {w}) for kdata of shape "
                             f"{y.shape}, got {s.shape}")
        images = np.sum(np.conj(s) * images, axis=-3)
    return images.astype(np.complex64)


def normal_equations(kdata: Any, traj: Any, shape: Any, weights: Any = None, *, maps: Any = None,
                     eps: float = NUFFT_EPS) -> tuple[np.ndarray, np.ndarray]:
    """The two inputs of a Toeplitz-based solver: ``E^H W y`` for every image (:func:`weighted_adjoint`),
    and the kernel of ``E^H W E`` (:func:`toeplitz_kernel` of the same weights, one for every coil and
    image: they share the trajectory).

    Returns
    -------
    rhs : complex64 ndarray, shape (..., H, W)
    kernel_fft : complex64 ndarray, shape (2H, 2W)
    """
    rhs = weighted_adjoint(kdata, traj, shape, weights, maps=maps, eps=eps)
    return rhs, toeplitz_kernel(traj, shape, weights, eps=eps)
