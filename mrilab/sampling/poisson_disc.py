"""Variable-density Poisson-disc masks of the two phase-encode directions of a 3-D acquisition.

A 3-D Cartesian acquisition reads a whole line along the readout ``kx`` after each excitation and
steps the two other directions, ``ky`` and ``kz``, by phase encoding. After a Fourier transform
along the readout, every readout position is a 2-D problem in ``(ky, kz)``, and a mask of that
plane decides which lines are measured: undersampling can now be random in two directions,
where 2-D imaging can only drop whole columns. A *Poisson-disc* mask keeps every two samples at
least a minimum distance apart, so it has no clusters and no large holes while its points stay
random (incoherent aliasing); with a minimum distance that grows away from the centre it
samples the centre, where the energy is, more densely. It is the mask of ESPIRiT's and
L1-SPIRiT's clinical 3-D protocols (Vasanawala et al. 2010; Lustig and Pauly 2010).

The parametrisation is SigPy's (``sigpy.mri.poisson``, which the tests compare with): at a
normalised k-space radius ``r`` (0 at the edge of the calibration box, 1 at the edge of the
ellipse inscribed in the grid) the minimum distance is ``1 + s r`` pixels along the longer axis
(scaled with the grid along the other), so the density falls as ``1 / (1 + s r)**2``; the corners
beyond ``r = 1`` are not sampled (``crop_corner``); and the slope ``s`` is searched until the
acceleration, all grid points over the sampled ones, is within ``tol`` of the one asked for. The
points are placed by Bridson's algorithm (2007), as SigPy and BART do: a candidate is drawn
between one and two minimum distances from an active point, kept if no sampled point is closer
than that point's own minimum distance, and put on the nearest grid point (SigPy truncates).
The distance is checked before the rounding, as in SigPy: checked after it, the allowed
distances on the grid jump (1, then the diagonal, then 2 pixels) and accelerations from about
1.3 to 3.4 become unreachable. So the minimum distance holds up to the rounding, half a pixel
along each axis (tested).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .cartesian import _check_shape

__all__ = ["poisson_disc_mask", "poisson_disc_radius"]


def _check_calib(calib: Any, shape: tuple[int, int]) -> tuple[int, int]:
    pair = (calib, calib) if np.isscalar(calib) else tuple(calib)
    try:
        ok = len(pair) == 2 and all(int(c) == c and 0 <= c <= s for c, s in zip(pair, shape))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"calib must be an integer or a pair of integers (rows, columns) between 0 and the "
                         f"shape {shape}: the fully sampled calibration box, got {calib!r}")
    return int(pair[0]), int(pair[1])


def _box(shape: tuple[int, int], calib: tuple[int, int]) -> tuple[slice, slice]:
    """The calibration box's rows and columns, centred as SigPy centres it."""
    y0, x0 = int(shape[0] / 2 - calib[0] / 2), int(shape[1] / 2 - calib[1] / 2)
    return slice(y0, y0 + calib[0]), slice(x0, x0 + calib[1])


def _radius_map(shape: tuple[int, int], calib: tuple[int, int]) -> np.ndarray:
    """The normalised radius ``r`` of every grid point, 0 on the calibration box."""
    ny, nx = shape
    y, x = np.mgrid[:ny, :nx].astype(float)
    x = np.maximum(np.abs(x - nx / 2) - calib[1] / 2, 0)
    y = np.maximum(np.abs(y - ny / 2) - calib[0] / 2, 0)
    x /= max(x.max(), 1e-12)
    y /= max(y.max(), 1e-12)
    return np.sqrt(x ** 2 + y ** 2)


