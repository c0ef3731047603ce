"""Reconstruction from non-Cartesian k-space: gridding, CG on the normal equations, and TV.

Each function reconstructs one image from ``kdata`` ``(M,)`` (one coil) or ``(C, M)`` (coils, with
``maps`` ``(C, H, W)``) measured on ``traj``; :func:`mrilab.reconstruct` runs them on stacks by name
(``gridding``, ``cg_nufft``, ``tv_nufft``). The encoding operator is ``E x = A (S_c x)`` for every coil
``c``, with ``A`` the NUFFT (:func:`~mrilab.noncartesian.nufft`); with one coil and no maps ``E = A``.

``gridding``
    ``E^H (w y)`` with density compensation ``w`` (:mod:`~mrilab.noncartesian.density`): one adjoint,
    no iteration. It is not a least-squares solution, and with few spokes its error is the streaks of
    the point spread function.
``cg_nufft``
    Conjugate gradients on the normal equations ``E^H W E x = E^H W y``, started from zero; ``E^H W E`` is
    applied by the Toeplitz embedding (:class:`~mrilab.noncartesian.ToeplitzNormal`), FFTs only. With
    ``W = I`` (the default) it is least squares, CG-SENSE with coils (Pruessmann et al. 2001); with the
    density weights (``density_weighted=True``) it is *weighted* least squares: the iterations converge
    in far fewer steps, because ``E^H W E`` is much better conditioned, but to another solution, which
    weights the sparse outer samples, and so their noise, more (chapter 18 measures the trade-off).
    Stopped early, the number of iterations is itself the regulariser.
``tv_nufft``
    ``min_x 1/2 ||E x - y||^2 + lam TV(x)`` by ADMM (Boyd et al. 2011) with the split ``z = grad x``:
    the x-step solves ``(E^H E + rho grad^H grad) x = E^H y + rho grad^H (z - u)`` by a few warm-started
    CG iterations (Toeplitz again), the z-step is the isotropic shrinkage of TV. The data term keeps the
    plain least squares: no density weighting inside the objective.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._checks import positive_int, positive_number
from ..conjugate_gradient import conjugate_gradient
from ..operators import divergence, gradient
from .density import density_compensation, radial_taper
from .nufft import NUFFT_EPS, check_shape, nufft, nufft_adjoint
from .toeplitz import ToeplitzNormal, weighted_adjoint
from .trajectory import check_trajectory

__all__ = ["gridding", "cg_nufft", "tv_nufft", "maps_from_center", "nyquist_radius", "CENTER_MAX_RADIUS", "check_kdata",
           "CG_NUFFT_DEFAULTS", "TV_NUFFT_DEFAULTS", "TV_NUFFT_BY_SPOKES", "CG_NUFFT_MULTICOIL_DEFAULTS",
           "TV_NUFFT_MULTICOIL_BY_SPOKES"]

#: Defaults of ``cg_nufft``: plain least squares, 45 iterations, the best count by mean PSNR at 96, 64
#: and 32 golden-angle spokes of the radial preset (one coil, noise 0.01; 8 training images,
#: ``python benchmarks/tune_noncartesian.py``). With density weighting 8-20 iterations reach the same
#: PSNR within 0.05 dB.
CG_NUFFT_DEFAULTS = dict(n_iter=45, density_weighted=False)
#: ``tv_nufft``'s weight and ADMM iterations for the first N spokes, chosen together by the same command
#: (stopped early, ADMM regularises too: at 96 and 64 spokes 40 iterations beat 100 by 0.3-0.7 dB at
#: the best weight; at 32 spokes 100 iterations gain 0.9 dB). ``rho`` 0.5 and 0.2 gave the same within
#: 0.1 dB; 2 lost 2-4 dB at these iteration counts.
TV_NUFFT_BY_SPOKES = {96: dict(lam=0.003, n_iter=40), 64: dict(lam=0.005, n_iter=40),
                      32: dict(lam=0.008, n_iter=100)}
#: With eight coils (the radial_multicoil preset, maps from the centre of k-space by
#: :func:`maps_from_center`'s default radius; 4 training images,
#: ``python benchmarks/tune_noncartesian.py --multicoil``): CG-SENSE's best iteration count by mean PSNR over
#: 96, 64 and 32 spokes (20 and 30 are within 0.1 dB at 96 and 64; with density weighting the best is 20
#: iterations or fewer, and it falls fast after), and TV's weight and ADMM iterations per spoke count, by
#: PSNR (by SSIM the weight would be 0.004 with 100 iterations at every spoke count, SSIM 0.002-0.005 higher).
CG_NUFFT_MULTICOIL_DEFAULTS = dict(n_iter=30, density_weighted=False)
TV_NUFFT_MULTICOIL_BY_SPOKES = {96: dict(lam=0.002, n_iter=40), 64: dict(lam=0.003, n_iter=40),
                                32: dict(lam=0.003, n_iter=100)}
#: Defaults of ``tv_nufft``: the 32-spoke row of :data:`TV_NUFFT_BY_SPOKES`.
TV_NUFFT_DEFAULTS = dict(lam=0.008, n_iter=100, rho=0.5, cg_iterations=4)


def check_kdata(kdata: Any, traj: Any, shape: Any, maps: Any = None, *, name: str = "kdata"):
    """``(kdata (C, M) complex, traj (M, 2), (H, W), maps (C, H, W) or None, one_coil)``, checked."""
    t = check_trajectory(traj)
    h, w = check_shape(shape)
    y = np.asarray(kdata)
    if not np.iscomplexobj(y) and not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"{name} must be complex k-space samples, got dtype {y.dtype}")
    if y.ndim not in (1, 2) or y.shape[-1] != len(t):
        raise ValueError(f"{name} must have shape (M,) or (C, M) with M = {len(t)} samples of the trajectory, got "
                         f"shape {y.shape}; pass the trajectory the data were measured on (flattened in C order)")
    one = y.ndim == 1
    y = y.reshape(-1, len(t)).astype(np.complex128)
    s = None
    if maps is not None:
        s = np.asarray(maps)
        if s.ndim == 2:
            s = s[None]
        if s.shape != (len(y), h, w):
            raise ValueError(f"maps must have shape (C, H, W) = {(len(y), h, w)} (one map per coil of {name}, on the "
                             f"image grid), got {np.shape(maps)}")
    elif not one:
        raise ValueError(f"{name} has {len(y)} coils but no maps were given; pass maps= (estimate them with "
                         f"mrilab.noncartesian.maps_from_center)")
    return y, t, (h, w), s, one


def _adjoint(y, t, shape, s, weights=None):
    """``E^H (w y)`` of checked data (:func:`check_kdata`: ``y`` (1, M) without maps) by
    :func:`~mrilab.noncartesian.weighted_adjoint` (single precision), as complex128: the solvers here iterate in
    double precision."""
    return weighted_adjoint(y if s is not None else y[0], t, shape, weights, maps=s).astype(np.complex128)


def _weights(weights, t, shape):
    if weights is None:
        return None
    if isinstance(weights, str):
        return density_compensation(t, shape, weights)
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape != (len(t),):
        raise ValueError(f"weights must have one value per sample ({len(t)}), got shape {np.shape(weights)}, or be a "
                         f"method of density_compensation: 'ramp', 'voronoi' or 'pipe'")
    return w


def gridding(kdata: Any, traj: Any, shape: Any, *, weights: Any = "pipe", maps: Any = None) -> np.ndarray:
    """The density-compensated adjoint ``E^H (w y)`` (module docstring).

    Parameters
    ----------
    kdata : complex ndarray, shape (M,) or (C, M)
    traj : ndarray, shape (..., M, 2)
    shape : (H, W)
    weights : {"pipe", "voronoi", "ramp"} or ndarray (M,) or None, keyword-only
        Density compensation (:func:`~mrilab.noncartesian.density_compensation`); None: the plain adjoint.
    maps : complex ndarray (C, H, W), keyword-only
        Coil maps for ``(C, M)`` data; without them coil data are combined by root-sum-of-squares.

    Returns
    -------
    image : complex128 ndarray (H, W), or float64 for root-sum-of-squares
    """
    y = np.asarray(kdata)
    if y.ndim == 2 and maps is None:  # coils without maps: each coil gridded, then root-sum-of-squares
        t = check_trajectory(traj)
        w = _weights(weights, t, check_shape(shape))
        images = nufft_adjoint(y * (1 if w is None else w), t, shape)
        return np.sqrt(np.sum(np.abs(images) ** 2, axis=0))
    y, t, shape, s, _ = check_kdata(kdata, traj, shape, maps)
    return _adjoint(y, t, shape, s, _weights(weights, t, shape))


def cg_nufft(kdata: Any, traj: Any, shape: Any, *, maps: Any = None, n_iter: int = CG_NUFFT_DEFAULTS["n_iter"],
             density_weighted: bool = False, weights: Any = "pipe", tol: float = 1e-6,
             callback: Callable[[int, np.ndarray], Any] | None = None) -> np.ndarray:
    """Conjugate gradients on ``E^H W E x = E^H W y`` from zero, with the Toeplitz normal operator.

    Parameters
    ----------
    kdata, traj, shape, maps
        As for :func:`gridding`; coil data need maps.
    n_iter : int, keyword-only
        Most iterations: the regulariser (module docstring).
    density_weighted : bool, keyword-only
        ``W`` the density weights ``weights`` (weighted least squares, faster convergence) instead of ``I``.
    weights : keyword-only
        The density weights used when ``density_weighted`` (a method name or an array).
    tol : float, keyword-only
        Stop when the residual falls below ``tol`` times ``||E^H W y||``.
    callback : callable, keyword-only
        ``callback(i, x)`` after each iteration.

    Returns
    -------
    image : complex128 ndarray, shape (H, W)
    """
    n_iter = positive_int(n_iter, "n_iter")
    y, t, shape, s, _ = check_kdata(kdata, traj, shape, maps)
    w = _weights(weights, t, shape) if density_weighted else None
    normal = ToeplitzNormal(t, shape, w, maps=s)
    b = _adjoint(y, t, shape, s, w)
    return conjugate_gradient(normal, b, n_iter=n_iter, tol=tol, callback=callback)


def tv_nufft(kdata: Any, traj: Any, shape: Any, lam: float = TV_NUFFT_DEFAULTS["lam"], *, maps: Any = None,
             n_iter: int = TV_NUFFT_DEFAULTS["n_iter"], rho: float = TV_NUFFT_DEFAULTS["rho"],
             cg_iterations: int = TV_NUFFT_DEFAULTS["cg_iterations"],
             callback: Callable[[int, np.ndarray], Any] | None = None) -> np.ndarray:
    """``min_x 1/2 ||E x - y||^2 + lam TV(x)`` by ADMM with the split ``z = grad x`` (module docstring).

    Parameters
    ----------
    kdata, traj, shape, maps
        As for :func:`cg_nufft`.
    lam : float
        Weight of isotropic TV, for images of intensities in [0, 1] and the orthonormal NUFFT.
    n_iter, rho, cg_iterations : keyword-only
        ADMM iterations, its penalty, and the CG iterations of each x-step (warm-started).
    callback : keyword-only
        ``callback(i, x)`` after each iteration.

    Returns
    -------
    image : complex128 ndarray, shape (H, W)
    """
    lam = positive_number(lam, "lam", "the weight of TV")
    rho = positive_number(rho, "rho", "the ADMM penalty")
    n_iter = positive_int(n_iter, "n_iter")
    cg_iterations = positive_int(cg_iterations, "cg_iterations")
    y, t, shape, s, _ = check_kdata(kdata, traj, shape, maps)
    normal = ToeplitzNormal(t, shape, maps=s)
    b = _adjoint(y, t, shape, s)

    def system(v):  # E^H E + rho grad^H grad, with grad^H = -div
        return normal(v) - rho * divergence(gradient(v))

    x = conjugate_gradient(normal, b, n_iter=cg_iterations)
    z = gradient(x)
    u = np.zeros_like(z)
    for i in range(n_iter):
        x = conjugate_gradient(system, b - rho * divergence(z - u), x, n_iter=cg_iterations)
        gx = gradient(x)
        v = gx + u
        mag = np.sqrt(np.sum(np.abs(v) ** 2, axis=0, keepdims=True))
        z = v * np.maximum(1 - (lam / rho) / np.maximum(mag, 1e-12), 0)
        u = v - z
        if callback is not None:
            callback(i, x)
    return x


#: The largest radius (cycles per pixel) :func:`maps_from_center` takes by default. Chosen on the
#: radial_multicoil training split by SENSE + TV's PSNR with the maps (4 images; 0.08 to 0.12 lie within
#: 0.15 dB at 96, 64 and 32 spokes; the whole Nyquist disc, 0.24 at 96 spokes, costs 0.5 dB: beyond
#: about 0.1 the maps gain detail that smooth sensitivities do not have, and noise).
CENTER_MAX_RADIUS = 0.1


def nyquist_radius(traj: Any, shape: Any) -> float:
    """Radius (cycles per pixel) of the disc that a radial trajectory samples at the Nyquist rate.

    ``S`` spokes through the centre are ``pi r / S`` apart at radius ``r``; that spacing stays within the
    grid's ``1 / N`` (``N = max(shape)``) inside ``r = S / (pi N)``: 0.08 for 32 spokes on 128 x 128,
    0.24 for 96. The spokes are counted from the samples themselves, so that any radial trajectory
    works (golden-angle or not, with or without readout oversampling, shifted by a gradient-delay
    correction): a ring ``0.05 <= |k| < 0.15`` holds ``2 S * 0.1 / d`` samples for a spacing ``d`` along the
    readout, the median distance between consecutive samples. ``traj`` must list the samples readout
    by readout, as every trajectory of the book does.
    """
    t = check_trajectory(traj)
    n = max(check_shape(shape))
    step = float(np.median(np.hypot(*np.diff(t, axis=0).T))) if len(t) > 1 else 0.0
    if step <= 0:
        raise ValueError("traj has no two distinct consecutive samples; nyquist_radius needs the samples in "
                         "acquisition order, readout by readout")
    r = np.hypot(t[:, 0], t[:, 1])
    lo, hi = 0.05, 0.15
    crossings = np.count_nonzero((r >= lo) & (r < hi)) * step / (hi - lo)   # 2 S for S spokes
    return float(crossings / (2 * np.pi * n))


def maps_from_center(kdata: Any, traj: Any, shape: Any, *, radius: float | None = None, threshold: float = 0.05,
                     weights: Any = "pipe") -> np.ndarray:
    """Coil maps from the centre of k-space, which every radial spoke samples (the division method).

    The samples within ``radius`` cycles per pixel, tapered by a Hann window in ``|k|`` and density
    compensated, give low-resolution coil images; each divided by their root-sum-of-squares is a map
    (as :func:`mrilab.multicoil.estimate_maps` does with a Cartesian ACS). ``radius=None`` takes the disc
    that the spokes sample at the Nyquist rate (:func:`nyquist_radius`, 0.08 for 32 spokes on 128 x 128),
    at most :data:`CENTER_MAX_RADIUS`; beyond it the centre is undersampled and the maps would carry its
    aliasing. Chapter 18 measures what the radius changes.

    Returns
    -------
    maps : complex64 ndarray, shape (C, H, W), ``sum_c |S_c|^2 = 1`` inside the object, 0 outside
    """
    t = check_trajectory(traj)
    h, w = check_shape(shape)
    y = np.asarray(kdata)
    if y.ndim != 2 or y.shape[-1] != len(t):
        raise ValueError(f"kdata must have shape (C, M) with M = {len(t)}, got {y.shape}")
    if radius is None:
        radius = min(CENTER_MAX_RADIUS, nyquist_radius(t, (h, w)))
    if not 0 < radius <= 0.5:
        raise ValueError(f"radius must be in (0, 0.5] cycles per pixel or None (the Nyquist disc), got {radius}")
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold must be in [0, 1) (a fraction of the maximum), got {threshold!r}")
    taper = radial_taper(t, radius)
    images = nufft_adjoint(y * taper * _weights(weights, t, (h, w)), t, (h, w))
    rss = np.sqrt(np.sum(np.abs(images) ** 2, axis=0))
    keep = rss > threshold * rss.max()
    return np.where(keep, images / np.where(keep, rss, 1), 0).astype(np.complex64)
