"""The measurement of a movie: frames to k-space, frame by frame, and back.

``E x`` takes a movie ``x`` ``(T, H, W)`` to its measured samples: every frame ``x_t`` is seen by the
coils (maps ``S``, the same in every frame), Fourier transformed and masked by the frame's own mask
``M_t`` (Cartesian, :class:`KTOperator`) or sampled on the frame's own spokes (radial,
:class:`RadialKTOperator`, weighted by the square root of a density compensation as GRASP does).
The adjoint ``E^H`` takes samples back to a movie; ``E^H d`` is the zero-filled (or gridded) movie
combined with the maps. Every solver of :mod:`mrilab.dynamic` iterates with these two and with the
operator norm :meth:`norm`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["KTOperator", "RadialKTOperator", "fft2c", "ifft2c"]


def _checker(h: int, w: int) -> np.ndarray:
    return np.where((np.arange(h)[:, None] + np.arange(w)[None, :]) % 2, -1.0, 1.0).astype(np.float32)


def _centred(x: np.ndarray, inverse: bool) -> np.ndarray:
    import scipy.fft

    h, w = x.shape[-2:]
    if h % 2 or w % 2:
        from .. import fourier

        return (fourier.ifft2c if inverse else fourier.fft2c)(x).astype(np.complex64)
    c = _checker(h, w) * (-1.0 if (h // 2 + w // 2) % 2 else 1.0)
    transform = scipy.fft.ifft2 if inverse else scipy.fft.fft2
    return (c * transform(_checker(h, w) * x.astype(np.complex64, copy=False), norm="ortho",
                          workers=-1)).astype(np.complex64, copy=False)


def fft2c(x: np.ndarray) -> np.ndarray:
    """Centred orthonormal 2-D FFT over the last two axes, in single precision on every core.

    The same as :func:`mrilab.fourier.fft2c` (a test checks it); for even sizes the centring
    shifts become a checkerboard of signs, ``fft2c(x) = s c fft2(c x)`` with ``c = (-1)^(i + j)``
    and ``s = (-1)^((H + W) / 2)``.
    """
    return _centred(x, inverse=False)


def ifft2c(k: np.ndarray) -> np.ndarray:
    """Centred orthonormal inverse 2-D FFT, the inverse of :func:`fft2c`."""
    return _centred(k, inverse=True)


class KTOperator:
    """Cartesian k-t sampling of a movie: ``(E x)_t = M_t F (S x_t)``.

    Parameters
    ----------
    masks : bool ndarray (T, H, W)
    maps : complex ndarray (C, H, W) or None
        None: one coil of uniform sensitivity.
    """

    def __init__(self, masks: Any, maps: Any = None):
        self.masks = np.asarray(masks, dtype=bool)
        if self.masks.ndim != 3:
            raise ValueError(f"masks must have shape (T, H, W), got {self.masks.shape}")
        self.maps = None if maps is None else np.asarray(maps, dtype=np.complex64)
        self.shape = self.masks.shape
        self._norm: float | None = None
        self._m = self.masks if self.maps is None else self.masks[:, None]
        self._even = not (self.shape[1] % 2 or self.shape[2] % 2)
        if self._even:  # E^H E without the centring: the k-space checkerboards cancel (fft2c's docstring)
            c = _checker(*self.shape[1:])
            self._s = c if self.maps is None else c * self.maps
            self._mf = self._m.astype(np.float32)

    def normal(self, x: np.ndarray) -> np.ndarray:
        """``E^H E x``, computed without the centring shifts of the Fourier transforms."""
        if not self._even:
            return self.adjoint(self.forward(x))
        import scipy.fft

        coil = x * self._s if self.maps is None else x[:, None] * self._s
        k = scipy.fft.fft2(coil, norm="ortho", workers=-1, overwrite_x=True)
        k *= self._mf
        img = scipy.fft.ifft2(k, norm="ortho", workers=-1, overwrite_x=True)
        if self.maps is None:
            return (img * self._s).astype(np.complex64, copy=False)
        return np.einsum("tchw,chw->thw", img, self._s.conj()).astype(np.complex64, copy=False)

    def forward(self, x: np.ndarray) -> np.ndarray:
        coil = x if self.maps is None else x[:, None] * self.maps
        return fft2c(coil) * self._m

    def adjoint(self, y: np.ndarray) -> np.ndarray:
        img = ifft2c(y * self._m)
        return img if self.maps is None else np.einsum("tchw,chw->thw", img, self.maps.conj())

    def norm(self, n_iter: int = 20) -> float:
        """The operator norm ``||E||`` (power iteration on ``E^H E``; 1 with normalised maps)."""
        if self._norm is None:
            self._norm = _power_norm(self, n_iter)
        return self._norm


class RadialKTOperator:
    """Radial spokes per frame: ``(E x)_t = sqrt(w_t) NUFFT_t (S x_t)``, the data weighted as GRASP weights them.

    Parameters
    ----------
    traj : ndarray (T, M, 2)
        Every frame's samples, cycles per pixel.
    shape : (H, W)
    maps : complex ndarray (C, H, W) or None
    weights : ndarray (T, M) or None
        Density compensation of each frame's spokes (:func:`mrilab.noncartesian.density_compensation`);
        the data term is then ``||sqrt(w) (E x - d)||^2``, better conditioned than the plain one.
    """

    def __init__(self, traj: Any, shape: tuple[int, int], maps: Any = None, weights: Any = None):
        self.traj = np.asarray(traj, dtype=float)
        if self.traj.ndim != 3 or self.traj.shape[-1] != 2:
            raise ValueError(f"traj must have shape (T, M, 2), the samples of every frame, got {self.traj.shape}")
        self.shape = (len(self.traj), *shape)
        self.maps = None if maps is None else np.asarray(maps, dtype=np.complex64)
        self.sqrt_w = None if weights is None else np.sqrt(np.asarray(weights, dtype=float)).astype(np.float32)
        if self.sqrt_w is not None and self.sqrt_w.shape != self.traj.shape[:2]:
            raise ValueError(f"weights must have shape (T, M) = {self.traj.shape[:2]}, got {self.sqrt_w.shape}")
        self._norm: float | None = None
        self._kernels: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        from ..noncartesian.nufft import nufft

        out = []
        for t in range(len(self.traj)):
            coil = x[t] if self.maps is None else self.maps * x[t]
            y = nufft(coil, self.traj[t]).astype(np.complex64)
            out.append(y if self.sqrt_w is None else y * self.sqrt_w[t])
        return np.stack(out)

    def adjoint(self, y: np.ndarray) -> np.ndarray:
        from ..noncartesian.nufft import nufft_adjoint

        out = np.empty(self.shape, dtype=np.complex64)
        for t in range(len(self.traj)):
            yt = y[t] if self.sqrt_w is None else y[t] * self.sqrt_w[t]
            img = nufft_adjoint(yt, self.traj[t], self.shape[1:])
            out[t] = img if self.maps is None else np.einsum("chw,chw->hw", img, self.maps.conj())
        return out

    def normal(self, x: np.ndarray) -> np.ndarray:
        """``E^H E x = S^H A_t^H W_t A_t S x_t`` by the Toeplitz embedding of every frame
        (:class:`mrilab.noncartesian.ToeplitzNormal`): FFTs on the doubled grid, no NUFFT."""
        import scipy.fft

        if self._kernels is None:
            from ..noncartesian.toeplitz import toeplitz_kernel

            w = None if self.sqrt_w is None else self.sqrt_w.astype(float) ** 2
            self._kernels = np.stack([toeplitz_kernel(self.traj[t], self.shape[1:], None if w is None else w[t])
                                      for t in range(len(self.traj))])
        h, w_ = self.shape[1:]
        coil = x if self.maps is None else x[:, None] * self.maps
        padded = scipy.fft.fft2(coil.astype(np.complex64, copy=False), s=(2 * h, 2 * w_), workers=-1)
        padded *= self._kernels if self.maps is None else self._kernels[:, None]
        img = scipy.fft.ifft2(padded, workers=-1, overwrite_x=True)[..., :h, :w_]
        if self.maps is None:
            return img.astype(np.complex64)
        return np.einsum("tchw,chw->thw", img, self.maps.conj()).astype(np.complex64)

    def norm(self, n_iter: int = 20) -> float:
        if self._norm is None:
            self._norm = _power_norm(self, n_iter)
        return self._norm


def _power_norm(op, n_iter: int) -> float:
    x = np.random.default_rng(0).standard_normal(op.shape).astype(np.complex64)
    value = 0.0
    for _ in range(n_iter):
        x /= np.linalg.norm(x)
        x = op.normal(x)
        value = float(np.linalg.norm(x))
    return float(np.sqrt(value)) * 1.01  # a hair above: the iteration approaches the norm from below
