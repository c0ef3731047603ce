"""Density compensation: weights that undo the uneven sampling density of a trajectory.

Radial spokes and spirals sample the centre of k-space far more densely than the edge, so the plain
adjoint ``A^H y`` weights low frequencies too much (a blurred image). Gridding reconstruction
multiplies each sample by the area of k-space it stands for before the adjoint, ``x = A^H (w y)``.
The weights here are that area in units of a Cartesian grid cell (``1 / (H W)`` in cycles per
pixel squared), so a fully sampled Cartesian grid gets ``w = 1`` and ``sum(w)`` is the area of
k-space the trajectory covers, in cells (``pi / 4 H W`` for radial spokes that reach 0.5).

``method="ramp"`` (radial only)
    The analytic answer for spokes through the centre: the area of the annular sector around a
    sample at radius ``|k|`` is ``|k| * (pi / n_spokes) * (1 / n_samples)``; the sample at
    ``k = 0``, which every spoke repeats, shares the disc of radius ``1 / (2 n_samples)``.
``method="voronoi"``
    The area of each sample's Voronoi cell (Rasche et al. 1999), with ``scipy.spatial.Voronoi``.
    Repeated positions (the centre of radial) share their cell; a ring of guard points just outside
    the sampled disc closes the outer cells, whose area would otherwise be infinite.
``method="pipe"``
    The iteration of Pipe and Menon (1999): ``w <- w / (G G^H w)`` with ``G`` the Kaiser-Bessel
    interpolation matrix of :class:`~mrilab.noncartesian.gridder.KaiserBesselGridder`, that is
    ``w`` divided by its own convolution with the gridding kernel's autocorrelation at every sample,
    until that convolution is flat. It needs nothing but the positions, works for any trajectory, and
    is the weighting the gridding kernel itself asks for. It is scaled to Cartesian cells by the integral
    of the kernel's autocorrelation. Where the samples lie further apart than the kernel is wide (the
    outer part of undersampled radial k-space), it cannot see the gaps and its weights level off.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import positive_int
from .nufft import check_shape, nufft, nufft_adjoint
from .trajectory import check_trajectory

__all__ = ["density_compensation", "DENSITY_METHODS", "point_spread_function", "radial_taper"]

DENSITY_METHODS = ("ramp", "voronoi", "pipe")


def density_compensation(traj: Any, shape: Any, method: str = "pipe", *, n_iter: int = 20) -> np.ndarray:
    """Density compensation weights for a trajectory (module docstring).

    Parameters
    ----------
    traj : ndarray, shape (..., M, 2)
        Cycles per pixel. ``method="ramp"`` needs the radial layout ``(n_spokes, n_samples, 2)`` of
        :func:`~mrilab.noncartesian.radial_trajectory`.
    shape : (H, W)
        The image grid (sets the unit of the weights, a Cartesian cell).
    method : {"ramp", "voronoi", "pipe"}
    n_iter : int, keyword-only
        Iterations of the Pipe-Menon method.

    Returns
    -------
    weights : float64 ndarray, shape (M,)
    """
    h, w = check_shape(shape)
    t = check_trajectory(traj)
    if method == "ramp":
        raw = np.asarray(traj)
        if raw.ndim != 3:
            raise ValueError(f"method='ramp' is the analytic weighting of radial spokes and needs the trajectory as "
                             f"(n_spokes, n_samples, 2), got shape {raw.shape}; use method='voronoi' or 'pipe' "
                             f"for other trajectories")
        n_spokes, n_samples = raw.shape[:2]
        radius = np.hypot(t[:, 0], t[:, 1])
        dr = 1.0 / n_samples
        area = radius * (np.pi / n_spokes) * dr
        centre = radius < 1e-12
        area[centre] = np.pi * (dr / 2) ** 2 / max(int(centre.sum()), 1)
        return area * h * w
    if method == "voronoi":
        return _voronoi_areas(t) * h * w
    if method == "pipe":
        return _pipe_menon(t, (h, w), positive_int(n_iter, "n_iter"))
    raise ValueError(f"method must be one of {DENSITY_METHODS}, got {method!r}")


def _voronoi_areas(t: np.ndarray) -> np.ndarray:
    from scipy.spatial import ConvexHull, Voronoi, cKDTree

    unique, inverse, counts = np.unique(np.round(t, 12), axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    r = np.hypot(unique[:, 0], unique[:, 1])
    radius = float(r.max())
    # guard points on a ring one sample spacing beyond the outermost samples close their cells there
    # (so that they reach half a spacing outwards); the spacing is the median distance from the outermost
    # tenth of the samples to their nearest neighbours
    outer = unique[r >= np.quantile(r, 0.9)]
    dist, _ = cKDTree(unique).query(outer, k=2)
    step = max(float(np.median(dist[:, 1])), 1e-4)
    n_guard = max(int(np.ceil(2 * np.pi * radius / step)), 64)
    angle = 2 * np.pi * np.arange(n_guard) / n_guard
    ring = (radius + step) * np.stack([np.sin(angle), np.cos(angle)], axis=-1)
    vor = Voronoi(np.concatenate([unique, ring]))
    areas = np.empty(len(unique))
    for i in range(len(unique)):
        region = vor.regions[vor.point_region[i]]
        if -1 in region or not region:  # cannot happen inside the guard ring; keep a finite answer
            areas[i] = np.nan
            continue
        areas[i] = ConvexHull(vor.vertices[region]).volume  # a 2-D hull's "volume" is its area
    if np.isnan(areas).any():
        areas[np.isnan(areas)] = np.nanmedian(areas)
    return areas[inverse] / counts[inverse]


def _pipe_menon(t: np.ndarray, shape: tuple[int, int], n_iter: int) -> np.ndarray:
    from .gridder import KaiserBesselGridder, kaiser_bessel_transform

    gridder = KaiserBesselGridder(t, shape, oversampling=2.0, width=4)
    g = gridder.interpolation
    w = np.ones(len(t))
    for _ in range(n_iter):
        w = w / np.maximum(g @ (g.T @ w), 1e-30)
    # At the fixed point sum_i w_i C(k_j - k_i) = 1, with C the kernel's autocorrelation, so w is
    # 1 / (density x integral of C). The integral of C is that of the 2-D kernel squared, Phi(0)^4 in
    # grid units, and a Cartesian cell is os x os grid units: this factor turns w into cells.
    return w * kaiser_bessel_transform(0.0, gridder.width, gridder.beta) ** 4 / 2.0 ** 2


def radial_taper(traj: Any, radius: float) -> np.ndarray:
    """A Hann taper in ``|k|``: ``cos^2(pi |k| / (2 radius))`` inside ``radius`` cycles per pixel, 0 outside.

    Multiplying density-compensation weights by it is apodisation, a low-pass filter that trades
    resolution for less noise and fewer streaks (chapter 17); :func:`~mrilab.noncartesian.maps_from_center`
    uses it to keep only the centre. ``radius=inf`` returns ones. Returns float64 ``(M,)``.
    """
    t = check_trajectory(traj)
    if not radius > 0:
        raise ValueError(f"radius must be positive (cycles per pixel; inf for no taper), got {radius!r}")
    r = np.hypot(t[:, 0], t[:, 1])
    if np.isinf(radius):
        return np.ones_like(r)
    return np.where(r < radius, np.cos(np.pi * r / (2 * radius)) ** 2, 0.0)


def point_spread_function(traj: Any, shape: Any, weights: Any = None) -> np.ndarray:
    """The point spread function ``A^H (w A delta)`` of a trajectory and weights, centred, complex.

    ``delta`` is a unit impulse at the centre pixel ``(H // 2, W // 2)``; without weights the PSF of the
    plain adjoint. With the weights of :func:`density_compensation` its centre value is about the
    fraction of k-space the trajectory covers (``pi / 4`` for radial).
    """
    h, w = check_shape(shape)
    t = check_trajectory(traj)
    delta = np.zeros((h, w))
    delta[h // 2, w // 2] = 1.0
    y = nufft(delta, t)
    if weights is not None:
        wt = np.asarray(weights, dtype=float).ravel()
        if wt.shape != (len(t),):
            raise ValueError(f"weights must have one value per sample ({len(t)}), got shape {np.shape(weights)}")
        y = y * wt
    return nufft_adjoint(y, t, (h, w))