def poisson_disc_radius(shape: tuple[int, int], slope: float, calib: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """The minimum distance at every grid point, ``(along the rows, along the columns)``, in pixels:
    ``max(1, (1 + slope * r) * n / max(shape))`` for each axis of length ``n``."""
    shape = _check_shape(shape)
    calib = _check_calib(calib, shape)
    r = _radius_map(shape, calib)
    ny, nx = shape
    return (np.clip((1 + r * slope) * ny / max(shape), 1, None),
            np.clip((1 + r * slope) * nx / max(shape), 1, None))


def _bridson(shape, ry, rx, calib, seed, max_attempts):
    """Bridson's algorithm on the grid: grow from a random seed point, try ``max_attempts``
    candidates between one and two minimum distances from an active point, keep the first that is
    far enough from every sampled point (each judged by its own distance) and whose nearest grid
    point is free, and put it there."""
    ny, nx = shape
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=bool)
    mask[_box(shape, calib)] = True
    free = np.flatnonzero(~mask)      # the first point outside the calibration box, or it could grow nowhere
    first = divmod(int(free[rng.integers(free.size)]), nx) if free.size else (0, 0)
    mask[first] = True
    points, active = [first], [0]
    uniform = rng.random
    reach_y, reach_x = int(math.ceil(ry.max())) + 1, int(math.ceil(rx.max())) + 1
    while active:
        j = int(uniform() * len(active))
        py, px = points[active[j]]
        dy, dx = ry[py, px], rx[py, px]
        for _ in range(max_attempts):
            v, t = math.sqrt(3 * uniform() + 1), 2 * math.pi * uniform()   # uniform in area, 1 to 2 distances out
            cy, cx = py + v * dy * math.sin(t), px + v * dx * math.cos(t)
            qy, qx = int(round(cy)), int(round(cx))
            if not (0 <= qy < ny and 0 <= qx < nx) or mask[qy, qx]:
                continue
            sy, sx = max(qy - reach_y, 0), max(qx - reach_x, 0)   # every point that can be too close
            near_y, near_x = np.nonzero(mask[sy:qy + reach_y + 1, sx:qx + reach_x + 1])
            near_y += sy
            near_x += sx
            if near_y.size and np.any(((cy - near_y) / ry[near_y, near_x]) ** 2
                                      + ((cx - near_x) / rx[near_y, near_x]) ** 2 < 1):
                continue
            mask[qy, qx] = True
            points.append((qy, qx))
            active.append(len(points) - 1)
            break
        else:
            active[j] = active[-1]
            active.pop()
    return mask


