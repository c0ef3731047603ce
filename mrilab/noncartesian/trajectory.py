"""Non-Cartesian trajectories: radial spokes and variable-density spirals.

Convention (used everywhere in :mod:`mrilab.noncartesian`): a trajectory is a float array of shape
``(..., 2)`` of k-space positions in **cycles per pixel**, each coordinate within ``[-0.5, 0.5)``,
the two columns in the order of the image axes (axis -2, then axis -1: ``(ky, kx)`` for an image
indexed ``[y, x]``). The leading axes (spokes and samples, interleaves and samples) are flattened
in C order into one sample axis of length ``M``, and k-space data hold that axis last. A point of
the Cartesian grid of an ``H x W`` image is ``(u / H, v / W)`` with integer ``u, v`` from
``-H // 2`` and ``-W // 2``: there :func:`mrilab.noncartesian.nufft` equals :func:`mrilab.fft2c`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import positive_int

__all__ = ["GOLDEN_ANGLE", "radial_trajectory", "spiral_trajectory", "spoke_angles", "largest_angular_gap",
           "radial_nyquist_spokes", "check_trajectory", "golden_angle_frames"]

#: The golden angle of radial MRI (Winkelmann et al. 2007): 180 degrees divided by the golden ratio,
#: about 111.246 degrees. Spokes ``i * GOLDEN_ANGLE`` (modulo 180 degrees) never repeat and any run of
#: consecutive ones covers the half circle nearly evenly.
GOLDEN_ANGLE = float(np.pi / ((1 + np.sqrt(5)) / 2))


def spoke_angles(n_spokes: int, *, golden: bool = True, first: int = 0) -> np.ndarray:
    """The angles (radians, in ``[0, pi)``) of ``n_spokes`` radial spokes.

    ``golden=True``: spokes ``first, first + 1, ...`` of the golden-angle sequence, ``i * GOLDEN_ANGLE``
    modulo pi. ``golden=False``: uniform angles ``i * pi / n_spokes`` (``first`` is then ignored).
    A spoke through the centre covers the angles ``theta`` and ``theta + pi``, so half a turn is all
    of k-space.
    """
    n_spokes = positive_int(n_spokes, "n_spokes")
    if golden:
        return np.mod((first + np.arange(n_spokes)) * GOLDEN_ANGLE, np.pi)
    return np.arange(n_spokes) * np.pi / n_spokes


def radial_trajectory(n_spokes: int, n_samples: int, *, golden: bool = True, first: int = 0) -> np.ndarray:
    """Radial spokes through the centre of k-space.

    Parameters
    ----------
    n_spokes : int
        Spokes (lines through the centre).
    n_samples : int
        Samples per spoke, at radii ``(s - n_samples // 2) / n_samples`` for ``s = 0 .. n_samples - 1``
        (cycles per pixel, so the spoke spans ``[-0.5, 0.5)``): ``n_samples = 2 N`` for an ``N x N``
        image is the scanner's usual two-fold readout oversampling; ``n_samples = N`` samples each
        spoke at the Cartesian spacing ``1 / N``. An even ``n_samples`` puts one sample at ``k = 0``.
    golden, first : keyword-only
        Golden-angle ordering (default) or uniform angles (:func:`spoke_angles`).

    Returns
    -------
    traj : float64 ndarray, shape (n_spokes, n_samples, 2)
        ``(ky, kx) = r (sin theta, cos theta)``: spoke 0 of the uniform ordering runs along ``kx``.
    """
    n_samples = positive_int(n_samples, "n_samples")
    theta = spoke_angles(n_spokes, golden=golden, first=first)
    r = (np.arange(n_samples) - n_samples // 2) / n_samples
    traj = np.stack([r[None, :] * np.sin(theta)[:, None], r[None, :] * np.cos(theta)[:, None]], axis=-1)
    # r = -0.5 on a spoke with cos(theta) = -1 would give +0.5: fold it back into [-0.5, 0.5)
    return np.where(traj >= 0.5, traj - 1.0, traj)


def golden_angle_frames(n_frames: int, spokes_per_frame: int, n_samples: int) -> np.ndarray:
    """The spokes of a golden-angle acquisition binned into frames (GRASP, Feng et al. 2014).

    Frame ``t`` holds spokes ``t S`` to ``t S + S - 1`` of one continuous golden-angle sequence
    (``S = spokes_per_frame``): each frame covers the half circle nearly evenly, and the next frame's
    spokes fall between its own. The first ``n`` spokes of every frame are themselves consecutive
    golden-angle spokes, so a dataset stored with ``S`` spokes per frame also gives frames of any
    ``n < S`` (with a gap in the sequence between frames). Fibonacci numbers of spokes (8, 13, 21,
    34) cover the circle most evenly.

    Returns
    -------
    traj : float64 ndarray, shape (n_frames, spokes_per_frame, n_samples, 2)
    """
    n_frames = positive_int(n_frames, "n_frames")
    spokes_per_frame = positive_int(spokes_per_frame, "spokes_per_frame")
    return np.stack([radial_trajectory(spokes_per_frame, n_samples, first=t * spokes_per_frame)
                     for t in range(n_frames)])


def radial_nyquist_spokes(n: int) -> int:
    """Spokes a radial acquisition of an ``n x n`` image needs to meet the Nyquist condition.

    The gap between neighbouring spokes at the edge of k-space (radius 1/2) is ``(pi / n_spokes) / 2``;
    it must not exceed the Cartesian spacing ``1 / n``, so ``n_spokes >= pi n / 2``, rounded up (202 for 128: pi 64 = 201.06).
    """
    n = positive_int(n, "n")
    return int(np.ceil(np.pi * n / 2))


def largest_angular_gap(angles: Any) -> float:
    """The largest gap (radians) between neighbouring spokes of the given angles, modulo pi."""
    a = np.sort(np.mod(np.asarray(angles, dtype=float).ravel(), np.pi))
    if a.size == 0:
        raise ValueError("angles is empty; pass the angles of at least one spoke")
    gaps = np.diff(np.concatenate([a, [a[0] + np.pi]]))
    return float(gaps.max())


def spiral_trajectory(n_interleaves: int, n_samples: int, *, n_turns: float, alpha: float = 1.0,
                      k_max: float = 0.5) -> np.ndarray:
    """A variable-density Archimedean spiral, ``n_interleaves`` rotated copies.

    The design: the curve ``r(t) = k_max t^alpha``, ``phi(t) = 2 pi n_turns t + 2 pi j / n_interleaves``
    for ``t`` in ``[0, 1]`` and interleave ``j``, sampled at ``n_samples`` points equally spaced in *arc
    length* (a constant speed along the curve, as a readout limited by the gradient amplitude has; near
    the centre a real spiral is limited by the slew rate instead and moves more slowly, which this
    design leaves out). ``alpha = 1`` is the Archimedean spiral: turns equally spaced, so with samples
    equally spaced along the curve the sampling density is uniform. ``alpha > 1`` packs the turns near
    the centre, where most of an image's energy is, and spaces them more widely at the edge (variable
    density, as in Kim et al. 2003).

    Nyquist. The distance between neighbouring turns of all interleaves at radius ``r`` is about
    ``alpha k_max^(1/alpha) r^(1 - 1/alpha) / (n_turns n_interleaves)``; at the edge that is
    ``alpha k_max / (n_turns n_interleaves)``, so an ``N x N`` image is sampled at its Nyquist spacing
    ``1 / N`` between turns everywhere when ``n_turns n_interleaves >= alpha k_max N``. Along the curve
    the spacing is its length (about ``pi k_max n_turns`` for ``alpha = 1``) over ``n_samples``, which
    must be below ``1 / N`` too.

    Returns
    -------
    traj : float64 ndarray, shape (n_interleaves, n_samples, 2), in cycles per pixel
    """
    n_interleaves = positive_int(n_interleaves, "n_interleaves")
    n_samples = positive_int(n_samples, "n_samples")
    if not (np.isfinite(n_turns) and n_turns > 0):
        raise ValueError(f"n_turns must be a positive number of turns per interleave, got {n_turns}")
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be positive (1: Archimedean; > 1: denser at the centre), got {alpha}")
    if not 0 < k_max <= 0.5:
        raise ValueError(f"k_max must be in (0, 0.5] cycles per pixel, got {k_max}")
    # the curve on a fine parameter grid, then resampled at equal steps of its arc length
    t = np.linspace(0.0, 1.0, 64 * n_samples + 1)
    r = k_max * t ** alpha
    phi = 2 * np.pi * n_turns * t
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(r * np.cos(phi)), np.diff(r * np.sin(phi))))])
    ts = np.interp(np.arange(n_samples) * arc[-1] / n_samples, arc, t)
    r = k_max * ts ** alpha
    phi = 2 * np.pi * n_turns * ts[None, :] + 2 * np.pi * np.arange(n_interleaves)[:, None] / n_interleaves
    traj = np.stack([r * np.sin(phi), r * np.cos(phi)], axis=-1)
    return np.where(traj >= 0.5, traj - 1.0, traj)


def check_trajectory(traj: Any, name: str = "traj") -> np.ndarray:
    """``traj`` as a float64 ``(M, 2)`` array, or a ValueError that names the fix."""
    t = np.asarray(traj)
    if not np.issubdtype(t.dtype, np.number) or np.iscomplexobj(t):
        raise ValueError(f"{name} must be a real array of k-space positions (..., 2) in cycles per pixel, "
                         f"got dtype {t.dtype}")
    if t.ndim < 2 or t.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., M, 2) (positions (ky, kx) in cycles per pixel), "
                         f"got shape {t.shape}; stack the coordinates on the last axis")
    t = t.reshape(-1, 2).astype(np.float64)
    if not np.all(np.isfinite(t)):
        raise ValueError(f"{name} holds NaN or infinite positions")
    low, high = float(t.min(initial=0.0)), float(t.max(initial=0.0))
    if low < -0.5 or high >= 0.5:
        raise ValueError(f"{name} must lie within [-0.5, 0.5) cycles per pixel, got values in [{low:.4g}, {high:.4g}]; "
                         f"divide positions in radians per pixel by 2 pi, or positions in 1/FOV units by the "
                         f"matrix size")
    return t
