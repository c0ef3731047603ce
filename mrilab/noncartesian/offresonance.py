"""Off-resonance in long readouts: the signal model, and its correction by time-segmented conjugate phase.

A spin whose resonance is off by ``f(r)`` hertz (a field inhomogeneity, or the chemical shift of fat) gains
the phase ``2 pi f(r) t`` by the time ``t`` a sample is read. The signal is then not the Fourier sum of the
image but::

    y_m = sum_r x(r) exp(-2 pi i k_m . r) exp(-2 pi i f(r) t_m)

A Cartesian readout of a few milliseconds moves each pixel a little along the readout. A spiral reads for
tens of milliseconds and along every direction, so a pixel off resonance is smeared into a ring: the image
**blurs**. Knowing the field map ``f`` (from two echoes), the classic correction is **conjugate phase**
(Noll, Meyer, Pauly, Nishimura and Macovski, IEEE TMI 10:629-637, 1991): undo each pixel's phase before
summing, ``x(r) = sum_m w_m y_m exp(+2 pi i k_m . r) exp(+2 pi i f(r) t_m)``. That sum is no longer an
FFT, so it is **time-segmented**: the readout is cut into ``L`` segments, the phase ``f(r) t`` is taken
at each segment's centre time ``t_l``, and each segment is an ordinary adjoint NUFFT, demodulated by
``exp(+2 pi i f(r) t_l)``. Its error grows with ``|f| (t - t_l)``, so ``L`` must keep ``|f|_max`` times
half a segment's duration well below one cycle. :func:`off_resonance_kdata` simulates the signal the
same way with many segments (the exact sum is ``M x H W``; a unit test compares the two on a small
problem). Iterative model-based correction (Sutton, Noll and Fessler 2003) uses the same segmented
operator inside CG; the chapters do not need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import positive_int
from .nufft import check_shape, nufft, nufft_adjoint
from .trajectory import check_trajectory

__all__ = ["off_resonance_kdata", "conjugate_phase", "segment_times"]


def _check(traj: Any, times: Any, field_map: Any, shape: tuple[int, int] | None = None):
    t = check_trajectory(traj)
    tm = np.asarray(times, dtype=float).ravel()
    if tm.shape != (len(t),) or not np.all(np.isfinite(tm)):
        raise ValueError(f"times must give one finite readout time (seconds) per sample of traj ({len(t)}), got shape "
                         f"{np.shape(times)}; for interleaves of n samples read every dt seconds pass "
                         f"np.tile(np.arange(n) * dt, n_interleaves)")
    f = np.asarray(field_map, dtype=float)
    if f.ndim != 2 or (shape is not None and f.shape != shape) or not np.all(np.isfinite(f)):
        raise ValueError(f"field_map must be a finite (H, W) map of off-resonance in hertz{'' if shape is None else f' with (H, W) = {shape}'}, "
                         f"got shape {f.shape}")
    return t, tm, f


def segment_times(times: Any, segments: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut the readout times into ``segments`` equal intervals: each sample's segment and each segment's centre time."""
    tm = np.asarray(times, dtype=float).ravel()
    segments = positive_int(segments, "segments")
    lo, hi = float(tm.min()), float(tm.max())
    edges = np.linspace(lo, hi, segments + 1)
    which = np.clip(np.searchsorted(edges, tm, side="right") - 1, 0, segments - 1)
    return which, (edges[:-1] + edges[1:]) / 2


def off_resonance_kdata(image: Any, traj: Any, times: Any, field_map: Any, *, segments: int = 64) -> np.ndarray:
    """The samples of ``image`` (H, W) at ``traj`` read at ``times`` (s) with the off-resonance ``field_map`` (Hz).

    Time-segmented with ``segments`` segments (module docstring): accurate when ``|f|_max`` times half a
    segment is small (64 segments of a 20 ms readout at 100 Hz: a phase error of at most
    100 Hz x 20 ms / 128 = 0.016 cycles, 0.1 rad).
    Returns complex128 ``(M,)``.
    """
    x = np.asarray(image)
    t, tm, f = _check(traj, times, field_map, x.shape)
    which, centres = segment_times(tm, segments)
    y = np.zeros(len(t), dtype=np.complex128)
    for seg, tc in enumerate(centres):
        idx = np.flatnonzero(which == seg)
        if len(idx):
            y[idx] = nufft(x * np.exp(-2j * np.pi * f * tc), t[idx])
    return y


def conjugate_phase(kdata: Any, traj: Any, times: Any, field_map: Any, shape: Any, *, weights: Any = None,
                    segments: int = 8) -> np.ndarray:
    """Time-segmented conjugate-phase reconstruction: ``sum_l exp(2 pi i f t_l) A_l^H (w y)_l`` (module docstring).

    Parameters
    ----------
    kdata : complex ndarray (M,)
    traj : ndarray (..., M, 2), cycles per pixel
    times : ndarray (M,) or the trajectory's shape without its last axis
        Each sample's readout time in seconds (from the excitation, or from the start of the readout:
        a common offset only adds a constant phase per pixel).
    field_map : ndarray (H, W)
        Off-resonance in hertz; zeros give the gridding image.
    shape : (H, W)
    weights : ndarray (M,), keyword-only
        Density compensation (:func:`~mrilab.noncartesian.density_compensation`); none by default.
    segments : int, keyword-only
        Time segments ``L``.

    Returns
    -------
    image : complex128 ndarray (H, W)
    """
    h, w = check_shape(shape)
    t, tm, f = _check(traj, times, field_map, (h, w))
    y = np.asarray(kdata).ravel()
    if y.shape != (len(t),):
        raise ValueError(f"kdata must hold the {len(t)} samples of traj, got shape {np.shape(kdata)}")
    if weights is not None:
        y = y * np.asarray(weights, dtype=float).ravel()
    which, centres = segment_times(tm, segments)
    out = np.zeros((h, w), dtype=np.complex128)
    for seg, tc in enumerate(centres):
        idx = np.flatnonzero(which == seg)
        if len(idx):
            out += np.exp(2j * np.pi * f * tc) * nufft_adjoint(y[idx], t[idx], (h, w))
    return out
