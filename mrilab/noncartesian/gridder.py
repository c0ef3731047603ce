"""Gridding written out: a Kaiser-Bessel NUFFT in plain numpy, for teaching (chapter 17).

The exact non-uniform DFT costs ``M H W`` operations. Gridding (Jackson et al. 1991; O'Sullivan 1985)
gets within a chosen accuracy of it in ``O(H W log(H W) + M w^2)`` by three steps, each one a
matrix that is easy to write down::

    nufft(x) ~ os * G  FFT_os  Z  D  x
      D:      divide by the kernel's Fourier transform (deapodisation), pixel by pixel
      Z:      zero-pad the image to a grid ``os`` times larger (oversampling)
      FFT_os: the centred orthonormal FFT on that grid (fft2c)
      G:      interpolate each sample from the ``w x w`` grid points around it with a kernel

``G`` is a sparse ``(M, os H x os W)`` matrix. The adjoint runs the same steps backwards with the
conjugate transposes (``G^H`` is "gridding" proper: spreading each sample onto the grid). The kernel is
the Kaiser-Bessel window, with the shape parameter ``beta`` of Beatty, Nishimura and Pauly (2005) for
the given width and oversampling. The error comes from the kernel's Fourier transform outside the
central ``1 / os`` of the band (it aliases back); a wider kernel or more oversampling lowers it.

:func:`mrilab.noncartesian.nufft` uses FINUFFT instead, which does the same with a better kernel
and fast compiled code; this module is what the chapter reads, measures and compares with it.
:func:`mrilab.noncartesian.density_compensation`'s Pipe-Menon iteration uses :attr:`interpolation`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from ..fourier import fft2c, ifft2c
from .nufft import check_shape
from .trajectory import check_trajectory

__all__ = ["KaiserBesselGridder", "kaiser_bessel", "kaiser_bessel_beta", "kaiser_bessel_transform"]


def kaiser_bessel_beta(width: float, oversampling: float) -> float:
    """Beatty et al. (2005)'s shape parameter: ``pi sqrt((w / os)^2 (os - 1/2)^2 - 0.8)``."""
    arg = (width / oversampling) ** 2 * (oversampling - 0.5) ** 2 - 0.8
    if arg <= 0:
        raise ValueError(f"a kernel of width {width} at oversampling {oversampling} is too narrow for the "
                         f"Kaiser-Bessel design (Beatty et al. 2005); use width >= 2 and oversampling >= 1.25")
    return float(np.pi * np.sqrt(arg))


def kaiser_bessel(u: Any, width: float, beta: float) -> np.ndarray:
    """The Kaiser-Bessel kernel ``I0(beta sqrt(1 - (2u / w)^2))`` on ``|u| <= w / 2`` (grid units), 0 outside."""
    u = np.asarray(u, dtype=float)
    inside = np.abs(u) <= width / 2
    arg = np.sqrt(np.clip(1 - (2 * u / width) ** 2, 0, None))
    return np.where(inside, np.i0(beta * arg), 0.0)


def kaiser_bessel_transform(nu: Any, width: float, beta: float) -> np.ndarray:
    """The kernel's continuous Fourier transform at ``nu`` cycles per grid unit (Jackson et al. 1991):
    ``w sinh(sqrt(beta^2 - (pi w nu)^2)) / sqrt(beta^2 - (pi w nu)^2)`` (a sinc-like sine past the root)."""
    z = np.sqrt((beta ** 2 - (np.pi * width * np.asarray(nu, dtype=float)) ** 2).astype(complex))
    small = np.abs(z) < 1e-8
    return width * np.where(small, 1.0, np.sinh(z) / np.where(small, 1.0, z)).real


