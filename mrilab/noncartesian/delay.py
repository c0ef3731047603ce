"""Gradient delays of radial k-space: estimation from the data by radial intersections (RING), and correction.

The model. The gradients of a real scanner reach their programmed k-space positions a little late (eddy
currents, filter delays of the amplifiers), so every sample of a radial spoke is measured a little off its
nominal position. For a straight spoke with the unit direction ``e`` (the direction in which its sample
index grows; ``e = (sin theta, cos theta)`` in the package's ``(ky, kx)`` order for a spoke of
:func:`~mrilab.noncartesian.radial_trajectory` at angle ``theta``) the whole spoke is moved by one vector::

    actual position = nominal position + spacing * (S @ e),     S = [[S_yy, S_xy],
                                                                     [S_xy, S_xx]]

``S`` is the symmetric 2 x 2 *delay tensor*, in **samples**: one sample is the spoke's sample spacing
``spacing`` in cycles per pixel (``1 / n_samples`` for ``radial_trajectory``; half a Cartesian cell for a
readout oversampled two-fold). Its diagonal holds the delays of the y and x gradient channels, its off-diagonal
a cross term; one delay ``tau`` (in dwell times) on both channels is ``S = -tau I``: a late gradient has not
yet arrived where it should be, so the samples lie *behind* their nominal positions along ``e``. The part of
``S e`` along ``e`` slides the samples along their spoke (the centre of k-space is no longer measured at the
nominal centre sample); the part across ``e`` (from unequal channels or ``S_xy``) moves the spoke sideways, so
that it misses the centre.

RING (Rosenzweig, Holme and Uecker, Magn. Reson. Med. 81:1898-1906, 2019). Two spokes ``i`` and ``j`` at
clearly different angles cross at one point of k-space, and there both measure the same value in every coil.
Without a delay that point is the nominal centre of both. With one, it lies at the offsets ``d_i`` and ``d_j``
(in samples, from the nominal centre sample) along the spokes where their interpolated coil data agree best::

    (d_i, d_j) = argmin  sum_c | s_ci(d_i) - s_cj(d_j) |^2

and the geometry of the moved spokes, ``d_i e_i + S e_i = d_j e_j + S e_j``, gives two linear equations in the
entries of ``S`` per pair: ``S (e_i - e_j) = d_j e_j - d_i e_i``. Least squares over many pairs gives ``S``.
As in RING, each spoke is paired with the spoke nearest to orthogonal to it (where the intersection is best
defined); the spoke data are interpolated by the trigonometric (periodic sinc) interpolant of the whole
spoke, which is what RING's zero-padded FFT computes, and the search runs over a coarse grid of offsets, then
a fine one around its minimum, then a quadratic fit. Nothing in it assumes particular angles: uniform or
golden-angle spokes, spanning 180 or 360 degrees, any number of coils.

Checking a correction. :func:`intersection_residual` interpolates every pair of crossing spokes at the
point where the *given* trajectory says they cross and measures how much their data disagree there: with the
nominal trajectory of delayed data that is the mismatch of the spokes' centre samples, which lie at different
points of k-space; with the corrected trajectory the crossing points are the true ones and the mismatch falls to
the noise. It works for any acquisition, including spokes over 180 degrees only. :func:`opposed_spoke_residual`
is the older check (Block and Uecker 2011): a spoke against the reversed spoke measured in the opposite
direction, which a delay moves the other way. It needs spokes over 360 degrees: a spoke over 180 degrees has
no opposed partner (reversing the spoke itself is not a measurement in the opposite direction unless the
object is real), and it sees only the part of ``S e`` along the spoke; the sideways part stays in it as a floor
after the correction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import positive_int, positive_number

__all__ = ["SpokeGeometry", "GradientDelay", "spoke_geometry", "estimate_gradient_delay", "correct_trajectory",
           "delay_tensor", "delay_spokes", "intersection_residual", "opposed_spoke_residual", "DELAY_MODELS"]

#: The forms of the delay tensor :func:`estimate_gradient_delay` fits: all three entries, the two channel
#: delays only (``S_xy = 0``), or one delay for both channels (``S = s I``).
DELAY_MODELS = ("tensor", "diagonal", "isotropic")

# pairs are searched in chunks of this many, to bound the memory of the (pairs, offsets, offsets) costs
_CHUNK = 512


@dataclass(frozen=True, eq=False)
class SpokeGeometry:
    """The straight spokes of a radial trajectory (:func:`spoke_geometry`).

    Attributes
    ----------
    angles : float64 ndarray, shape (n_spokes,)
        The direction of each spoke, radians in ``[0, 2 pi)``: the unit vector ``(sin a, cos a)`` in
        ``(ky, kx)`` along which the sample index grows (``radial_trajectory``'s own angles, in ``[0, pi)``).
    spacing : float
        The distance between neighbouring samples, cycles per pixel, the same for every spoke: the unit
        ("one sample") of the delays and offsets.
    centre : float64 ndarray, shape (n_spokes,)
        The (fractional) sample index of the point of each spoke nearest to ``k = 0``; ``n_samples // 2``
        for every spoke of ``radial_trajectory``.
    origin : float64 ndarray, shape (n_spokes, 2)
        That point, ``(ky, kx)`` in cycles per pixel: zero for spokes through the centre, the sideways
        displacement of a spoke that misses it (a corrected trajectory).
    n_samples : int
        Samples per spoke.
    """

    angles: np.ndarray = field(repr=False)
    spacing: float
    centre: np.ndarray = field(repr=False)
    origin: np.ndarray = field(repr=False)
    n_samples: int

    @property
    def n_spokes(self) -> int:
        return len(self.angles)

    @property
    def directions(self) -> np.ndarray:
        """The unit directions ``(sin a, cos a)`` (``(ky, kx)``), shape (n_spokes, 2)."""
        return np.stack([np.sin(self.angles), np.cos(self.angles)], axis=-1)


@dataclass(frozen=True, eq=False)
class GradientDelay:
    """A gradient-delay tensor in samples, and how :func:`estimate_gradient_delay` found it.

    Attributes
    ----------
    s_yy, s_xx, s_xy : float
        The entries of the symmetric tensor ``S = [[s_yy, s_xy], [s_xy, s_xx]]`` (``(ky, kx)`` order), in
        samples: a spoke with direction ``e`` is moved by ``spacing * S @ e`` (module docstring).
    spacing : float
        One sample in cycles per pixel, of the trajectory the delay was estimated on.
    model : str
        ``"tensor"``, ``"diagonal"`` or ``"isotropic"`` (:data:`DELAY_MODELS`).
    pairs : int ndarray, shape (P, 2)
        The spoke pairs ``(i, j)`` intersected.
    offsets : float64 ndarray, shape (P, 2)
        ``(d_i, d_j)``: where along each spoke of a pair, in samples from its nominal centre, their data
        agree best.
    mismatch : float64 ndarray, shape (P,)
        The coil data's squared mismatch there, relative to their mean squared magnitude.
    used : bool ndarray, shape (P,)
        The pairs the least-squares fit used: those whose best offsets lay inside the search range.
    fit_rms : float
        The root-mean-square residual of the fit, in samples (how far the intersections are from one tensor).
    """

    s_yy: float
    s_xx: float
    s_xy: float
    spacing: float = 1.0
    model: str = "tensor"
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), int), repr=False)
    offsets: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    mismatch: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    used: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), repr=False)
    fit_rms: float = 0.0

    @property
    def tensor(self) -> np.ndarray:
        """``S`` as a 2 x 2 array, ``(ky, kx)`` order, in samples."""
        return np.array([[self.s_yy, self.s_xy], [self.s_xy, self.s_xx]])

    def shift(self, angles: Any) -> np.ndarray:
        """The shift ``S @ e`` in samples, ``(ky, kx)``, of spokes with the given angles (radians), shape (..., 2)."""
        a = np.asarray(angles, dtype=float)
        e = np.stack([np.sin(a), np.cos(a)], axis=-1)
        return e @ self.tensor.T


def delay_tensor(delay: Any) -> np.ndarray:
    """A delay given as a :class:`GradientDelay`, one number (``S = s I``), ``(S_yy, S_xx, S_xy)`` or a
    symmetric 2 x 2 array, as the 2 x 2 tensor in samples (``(ky, kx)`` order)."""
    if isinstance(delay, GradientDelay):
        return delay.tensor
    if isinstance(delay, bool):
        raise ValueError(f"delay must be a GradientDelay, a number of samples, (S_yy, S_xx, S_xy) or a 2 x 2 tensor, "
                         f"got {delay!r}")
    try:
        d = np.asarray(delay, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"delay must be a GradientDelay, a number of samples, (S_yy, S_xx, S_xy) or a 2 x 2 "
                         f"tensor, got {type(delay).__name__}") from None
    if d.shape == ():
        s = d * np.eye(2)
    elif d.shape == (3,):
        s = np.array([[d[0], d[2]], [d[2], d[1]]])
    elif d.shape == (2, 2):
        if abs(d[0, 1] - d[1, 0]) > 1e-9 * max(1.0, float(np.abs(d).max())):
            raise ValueError(f"delay as a 2 x 2 tensor must be symmetric (S_xy = S_yx), got {d.tolist()}")
        s = d
    else:
        raise ValueError(f"delay must be a GradientDelay, one number (S = s I), (S_yy, S_xx, S_xy) or a 2 x 2 "
                         f"tensor, in samples; got an array of shape {d.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"delay must be finite, got {d.tolist()}")
    return s


# ----------------------------------------------------------------------------------------------------------
# geometry and data


def spoke_geometry(traj: Any, *, through_centre: bool = True, tol: float = 1e-3) -> SpokeGeometry:
    """The angles, sample spacing and centre sample of the straight spokes of a radial trajectory.

    Parameters
    ----------
    traj : float ndarray, shape (n_spokes, n_samples, 2)
        ``(ky, kx)`` in cycles per pixel (:func:`~mrilab.noncartesian.radial_trajectory`). Positions wrapped
        into ``[-0.5, 0.5)`` are unwrapped first: k-space sampled on a pixel grid is periodic.
    through_centre : bool, keyword-only
        Require every spoke to pass through ``k = 0`` (the nominal trajectory that
        :func:`estimate_gradient_delay` needs). False accepts spokes that miss it (a corrected trajectory).
    tol : float, keyword-only
        How far, as a fraction of the sample spacing, the samples may deviate from evenly spaced points on
        a straight line (and, with ``through_centre``, the line from ``k = 0``).

    Returns
    -------
    SpokeGeometry
        ``angles`` (n_spokes,), ``spacing`` (cycles per pixel), ``centre`` (n_spokes,) the fractional index
        of the sample nearest ``k = 0``, ``origin`` (n_spokes, 2) that point.
    """
    tol = positive_number(tol, "tol", "a fraction of the sample spacing")
    t = np.asarray(traj)
    if not np.issubdtype(t.dtype, np.number) or np.iscomplexobj(t):
        raise ValueError(f"traj must be a real array of k-space positions (n_spokes, n_samples, 2) in cycles per "
                         f"pixel, got dtype {t.dtype}")
    if t.ndim != 3 or t.shape[-1] != 2:
        raise ValueError(f"traj must have shape (n_spokes, n_samples, 2) (radial spokes, positions (ky, kx) in "
                         f"cycles per pixel), got shape {t.shape}; reshape a flattened radial trajectory with "
                         f"traj.reshape(n_spokes, n_samples, 2)")
    n_spokes, n_samples = t.shape[:2]
    if n_spokes < 1 or n_samples < 4:
        raise ValueError(f"traj must hold at least one spoke of at least 4 samples, got shape {t.shape}")
    t = t.astype(np.float64)
    if not np.all(np.isfinite(t)):
        raise ValueError("traj holds NaN or infinite positions")
    steps = np.diff(t, axis=1)
    steps -= np.round(steps)                                   # undo the wrap into [-0.5, 0.5)
    step = steps.mean(axis=1)                                  # (n_spokes, 2)
    length = np.hypot(step[:, 0], step[:, 1])
    if np.any(length <= 0):
        bad = int(np.flatnonzero(length <= 0)[0])
        raise ValueError(f"traj spoke {bad} does not move (all its samples at one position); traj must hold radial "
                         f"spokes, straight lines of evenly spaced samples")
    dev = np.abs(steps - step[:, None, :]).max(axis=(1, 2)) / length
    if np.any(dev > tol):
        bad = int(np.argmax(dev))
        raise ValueError(f"traj is not radial: the samples of spoke {bad} deviate from evenly spaced points on a "
                         f"straight line by {dev[bad]:.3g} of their spacing (tolerance {tol:g}); gradient-delay "
                         f"estimation needs straight spokes (radial_trajectory), not spirals or curved readouts")
    spacing = float(np.median(length))
    if np.any(np.abs(length - spacing) > tol * spacing):
        bad = int(np.argmax(np.abs(length - spacing)))
        raise ValueError(f"traj's spokes must share one sample spacing (one sample is the unit of the delay), got "
                         f"{length[bad]:.6g} cycles per pixel on spoke {bad} against {spacing:.6g} on most")
    e = step / length[:, None]
    index = np.arange(n_samples)
    pos = t[:, :1, :] + np.concatenate([np.zeros((n_spokes, 1, 2)), np.cumsum(steps, axis=1)], axis=1)
    pos -= np.round(pos.mean(axis=1, keepdims=True))           # the copy of each spoke nearest k = 0
    # the least-squares line through the samples, pos = a + index * spacing * e
    a = pos.mean(axis=1) - index.mean() * spacing * e
    centre = -np.sum(a * e, axis=1) / spacing
    origin = a + centre[:, None] * spacing * e
    miss = np.hypot(origin[:, 0], origin[:, 1]) / spacing
    if through_centre and np.any(miss > tol):
        bad = int(np.argmax(miss))
        raise ValueError(f"traj's spokes must pass through the centre of k-space (the nominal trajectory), but "
                         f"spoke {bad} misses it by {miss[bad]:.3g} samples; pass the trajectory before any "
                         f"correction (radial_trajectory)")
    angles = np.mod(np.arctan2(e[:, 0], e[:, 1]), 2 * np.pi)
    return SpokeGeometry(angles=angles, spacing=spacing, centre=centre, origin=origin, n_samples=int(n_samples))


def _spoke_data(kdata: Any, n_spokes: int, n_samples: int) -> np.ndarray:
    """``kdata`` as complex128 ``(C, n_spokes, n_samples)``, or a ValueError."""
    y = np.asarray(kdata)
    if not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"kdata must be complex k-space samples, got dtype {y.dtype}")
    m = n_spokes * n_samples
    if y.ndim in (2, 3) and y.shape[-2:] == (n_spokes, n_samples):
        y = y.reshape(-1, n_spokes, n_samples)
    elif y.ndim in (1, 2) and y.shape[-1] == m:
        y = y.reshape(-1, n_spokes, n_samples)
    else:
        raise ValueError(f"kdata must have shape (C, n_spokes, n_samples) = (C, {n_spokes}, {n_samples}) for the "
                         f"trajectory's spokes (or (n_spokes, n_samples) for one coil, or (C, M) with M = {m} "
                         f"samples in C order), got shape {y.shape}; pass the trajectory the data were measured on")
    y = y.astype(np.complex128)
    if not np.all(np.isfinite(y)):
        raise ValueError("kdata holds NaN or infinite samples")
    if not np.any(y):
        raise ValueError("kdata is all zeros; pass the measured k-space samples")
    return y


def _trig(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and frequencies of the trigonometric interpolant along the last axis.

    ``value(u) = sum_f coef[..., f] exp(2 pi i freq[f] u / n)`` at a fractional sample index ``u`` equals the
    data at integer ``u``; for an even length the Nyquist term is split evenly between ``+-n / 2`` (the real,
    symmetric interpolant), so that every term is one exponential.
    """
    n = data.shape[-1]
    coef = np.fft.fft(data, axis=-1) / n
    freq = np.fft.fftfreq(n) * n
    if n % 2 == 0:
        nyq = n // 2
        coef = np.concatenate([coef, coef[..., nyq:nyq + 1] / 2], axis=-1)
        coef[..., nyq] /= 2
        freq = np.concatenate([freq, [n / 2]])
    return coef, freq


def _on_grid(coef: np.ndarray, freq: np.ndarray, n: int, base: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The interpolant of rows ``coef`` (C, K, F) at indices ``base[k] + grid[g]``: (C, K, G)."""
    ramp = np.exp((2j * np.pi / n) * base[:, None] * freq[None, :])
    return (coef * ramp) @ np.exp((2j * np.pi / n) * freq[:, None] * grid[None, :])


def _at(coef: np.ndarray, freq: np.ndarray, n: int, index: np.ndarray) -> np.ndarray:
    """The interpolant of rows ``coef`` (C, K, F) at indices ``index`` (K, G): (C, K, G)."""
    basis = np.exp((2j * np.pi / n) * index[:, :, None] * freq[None, None, :])       # (K, G, F)
    return np.einsum("ckf,kgf->ckg", coef, basis)


def _partners(angles: np.ndarray, target: float, count: int) -> np.ndarray:
    """For each spoke, the ``count`` spokes whose *lines* make the angle nearest to ``target`` with its own.

    The angle between two lines is in ``[0, pi / 2]``; it is searched among the sorted line angles (modulo
    pi), so that this is ``O(n log n)``. Returns pairs ``(i, j)``, shape (n_spokes * count, 2).
    """
    n = len(angles)
    line = np.mod(angles, np.pi)
    order = np.argsort(line)
    srt = line[order]
    width = min(n, count + 1)
    window = np.arange(-width, width)
    cand = []
    for sign in (1.0, -1.0):                                     # the lines at +target and at -target
        pos = np.searchsorted(srt, np.mod(line + sign * target, np.pi))
        cand.append(order[np.mod(pos[:, None] + window[None, :], n)])
    cand = np.concatenate(cand, axis=1)                          # (n, K)
    gap = np.abs(np.mod(line[cand] - line[:, None] + np.pi / 2, np.pi) - np.pi / 2)   # angle between lines
    dist = np.abs(gap - target)
    dist[cand == np.arange(n)[:, None]] = np.inf                 # not the spoke itself
    key = np.argsort(dist, axis=1, kind="stable")
    cand = np.take_along_axis(cand, key, axis=1)
    dist = np.take_along_axis(dist, key, axis=1)
    # a candidate found from both sides (or twice through the wrap) counts once
    dup = np.triu(cand[:, :, None] == cand[:, None, :], k=1).any(axis=1)
    dist[dup] = np.inf
    key = np.argsort(dist, axis=1, kind="stable")[:, :count]
    cand = np.take_along_axis(cand, key, axis=1)
    keep = np.isfinite(np.take_along_axis(dist, key, axis=1))
    rows = np.broadcast_to(np.arange(n)[:, None], cand.shape)
    return np.stack([rows[keep], cand[keep]], axis=1).astype(int)


def _unique_pairs(pairs: np.ndarray) -> np.ndarray:
    if len(pairs) == 0:
        return pairs
    return np.unique(np.sort(pairs, axis=1), axis=0)


def _check_pairs(pairs: Any, geometry: SpokeGeometry, min_angle: float) -> np.ndarray:
    p = np.asarray(pairs)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0 or not np.issubdtype(p.dtype, np.integer):
        raise ValueError(f"pairs must be an integer array (P, 2) of spoke indices (i, j), got "
                         f"{p.dtype} array of shape {p.shape}")
    n = geometry.n_spokes
    if p.min() < 0 or p.max() >= n:
        raise ValueError(f"pairs must hold spoke indices in [0, {n}), got values in [{p.min()}, {p.max()}]")
    e = geometry.directions
    sin = np.abs(e[p[:, 0], 0] * e[p[:, 1], 1] - e[p[:, 0], 1] * e[p[:, 1], 0])
    if np.any(sin < np.sin(min_angle)):
        bad = int(np.argmin(sin))
        raise ValueError(f"pairs must pair spokes at clearly different angles (at least {np.degrees(min_angle):.0f} "
                         f"degrees between their lines), but pair {bad} = {tuple(int(v) for v in p[bad])} crosses at "
                         f"{np.degrees(np.arcsin(min(1.0, sin[bad]))):.2f} degrees; near-parallel spokes have no "
                         f"well-defined intersection")
    return p.astype(int)


# ----------------------------------------------------------------------------------------------------------
# RING


def _crossing_pairs(geom: SpokeGeometry, pairs: Any, candidates: np.ndarray | None, min_degrees: float,
                    need: str) -> np.ndarray:
    """The given ``pairs`` (checked), or the unique ``candidates`` that cross at ``min_degrees`` or more."""
    min_angle = np.radians(min_degrees)
    if pairs is not None:
        return _check_pairs(pairs, geom, min_angle)
    p = _unique_pairs(candidates)
    e = geom.directions
    sin = np.abs(e[p[:, 0], 0] * e[p[:, 1], 1] - e[p[:, 0], 1] * e[p[:, 1], 0])
    p = p[sin >= np.sin(min_angle)]
    if len(p) == 0:
        raise ValueError(f"traj's spokes all lie within {min_degrees:g} degrees of one line, so no two cross at a clear "
                         f"angle; {need}")
    return p


def _quadratic_step(patch: np.ndarray) -> np.ndarray:
    """The minimum, in grid steps from the centre, of the quadratic fitted to 3 x 3 cost patches (P, 3, 3)."""
    x, y = np.meshgrid([-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0], indexing="ij")
    design = np.stack([np.ones(9), x.ravel(), y.ravel(), x.ravel() ** 2, x.ravel() * y.ravel(), y.ravel() ** 2], 1)
    k = patch.reshape(-1, 9) @ np.linalg.pinv(design).T          # (P, 6)
    hxx, hxy, hyy = 2 * k[:, 3], k[:, 4], 2 * k[:, 5]
    det = hxx * hyy - hxy ** 2
    ok = (det > 0) & (hxx > 0)
    safe = np.where(ok, det, 1.0)
    sx = -(hyy * k[:, 1] - hxy * k[:, 2]) / safe
    sy = -(-hxy * k[:, 1] + hxx * k[:, 2]) / safe
    step = np.stack([sx, sy], axis=1)
    step[~ok] = 0.0
    return np.clip(step, -1.0, 1.0)


def _cost(vi: np.ndarray, vj: np.ndarray) -> np.ndarray:
    """``sum_c |vi[c, p, a] - vj[c, p, b]|^2`` as (P, A, B), by one batched matrix product."""
    ni = np.sum(np.abs(vi) ** 2, axis=0)                        # (P, A)
    nj = np.sum(np.abs(vj) ** 2, axis=0)                        # (P, B)
    cross = np.transpose(vi, (1, 2, 0)) @ np.conj(np.transpose(vj, (1, 0, 2)))    # (P, A, B)
    return np.maximum(ni[:, :, None] + nj[:, None, :] - 2 * cross.real, 0.0)


def _intersect(coef, freq, n, centre, pairs, search, step):
    """RING's search: the offsets (P, 2), relative mismatch (P,) and at-the-edge flags (P,) of each pair."""
    coarse = max(step, min(0.1, search / 5))
    half = int(np.ceil(search / coarse))
    g_c = np.arange(-half, half + 1) * coarse
    v = _on_grid(coef, freq, n, centre, g_c)                    # (C, S, G) every spoke on the coarse grid
    nf = int(np.ceil(1.5 * coarse / step))
    g_f = np.arange(-nf, nf + 1) * step
    offsets = np.zeros((len(pairs), 2))
    mismatch = np.zeros(len(pairs))
    edge = np.zeros(len(pairs), bool)
    for lo in range(0, len(pairs), _CHUNK):
        i, j = pairs[lo:lo + _CHUNK, 0], pairs[lo:lo + _CHUNK, 1]
        p = np.arange(len(i))
        cost = _cost(v[:, i], v[:, j])
        a, b = np.unravel_index(np.argmin(cost.reshape(len(i), -1), axis=1), cost.shape[1:])
        edge[lo:lo + len(i)] = (a == 0) | (a == len(g_c) - 1) | (b == 0) | (b == len(g_c) - 1)
        # the fine grid around the coarse minimum
        di, dj = g_c[a], g_c[b]
        vi = _on_grid(coef[:, i], freq, n, centre[i] + di, g_f)
        vj = _on_grid(coef[:, j], freq, n, centre[j] + dj, g_f)
        cost = _cost(vi, vj)
        fa, fb = np.unravel_index(np.argmin(cost.reshape(len(i), -1), axis=1), cost.shape[1:])
        inner = (fa > 0) & (fa < len(g_f) - 1) & (fb > 0) & (fb < len(g_f) - 1)
        sub = np.zeros((len(i), 2))
        if inner.any():
            q = p[inner]
            patch = cost[q[:, None, None], fa[q, None, None] + np.arange(-1, 2)[None, :, None],
                         fb[q, None, None] + np.arange(-1, 2)[None, None, :]]
            sub[inner] = _quadratic_step(patch)
        offsets[lo:lo + len(i), 0] = di + g_f[fa] + sub[:, 0] * step
        offsets[lo:lo + len(i), 1] = dj + g_f[fb] + sub[:, 1] * step
        scale = 0.5 * (np.sum(np.abs(vi[:, p, fa]) ** 2, axis=0) + np.sum(np.abs(vj[:, p, fb]) ** 2, axis=0))
        mismatch[lo:lo + len(i)] = cost[p, fa, fb] / np.maximum(scale, np.finfo(float).tiny)
    return offsets, mismatch, edge


def _design(e_i: np.ndarray, e_j: np.ndarray, model: str) -> np.ndarray:
    """Rows of ``S (e_i - e_j)`` in the unknowns of ``model``: (2P, k), the ky rows then the kx rows per pair."""
    u = e_i - e_j
    zero = np.zeros(len(u))
    rows_y = np.stack([u[:, 0], zero, u[:, 1]], axis=1)         # (S_yy, S_xx, S_xy) . -> (S u)_y
    rows_x = np.stack([zero, u[:, 1], u[:, 0]], axis=1)         # -> (S u)_x
    a = np.stack([rows_y, rows_x], axis=1).reshape(-1, 3)
    if model == "diagonal":
        return a[:, :2]
    if model == "isotropic":
        return a[:, :1] + a[:, 1:2]
    return a


def estimate_gradient_delay(kdata: Any, traj: Any, *, model: str = "tensor", pairs: Any = None, partners: int = 1,
                            search: float = 3.0, step: float = 0.01) -> GradientDelay:
    """The gradient-delay tensor of radial k-space data, by radial intersections (RING; module docstring).

    Parameters
    ----------
    kdata : complex ndarray, shape (C, n_spokes, n_samples)
        The measured spokes of ``C`` coils (``(n_spokes, n_samples)`` for one coil; ``(C, M)`` with the
        samples flattened in C order is accepted too).
    traj : float ndarray, shape (n_spokes, n_samples, 2)
        The *nominal* trajectory: straight spokes through ``k = 0`` (:func:`spoke_geometry`), any angles.
    model : {"tensor", "diagonal", "isotropic"}, keyword-only
        The unknowns: ``(S_yy, S_xx, S_xy)``; ``(S_yy, S_xx)`` with ``S_xy = 0``; or one ``s`` with
        ``S = s I``.
    pairs : int ndarray (P, 2), keyword-only
        The spoke pairs to intersect. Default: each spoke with the ``partners`` spokes nearest to
        orthogonal to it (RING's choice), each pair once.
    partners : int, keyword-only
        Partners per spoke for the default pairs.
    search : float, keyword-only
        The offsets searched along each spoke, ``[-search, search]`` samples from its centre sample; it
        must exceed the largest intersection offset, about ``|S|``. Pairs whose best offsets lie on its edge
        are left out of the fit (a warning says when more than a tenth are).
    step : float, keyword-only
        The resolution of the search, in samples, at most 0.1: a grid of 0.1 samples first (``search / 5``
        if smaller), then this one around its minimum, then a quadratic fit to the cost around the best point.

    Returns
    -------
    GradientDelay
        ``s_yy, s_xx, s_xy`` in samples of ``spacing`` cycles per pixel; pass it to :func:`correct_trajectory`.

    Notes
    -----
    The coils are what make the crossing unique: with one coil the complex values of two spokes agree at
    several pairs of offsets, and the estimate is unreliable (a warning says so).

    The cost of a pair, ``sum_c |s_ci(d_i) - s_cj(d_j)|^2``, is evaluated on all offset pairs of a grid at
    once, ``|s_i|^2 + |s_j|^2 - 2 Re s_i^H s_j`` by one batched matrix product over the coils. For 4 coils,
    256 spokes and 256 samples it takes a few hundredths of a second.
    """
    if model not in DELAY_MODELS:
        raise ValueError(f"model must be one of {DELAY_MODELS}, got {model!r}")
    search = positive_number(search, "search", "the offsets searched along each spoke, in samples")
    step = positive_number(step, "step", "the resolution of the search, in samples")
    if search / step > 2e4 or step > min(0.1, search):
        raise ValueError(f"step must be at most 0.1 samples, below search, and at least search / 20000, got step "
                         f"{step:g} and search {search:g}; the default step 0.01 samples resolves a delay well")
    partners = positive_int(partners, "partners")
    geom = spoke_geometry(traj, through_centre=True)
    n = geom.n_samples
    if search > n / 4:
        raise ValueError(f"search must be below a quarter of the spoke ({n / 4:g} samples), got {search:g}")
    y = _spoke_data(kdata, geom.n_spokes, n)
    if len(y) == 1:
        warnings.warn("RING with one coil is ambiguous: two spokes' complex values agree at several pairs of "
                      "offsets, not only at their true crossing (in simulations most pairs then find a wrong one); "
                      "pass the data of all receive coils", RuntimeWarning, stacklevel=2)
    if geom.n_spokes < 2:
        raise ValueError(f"traj has {geom.n_spokes} spoke; RING intersects pairs of spokes at different angles")
    p = _crossing_pairs(geom, pairs, _partners(geom.angles, np.pi / 2, min(partners, geom.n_spokes - 1)), 10.0,
                        "RING needs spokes at different angles")
    coef, freq = _trig(y)
    offsets, mismatch, edge = _intersect(coef, freq, n, geom.centre, p, search, step)
    used = ~edge
    if not used.any():
        raise ValueError(f"no intersection of the spoke pairs lies within search = {search:g} samples of the centre; "
                         f"a larger delay needs a larger search (or the data and traj do not belong together)")
    if edge.mean() > 0.1:
        warnings.warn(f"{int(edge.sum())} of {len(p)} spoke pairs had their best match at the edge of the search "
                      f"range (+-{search:g} samples) and were left out; increase search if the delay may be that "
                      f"large", RuntimeWarning, stacklevel=2)
    e = geom.directions
    pu, off = p[used], offsets[used]
    e_i, e_j = e[pu[:, 0]], e[pu[:, 1]]
    a = _design(e_i, e_j, model)
    b = (off[:, 1:2] * e_j - off[:, 0:1] * e_i).reshape(-1)
    sol, _, rank, _ = np.linalg.lstsq(a, b, rcond=None)
    if rank < a.shape[1]:
        raise ValueError(f"the spoke pairs do not determine the {a.shape[1]} unknowns of model={model!r}: they span "
                         f"too few angles ({len(pu)} pair(s)); use more spokes at different angles or "
                         f"model='isotropic'")
    fit_rms = float(np.sqrt(np.mean((a @ sol - b) ** 2)))
    if model == "tensor":
        syy, sxx, sxy = sol
    elif model == "diagonal":
        (syy, sxx), sxy = sol, 0.0
    else:
        syy = sxx = sol[0]
        sxy = 0.0
    return GradientDelay(s_yy=float(syy), s_xx=float(sxx), s_xy=float(sxy), spacing=geom.spacing, model=model,
                         pairs=p, offsets=offsets, mismatch=mismatch, used=used, fit_rms=fit_rms)


def correct_trajectory(traj: Any, delay: Any) -> np.ndarray:
    """The trajectory on which delayed data were actually measured: each spoke moved by ``spacing * S @ e``.

    Parameters
    ----------
    traj : float ndarray, shape (n_spokes, n_samples, 2)
        The nominal radial trajectory, ``(ky, kx)`` in cycles per pixel.
    delay : GradientDelay, float, (S_yy, S_xx, S_xy) or (2, 2) array
        The delay tensor in samples (:func:`estimate_gradient_delay`, or :func:`delay_tensor`'s forms). One
        sample is the spacing of ``traj``'s own samples.

    Returns
    -------
    traj : float64 ndarray, shape (n_spokes, n_samples, 2)
        Every spoke moved by its shift, wrapped back into ``[-0.5, 0.5)`` (k-space of a pixel grid is
        periodic, so :func:`~mrilab.noncartesian.nufft` takes the same values there). Reconstruct the data with
        it instead of ``traj``.
    """
    s = delay_tensor(delay)
    geom = spoke_geometry(traj, through_centre=False)
    shift = geom.spacing * (geom.directions @ s.T)               # (n_spokes, 2), cycles per pixel
    moved = np.asarray(traj, dtype=np.float64) + shift[:, None, :]
    return np.mod(moved + 0.5, 1.0) - 0.5


def delay_spokes(kdata: Any, traj: Any, delay: Any) -> np.ndarray:
    """What the data would have been with a gradient delay: each spoke resampled where ``delay`` moves it.

    The sample with index ``n`` of a spoke with direction ``e`` is replaced by the spoke's value at
    ``n + e . (S e)``: the part of the shift along the spoke, evaluated by the spoke's trigonometric
    interpolant (:func:`estimate_gradient_delay`'s). The sideways part, ``S e`` across ``e``, cannot be made
    from one spoke and is left out: an isotropic delay (``S = s I``) has none. Data measured without a delay
    become data with this one on the nominal trajectory, so a correction can be checked against a known
    answer on real measurements.

    Returns
    -------
    kdata : complex ndarray, the shape of ``kdata``
    """
    geom = spoke_geometry(traj)
    y = _spoke_data(kdata, geom.n_spokes, geom.n_samples)
    e = geom.directions
    along = np.einsum("si,ij,sj->s", e, delay_tensor(delay), e)     # samples, per spoke
    coef, freq = _trig(y)
    index = np.arange(geom.n_samples)[None, :] + along[:, None]     # (n_spokes, n_samples)
    phase = np.exp(2j * np.pi * freq[None, None, :] * index[..., None] / geom.n_samples)
    out = np.einsum("csf,snf->csn", coef, phase)
    return out.reshape(np.shape(kdata)).astype(np.result_type(np.asarray(kdata).dtype, np.complex64))


# ----------------------------------------------------------------------------------------------------------
# residuals


def _relative_rms(vi: np.ndarray, vj: np.ndarray) -> float:
    num = float(np.sum(np.abs(vi - vj) ** 2))
    den = 0.5 * float(np.sum(np.abs(vi) ** 2) + np.sum(np.abs(vj) ** 2))
    return float(np.sqrt(num / den)) if den > 0 else 0.0


def intersection_residual(kdata: Any, traj: Any, *, pairs: Any = None) -> float:
    """How much crossing spokes disagree where the trajectory says they cross: low when it is right.

    For every pair, the point where the two spokes' lines (as given by ``traj``) intersect is found, both
    spokes are interpolated there (trigonometric interpolation along the spoke, exact at the samples) and
    their coil data compared. On the nominal trajectory every pair crosses at the centre sample, so this
    compares the spokes' centre samples, which a delay moves to different points of k-space; on a corrected
    trajectory the crossings are the true ones. It needs no opposed spokes, so it serves acquisitions over
    180 degrees, and it measures the whole shift ``S e``, across the spoke as well as along it.

    Parameters
    ----------
    kdata : complex ndarray, shape (C, n_spokes, n_samples)
        Or ``(n_spokes, n_samples)``, or ``(C, M)``.
    traj : float ndarray, shape (n_spokes, n_samples, 2)
        Straight spokes (nominal or corrected).
    pairs : int ndarray (P, 2), keyword-only
        The pairs to compare. Default: each spoke with the spokes nearest to 30, 60 and 90 degrees from it.

    Returns
    -------
    float
        ``sqrt(sum |s_i - s_j|^2 / mean(|s_i|^2 + |s_j|^2))`` over pairs and coils at the crossings: the
        relative root-mean-square disagreement (0 for consistent data without noise).
    """
    geom = spoke_geometry(traj, through_centre=False)
    y = _spoke_data(kdata, geom.n_spokes, geom.n_samples)
    if geom.n_spokes < 2:
        raise ValueError(f"traj has {geom.n_spokes} spoke; the residual compares pairs of crossing spokes")
    candidates = None if pairs is not None else np.concatenate(
        [_partners(geom.angles, np.radians(a), 1) for a in (30.0, 60.0, 90.0)])
    p = _crossing_pairs(geom, pairs, candidates, 20.0, "the residual needs spokes that cross at clearly different angles")
    e = geom.directions
    i, j = p[:, 0], p[:, 1]
    # origin_i + t_i h e_i = origin_j + t_j h e_j, t in samples from each spoke's centre index
    rhs = (geom.origin[j] - geom.origin[i]) / geom.spacing
    det = -e[i, 0] * e[j, 1] + e[i, 1] * e[j, 0]                  # det [e_i, -e_j] in (ky, kx) rows
    t_i = (-rhs[:, 0] * e[j, 1] + rhs[:, 1] * e[j, 0]) / det
    t_j = (e[i, 0] * rhs[:, 1] - e[i, 1] * rhs[:, 0]) / det
    u_i, u_j = geom.centre[i] + t_i, geom.centre[j] + t_j
    lim = geom.n_samples - 1
    if np.any((u_i < 0) | (u_i > lim) | (u_j < 0) | (u_j > lim)):
        raise ValueError("some spoke pairs of traj cross outside the spokes; traj must hold spokes through or near "
                         "the centre of k-space")
    coef, freq = _trig(y)
    vi = _at(coef[:, i], freq, geom.n_samples, u_i[:, None])
    vj = _at(coef[:, j], freq, geom.n_samples, u_j[:, None])
    return _relative_rms(vi, vj)


def opposed_spoke_residual(kdata: Any, traj: Any, *, max_angle: float = 1.0, width: int = 8) -> float:
    """How much each spoke disagrees with the reversed spoke measured in the opposite direction.

    A delay moves a spoke at angle ``theta`` by ``S e`` and the spoke at ``theta + pi`` by ``-S e``, so along
    their common line the two are shifted by twice the delay against each other (Block and Uecker 2011).
    Each spoke is compared, over its central ``2 width + 1`` samples, with the spoke whose direction is
    nearest to its opposite, interpolated at the points of that spoke nearest to its samples.

    Only acquisitions over 360 degrees have such pairs: a spoke over 180 degrees is not measured in the
    opposite direction, and reversing the spoke itself compares it with the conjugate of its own data only
    for a real object. A sideways shift (from unequal channel delays or ``S_xy``) is not corrected by
    sliding along the spokes, and remains in this residual after a correction; :func:`intersection_residual`
    measures it, and works for any acquisition.

    Parameters
    ----------
    kdata : complex ndarray, shape (C, n_spokes, n_samples)
        Or ``(n_spokes, n_samples)``, or ``(C, M)``.
    traj : float ndarray, shape (n_spokes, n_samples, 2)
        Straight spokes (nominal or corrected).
    max_angle : float, keyword-only
        Degrees: the most a partner may deviate from the exact opposite direction.
    width : int, keyword-only
        Samples compared on either side of the centre sample.

    Returns
    -------
    float
        The relative root-mean-square disagreement over the compared samples and coils.
    """
    max_angle = positive_number(max_angle, "max_angle", "degrees from the exact opposite direction")
    width = positive_int(width, "width")
    geom = spoke_geometry(traj, through_centre=False)
    y = _spoke_data(kdata, geom.n_spokes, geom.n_samples)
    n = geom.n_samples
    e = geom.directions
    cos = np.clip(-(e @ e.T), -1.0, 1.0) if geom.n_spokes <= 4096 else None
    if cos is None:                                              # many spokes: search the sorted angles
        opp = np.mod(geom.angles + np.pi, 2 * np.pi)
        order = np.argsort(geom.angles)
        pos = np.searchsorted(geom.angles[order], opp)
        cand = order[np.mod(pos[:, None] + np.array([-1, 0])[None, :], geom.n_spokes)]
        dev = np.abs(np.mod(geom.angles[cand] - opp[:, None] + np.pi, 2 * np.pi) - np.pi)
        k = np.argmin(dev, axis=1)
        partner, deviation = cand[np.arange(len(k)), k], dev[np.arange(len(k)), k]
    else:
        partner = np.argmax(cos, axis=1)
        deviation = np.arccos(cos[np.arange(geom.n_spokes), partner])
    has = (deviation <= np.radians(max_angle)) & (partner != np.arange(geom.n_spokes))
    if not has.any():
        raise ValueError(f"the acquisition has no opposed spokes: no spoke of traj has a partner within max_angle = "
                         f"{max_angle:g} degrees of its opposite direction (spokes over 180 degrees only, as from "
                         f"radial_trajectory, have none); use intersection_residual, which needs no opposed spokes")
    i = np.flatnonzero(has)
    j = partner[i]
    room = int(np.floor(min(geom.centre.min(), n - 1 - geom.centre.max()))) - 1
    if room < 1:
        raise ValueError(f"traj's spokes must extend at least 2 samples to either side of their centre sample to "
                         f"be compared, got centre indices in [{geom.centre.min():.3g}, {geom.centre.max():.3g}] "
                         f"of {n} samples")
    width = min(width, room)
    k = np.arange(-width, width + 1, dtype=float)
    u_i = geom.centre[i][:, None] + k[None, :]                   # (P, G)
    q = geom.origin[i][:, None, :] + (k[None, :, None] * geom.spacing) * e[i][:, None, :]   # points of spoke i
    along = np.sum((q - geom.origin[j][:, None, :]) * e[j][:, None, :], axis=-1)   # on spoke j, cycles per pixel
    u_j = geom.centre[j][:, None] + along / geom.spacing
    coef, freq = _trig(y)
    vi = _at(coef[:, i], freq, n, u_i)
    vj = _at(coef[:, j], freq, n, u_j)
    return _relative_rms(vi, vj)
