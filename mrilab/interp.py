"""Classical k-space filling: interpolation of the missing lines, and low-pass windows."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import get_window

from ._checks import as_array, as_stack, kspace_and_mask

__all__ = ["interpolate_kspace", "lowpass", "INTERPOLATION_METHODS", "WINDOWS"]

INTERPOLATION_METHODS = ("linear", "cubic", "radial")
WINDOWS = ("box", "hann", "hamming", "tukey")


def _along_columns(k: np.ndarray, mask: np.ndarray, method: str) -> np.ndarray:
    """Interpolate each row of one k-space image across its sampled columns."""
    cols = np.flatnonzero(mask.any(axis=0))
    if len(cols) < 2:
        return k * mask
    everywhere = np.arange(k.shape[-1])
    inside = (everywhere >= cols[0]) & (everywhere <= cols[-1])
    out = np.zeros_like(k)
    samples = k[:, cols]
    if method == "linear":
        for part in (np.real, np.imag):
            vals = np.stack([np.interp(everywhere[inside], cols, row) for row in part(samples)])
            out[:, inside] += vals if part is np.real else 1j * vals
    else:
        spline = CubicSpline(cols, samples, axis=1)
        out[:, inside] = spline(everywhere[inside])
    out[:, cols] = samples  # measured samples are kept exactly
    return out


def _radial(k: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Interpolate along the angle on each ring of constant radius around DC."""
    h, w = k.shape
    ky, kx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    radius = np.rint(np.hypot(ky, kx)).astype(int)
    angle = np.arctan2(ky, kx)
    out = k * mask
    for r in range(1, radius.max() + 1):
        ring = radius == r
        known = ring & mask
        unknown = ring & ~mask
        if not unknown.any() or known.sum() < 2:
            continue
        a_known = angle[known]
        order = np.argsort(a_known)
        a_known, v_known = a_known[order], k[known][order]
        a_unknown = angle[unknown]
        out[unknown] = (np.interp(a_unknown, a_known, v_known.real, period=2 * np.pi)
                        + 1j * np.interp(a_unknown, a_known, v_known.imag, period=2 * np.pi))
    return out


def interpolate_kspace(kspace: Any, mask: Any, *, method: str = "linear") -> np.ndarray:
    """Fill the unsampled k-space by interpolating the measured samples.

    Parameters
    ----------
    kspace : complex ndarray, shape (H, W) or (N, H, W)
        Undersampled centred k-space.
    mask : bool ndarray, shape (H, W) or (N, H, W)
        Where ``kspace`` was measured.
    method : {"linear", "cubic", "radial"}, keyword-only
        ``"linear"``: piecewise-linear interpolation along the phase-encode
        direction (each row, across the sampled columns; real and imaginary
        parts separately, :func:`numpy.interp`). ``"cubic"``: a cubic spline
        along the same direction (:class:`scipy.interpolate.CubicSpline`).
        In both, columns beyond the outermost sampled ones stay zero.
        ``"radial"``: in polar coordinates around DC, periodic linear
        interpolation along the angle on each ring of (rounded) constant
        radius, from the measured samples on that ring.

    Returns
    -------
    filled : complex128 ndarray, same shape as ``kspace``
        Measured samples are unchanged; the rest is interpolated.

    Notes
    -----
    k-space is smooth only where the image is small and smooth; the edges
    of an image make k-space oscillate at the scale of one sample, so
    interpolating between measured lines cannot predict the missing ones.
    The chapter on interpolation measures how little it helps.
    """
    if method not in INTERPOLATION_METHODS:
        raise ValueError(f"method must be one of {INTERPOLATION_METHODS}, got {method!r}")
    k3, m3 = as_stack(*kspace_and_mask(kspace, mask))
    k3 = k3.astype(np.complex128)
    fill = _radial if method == "radial" else lambda k, m: _along_columns(k, m, method)
    out = np.stack([fill(k, m) for k, m in zip(k3, m3)])
    return out.reshape(np.shape(kspace))


def lowpass(kspace: Any, *, window: str = "hann", width: float = 1.0, alpha: float = 0.5) -> np.ndarray:
    """Multiply centred k-space by a separable low-pass window.

    Parameters
    ----------
    kspace : complex ndarray, shape (..., H, W)
    window : {"box", "hann", "hamming", "tukey"}, keyword-only
        The 1-D window applied along both axes (:func:`scipy.signal.get_window`).
        ``"box"`` is a hard cut-off: it keeps the central ``width`` fraction
        unchanged and causes Gibbs ringing at edges; the tapered windows trade
        that ringing for blur.
    width : float in (0, 1], keyword-only
        Fraction of each axis the window spans (``2 * round(width * n / 2) + 1``
        samples centred on DC, so DC is kept exactly); zero outside.
    alpha : float, keyword-only
        Taper fraction of the Tukey window.

    Returns
    -------
    filtered : complex ndarray, same shape as ``kspace``
    """
    k = as_array(kspace, "kspace")
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}, got {window!r}")
    if not np.isscalar(width) or not (0 < width <= 1):
        raise ValueError(f"width must be in (0, 1] (fraction of k-space kept), got {width!r}")
    spec = "boxcar" if window == "box" else (("tukey", alpha) if window == "tukey" else window)
    profiles = []
    for n in k.shape[-2:]:
        # an odd-length window centred on the DC sample, so DC is kept exactly
        half = int(round(width * n / 2))
        win = get_window(spec, 2 * half + 1, fftbins=False) if half > 0 else np.ones(1)
        positions = n // 2 + np.arange(-half, half + 1)
        inside = (positions >= 0) & (positions < n)
        profile = np.zeros(n)
        profile[positions[inside]] = win[inside]
        profiles.append(profile)
    return k * np.outer(*profiles)