def poisson_disc_mask(shape: tuple[int, int], acceleration: float, *, seed: int | None = 0, calib: Any = 0,
                      crop_corner: bool = True, tol: float = 0.02, max_attempts: int = 30,
                      return_slope: bool = False):
    """A variable-density Poisson-disc mask of a ``(ky, kz)`` plane at a given acceleration.

    Parameters
    ----------
    shape : tuple of int (H, W)
        The two phase-encode directions.
    acceleration : float > 1
        All grid points over the sampled ones, the calibration box included (SigPy's definition;
        with ``crop_corner`` the unsampled corners count as skipped).
    seed : int or None, keyword-only
        The draw. The same seed gives the same mask.
    calib : int or (int, int), keyword-only
        A fully sampled calibration box at the centre, rows by columns (0: none).
    crop_corner : bool, keyword-only
        Leave out the corners beyond the inscribed ellipse, as elliptical scanning does.
    tol : float, keyword-only
        Relative tolerance on the acceleration (0.02: within 2 %).
    max_attempts : int, keyword-only
        Bridson's candidates per active point before it is retired.
    return_slope : bool, keyword-only
        Also return the slope ``s`` that the search found.

    Returns
    -------
    mask : bool ndarray, shape (H, W)
    slope : float, with ``return_slope``

    Raises
    ------
    ValueError
        If the acceleration is at most 1, if the calibration box alone samples more than the
        acceleration allows, or if no slope reaches it: below the densest Poisson-disc pattern
        (minimum distance one pixel everywhere) or where the pattern cannot be thinned further.

    Examples
    --------
    >>> m = poisson_disc_mask((64, 64), 6, seed=0, calib=12)
    >>> bool(abs(m.size / m.sum() - 6) <= 0.02 * 6)
    True
    """
    shape = _check_shape(shape)
    if not np.isscalar(acceleration) or not np.isfinite(acceleration) or acceleration <= 1:
        raise ValueError(f"acceleration must be a number > 1 (1 is full sampling, which needs no Poisson disc), "
                         f"got {acceleration!r}")
    calib = _check_calib(calib, shape)
    if not (np.isscalar(tol) and 0 < tol < 0.5):
        raise ValueError(f"tol must be a relative tolerance between 0 and 0.5 (0.02: within 2 %), got {tol!r}")
    if int(max_attempts) != max_attempts or max_attempts < 1:
        raise ValueError(f"max_attempts must be an integer >= 1 (SigPy and Bridson use 30), got {max_attempts!r}")
    total = shape[0] * shape[1]
    target = total / float(acceleration)
    if calib[0] * calib[1] >= target * (1 + tol):
        raise ValueError(f"the calibration box {calib} alone samples {calib[0] * calib[1]} of {total} points, more "
                         f"than the {target:.0f} that R = {acceleration} allows; shrink calib to at most "
                         f"{int(math.sqrt(target))} or lower the acceleration")
    r = _radius_map(shape, calib)
    inside = (r < 1) if crop_corner else np.ones(shape, dtype=bool)
    free = inside.copy()
    box = _box(shape, calib)
    free[box] = False
    n_calib = calib[0] * calib[1]

    def inverse_area(slope):   # a Poisson-disc pattern holds about kappa / (ry rx) points per grid point
        ry, rx = poisson_disc_radius(shape, slope, calib)
        return float(np.sum(1.0 / (ry * rx)[free]))

    def run(slope):
        ry, rx = poisson_disc_radius(shape, slope, calib)
        m = _bridson(shape, ry, rx, calib, seed, int(max_attempts))
        m &= inside
        m[box] = True
        return m

    lo, hi, kappa = 0.0, float(max(shape)) * 4, 0.6
    n_lo = n_hi = None              # the counts measured at the bracket's ends
    best, last_side = None, None
    for _ in range(40):
        if n_lo is not None and n_hi is not None:
            # regula falsi between two measured counts, bisecting when one end has moved twice running
            slope = (lo + hi) / 2 if repeated else lo + (hi - lo) * (n_lo - target) / (n_lo - n_hi)
        elif n_calib + kappa * inverse_area(lo) <= target:   # otherwise where the model meets the target
            slope = lo
        elif n_calib + kappa * inverse_area(hi) >= target:
            slope = hi
        else:
            a, b = lo, hi
            for _ in range(50):
                mid = (a + b) / 2
                a, b = (mid, b) if n_calib + kappa * inverse_area(mid) > target else (a, mid)
            slope = (a + b) / 2
        m = run(slope)
        n = int(m.sum())
        achieved = total / n
        if best is None or abs(achieved - acceleration) < abs(best - acceleration):
            best = achieved
        if abs(achieved - acceleration) <= tol * acceleration:
            return (m, slope) if return_slope else m
        side = n > target
        repeated, last_side = side == last_side, side
        if n > target:
            if slope >= hi:
                raise ValueError(f"R = {acceleration} is beyond what this grid and calibration box allow: with "
                                 f"the steepest distance tried the pattern still has R = {achieved:.2f} and "
                                 f"cannot be thinned further; lower the acceleration or shrink calib")
            lo, n_lo = slope, n           # too many points: the distance must grow faster
        else:
            if slope == 0.0:
                raise ValueError(f"R = {acceleration} is below the densest Poisson-disc pattern of this grid "
                                 f"(R = {achieved:.2f} with a minimum distance of one pixel everywhere"
                                 f"{' and the corners cropped' if crop_corner else ''}); use a higher acceleration"
                                 f"{', crop_corner=False' if crop_corner else ''} or a random mask")
            hi, n_hi = slope, n
        if n > n_calib:
            kappa = (n - n_calib) / inverse_area(slope)
        if hi - lo < 1e-9 * max(hi, 1.0):
            break
    raise ValueError(f"no slope reached R = {acceleration} within {tol:.0%} (closest R = {best:.2f}); loosen tol "
                     f"or change the acceleration or the calibration box")