class KaiserBesselGridder:
    """The NUFFT of :func:`mrilab.noncartesian.nufft` by Kaiser-Bessel gridding (module docstring).

    Parameters
    ----------
    traj : ndarray, shape (..., M, 2)
        In cycles per pixel (:mod:`mrilab.noncartesian.trajectory`).
    shape : (H, W)
    oversampling : float
        Grid oversampling ``os`` (``os H`` and ``os W`` are rounded to integers).
    width : int
        Kernel width ``w`` in grid points.

    Attributes
    ----------
    interpolation : scipy.sparse.csr_matrix, shape (M, os H * os W)
        ``G``: row ``m`` holds the kernel weights of sample ``m`` on the (periodic) grid.
    deapodization : ndarray, shape (H, W)
        The kernel's Fourier transform at each pixel, which ``D`` divides by.
    """

    def __init__(self, traj: Any, shape: Any, *, oversampling: float = 2.0, width: int = 4):
        self.traj = check_trajectory(traj)
        self.shape = check_shape(shape)
        if not oversampling >= 1:
            raise ValueError(f"oversampling must be >= 1, got {oversampling}")
        if int(width) != width or width < 1:
            raise ValueError(f"width must be a positive whole number of grid points, got {width}")
        self.width = int(width)
        self.grid = tuple(int(round(oversampling * n)) for n in self.shape)
        self.beta = kaiser_bessel_beta(self.width, oversampling)
        # per axis: the kernel weights of each sample's w nearest grid points, and their indices
        axes = []
        for a in range(2):
            n_grid = self.grid[a]
            kappa = self.traj[:, a] * n_grid  # position in grid units, the grid's centre at 0
            first = np.ceil(kappa - self.width / 2)
            offsets = first[:, None] + np.arange(self.width + 1)[None, :]
            weights = kaiser_bessel(kappa[:, None] - offsets, self.width, self.beta)
            index = (offsets.astype(int) + n_grid // 2) % n_grid  # periodic grid, centred indices
            axes.append((weights, index))
        (wy, iy), (wx, ix) = axes
        values = (wy[:, :, None] * wx[:, None, :]).reshape(len(self.traj), -1)
        cols = (iy[:, :, None] * self.grid[1] + ix[:, None, :]).reshape(len(self.traj), -1)
        rows = np.repeat(np.arange(len(self.traj)), values.shape[1])
        self.interpolation = sparse.csr_matrix((values.ravel(), (rows, cols.ravel())),
                                               shape=(len(self.traj), self.grid[0] * self.grid[1]))
        # the kernel's transform at each pixel n, as a frequency nu = n / (os N) of the grid
        fy = kaiser_bessel_transform((np.arange(self.shape[0]) - self.shape[0] // 2) / self.grid[0], self.width,
                                     self.beta)
        fx = kaiser_bessel_transform((np.arange(self.shape[1]) - self.shape[1] // 2) / self.grid[1], self.width,
                                     self.beta)
        self.deapodization = fy[:, None] * fx[None, :]

    def _pad(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(x.shape[:-2] + self.grid, dtype=complex)
        top = self.grid[0] // 2 - self.shape[0] // 2
        left = self.grid[1] // 2 - self.shape[1] // 2
        out[..., top:top + self.shape[0], left:left + self.shape[1]] = x
        return out

    def _crop(self, x: np.ndarray) -> np.ndarray:
        top = self.grid[0] // 2 - self.shape[0] // 2
        left = self.grid[1] // 2 - self.shape[1] // 2
        return x[..., top:top + self.shape[0], left:left + self.shape[1]]

    @property
    def _scale(self) -> float:
        # the orthonormal FFT on the large grid, rescaled to that of the image grid
        return float(np.sqrt(self.grid[0] * self.grid[1] / (self.shape[0] * self.shape[1])))

    def forward(self, image: Any) -> np.ndarray:
        """Image(s) ``(..., H, W)`` to samples ``(..., M)``: ``os G FFT_os Z D x``."""
        x = np.asarray(image)
        lead = x.shape[:-2]
        grid = fft2c(self._pad(x / self.deapodization)).reshape(-1, self.grid[0] * self.grid[1])
        return (self._scale * (self.interpolation @ grid.T).T).reshape(*lead, len(self.traj))

    def adjoint(self, kdata: Any) -> np.ndarray:
        """Samples ``(..., M)`` to image(s) ``(..., H, W)``: ``D Z^T FFT_os^H G^H y``, times ``os``."""
        y = np.asarray(kdata)
        lead = y.shape[:-1]
        spread = (self.interpolation.T @ y.reshape(-1, len(self.traj)).T).T.reshape(-1, *self.grid)
        return (self._scale * self._crop(ifft2c(spread)) / self.deapodization).reshape(*lead, *self.shape)
