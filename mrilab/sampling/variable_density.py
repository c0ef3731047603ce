"""Variable-density random column masks.

Most of an image's energy sits near the centre of k-space, so a random mask that samples the
centre more densely than the edges aliases less of it. Lustig, Donoho and Pauly (2007) draw
such masks from a polynomial density: the probability of sampling a phase encode at distance
``|k|`` from DC (normalised to 1 at the edge of k-space) is ``(1 - |k|) ** power``, raised by a
constant and clipped to 1 until the probabilities add up to the number of lines to measure.
``power = 0`` is the uniform density of :func:`~mrilab.sampling.cartesian_mask`'s ``"random"``
pattern; larger powers put more of the lines near the centre.

Here the fully sampled centre (the ACS) comes first, as in :func:`cartesian_mask`, and the line
count is exact: the columns outside the ACS are drawn without replacement with weights given by
the density. (Drawing without replacement makes the inclusion probabilities follow the density
closely where it is well below 1, not exactly: the count, not the expectation, is what a
protocol fixes.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_rng
from .cartesian import _check_shape, acs_columns

__all__ = ["variable_density_pdf", "variable_density_mask"]


def _check_power(power: Any) -> float:
    if not np.isscalar(power) or not np.isfinite(power) or power < 0:
        raise ValueError(f"power must be a number >= 0 (0 is the uniform density, 2 to 4 are usual), got {power!r}")
    return float(power)


def variable_density_pdf(width: int, acceleration: float = 4, center_fraction: float = 0.08, *,
                         power: float = 2.0) -> np.ndarray:
    """The probability of sampling each column: 1 on the ACS, and outside it
    ``min(1, (1 - |k|) ** power + c)``, with ``|k|`` the distance from DC (``width // 2``)
    normalised to 1 at the farthest column, and ``c >= 0`` found by bisection so that the
    probabilities add up to the line budget ``round(width / acceleration)``.

    Parameters
    ----------
    width : int
        Number of phase-encode columns.
    acceleration : float
        ``R >= 1``; the budget is ``round(width / R)`` columns, the ACS included.
    center_fraction : float in [0, 1)
        The ACS, as in :func:`~mrilab.sampling.cartesian_mask`.
    power : float >= 0, keyword-only
        The polynomial's exponent (Lustig et al. 2007).

    Returns
    -------
    pdf : float ndarray, shape (width,), values in [0, 1] adding up to the budget
    """
    (_, width), power = _check_shape((1, width)), _check_power(power)
    if not np.isscalar(acceleration) or not np.isfinite(acceleration) or acceleration < 1:
        raise ValueError(f"acceleration must be a number >= 1, got {acceleration!r}")
    if not np.isscalar(center_fraction) or not (0 <= center_fraction < 1):
        raise ValueError(f"center_fraction must be in [0, 1), got {center_fraction!r}")
    acs = acs_columns(width, center_fraction)
    n_lines = max(1, int(round(width / acceleration)))
    if len(acs) > n_lines:
        raise ValueError(f"center_fraction={center_fraction} gives an ACS of {len(acs)} columns, more than the "
                         f"{n_lines} columns that R = {acceleration} allows for {width} columns; lower "
                         f"center_fraction to at most {n_lines / width:.3f} or lower the acceleration")
    k = np.abs(np.arange(width) - width // 2) / max(width // 2, width - 1 - width // 2, 1)
    base = (1 - k) ** power
    outer = np.ones(width, dtype=bool)
    outer[acs] = False
    need = n_lines - len(acs)
    pdf = np.zeros(width)
    if need > 0:
        lo, hi = 0.0, 1.0    # c = 1 samples every column outside the ACS
        for _ in range(100):
            c = (lo + hi) / 2
            if np.minimum(base[outer] + c, 1).sum() > need:
                hi = c
            else:
                lo = c
        pdf[outer] = np.minimum(base[outer] + hi, 1)
        pdf[outer] *= need / pdf[outer].sum()    # the last bit of the bisection, exactly
    pdf[acs] = 1.0
    return np.clip(pdf, 0, 1)


def variable_density_mask(shape: tuple[int, int], acceleration: float = 4, center_fraction: float = 0.08, *,
                          power: float = 2.0, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """A variable-density random column mask with exactly ``round(W / R)`` columns.

    The ACS block of :func:`~mrilab.sampling.cartesian_mask`, then the remaining columns drawn
    without replacement with weights :func:`variable_density_pdf`.

    Parameters
    ----------
    shape : tuple of int (H, W)
    acceleration, center_fraction : float
        As for :func:`~mrilab.sampling.cartesian_mask`.
    power : float >= 0, keyword-only
        The density's exponent; 0 draws uniformly, as the ``"random"`` pattern does.
    rng : numpy Generator, int or None, keyword-only

    Returns
    -------
    mask : bool ndarray, shape (H, W), every row the same

    Examples
    --------
    >>> m = variable_density_mask((128, 128), 8, 0.08, power=3, rng=0)
    >>> int(m[0].sum())
    16
    """
    height, width = _check_shape(shape)
    pdf = variable_density_pdf(width, acceleration, center_fraction, power=power)
    columns = np.zeros(width, dtype=bool)
    columns[acs_columns(width, center_fraction)] = True
    n_outer = max(1, int(round(width / acceleration))) - int(columns.sum())
    if n_outer > 0:
        outer = np.flatnonzero(~columns)
        w = pdf[outer]
        chosen = as_rng(rng).choice(outer, size=n_outer, replace=False, p=w / w.sum())
        columns[chosen] = True
    return np.broadcast_to(columns, (height, width)).copy()
