"""Cartesian column masks: random, equispaced and regular.

A mask samples whole phase-encode lines, which in this book are the columns
of k-space (the last axis, ``W``). Its semantics are exact and measurable:

* the fully sampled centre (the auto-calibration signal, ACS) is a block of
  ``round(W * center_fraction)`` adjacent columns that contains the DC column
  ``W // 2``;
* the mask samples exactly ``round(W / acceleration)`` columns in total, the
  ACS included, so that the nominal acceleration and the effective
  acceleration ``W / n_sampled`` agree up to that rounding.

The exception is ``pattern="regular"``, the convention of parallel imaging (Part V): every
``R``-th column through DC plus the ACS block, so the lattice that SENSE and GRAPPA unfold is
exact and the effective acceleration is below ``R`` (the ACS columns off the lattice come
on top).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, as_rng, describe

__all__ = ["cartesian_mask", "effective_acceleration", "acs_columns", "point_spread_function"]

_PATTERNS = ("random", "equispaced", "regular")


def _check_shape(shape: Any) -> tuple[int, int]:
    try:
        dims = tuple(int(s) for s in shape)
        ok = len(dims) == 2 and all(d == s for d, s in zip(dims, shape))
    except (TypeError, ValueError):
        ok = False
    if not ok or min(dims) < 1:
        raise ValueError(f"shape must be a 2-D shape (H, W) of positive integers, got {shape!r}; "
                         f"for a stack of images make one mask per image")
    return dims  # type: ignore[return-value]


def acs_columns(width: int, center_fraction: float) -> np.ndarray:
    """Indices of the ACS block: ``round(width * center_fraction)`` columns around ``width // 2``."""
    n_acs = int(round(width * center_fraction))
    start = width // 2 - n_acs // 2
    return np.arange(start, start + n_acs)


def cartesian_mask(shape: tuple[int, int], acceleration: float = 4, center_fraction: float = 0.08,
                   *, pattern: str = "random",
                   rng: np.random.Generator | int | None = None, offset: int = 0) -> np.ndarray:
    """Boolean Cartesian mask that samples whole phase-encode columns.

    Parameters
    ----------
    shape : tuple of int (H, W)
        Shape of one k-space image; columns (the last axis) are phase encodes.
    acceleration : float, optional
        Nominal acceleration ``R >= 1``. Exactly ``round(W / R)`` columns are
        sampled, the ACS included.
    center_fraction : float in [0, 1), optional
        Fraction of columns in the fully sampled centre block (ACS), which
        always contains the DC column ``W // 2``. ``round(W * center_fraction)``
        must not exceed the line budget ``round(W / R)``.
    pattern : {"random", "equispaced"}, keyword-only
        ``"random"`` draws the remaining columns uniformly without replacement
        (incoherent aliasing); ``"equispaced"`` takes them from a regular grid
        of columns through DC with the integer spacing
        ``(W - n_acs) // (n_lines - n_acs)`` (coherent aliasing), those nearest
        the centre first, and is deterministic. ``"regular"`` samples every ``R``-th column
        through DC (``acceleration`` must be an integer) and the ACS on top: the pattern of
        parallel imaging, whose effective acceleration is below ``R``.
    rng : numpy Generator, int or None, keyword-only
        Randomness for ``"random"``; ignored by ``"equispaced"``.
    offset : int, keyword-only
        ``"regular"`` only: the lattice's offset from DC, so that the columns ``W // 2 + offset + k R``
        are sampled (0, the default, puts a lattice column on DC). Every offset from 0 to R - 1 gives
        the same acceleration with another folding pattern.

    Returns
    -------
    mask : bool ndarray, shape (H, W)
        True where k-space is sampled; every row is the same.

    Raises
    ------
    ValueError
        If ``acceleration < 1``, ``center_fraction`` is outside [0, 1), the ACS is
        wider than the line budget, ``shape`` is not 2-D or ``pattern`` is unknown.

    Examples
    --------
    >>> m = cartesian_mask((128, 128), 4, 0.08, rng=0)
    >>> int(m[0].sum()), effective_acceleration(m)
    (32, 4.0)
    """
    height, width = _check_shape(shape)
    if not np.isscalar(acceleration) or not np.isfinite(acceleration) or acceleration < 1:
        raise ValueError(f"acceleration must be a number >= 1 (1 means fully sampled), got "
                         f"{acceleration!r}")
    if not np.isscalar(center_fraction) or not (0 <= center_fraction < 1):
        raise ValueError(f"center_fraction must be in [0, 1), got {center_fraction!r}; "
                         f"0.08 samples the central 8 % of the columns")
    if pattern not in _PATTERNS:
        raise ValueError(f"pattern must be one of {_PATTERNS}, got {pattern!r}")
    if offset and pattern != "regular":
        raise ValueError(f"offset moves the lattice of pattern='regular' only, got offset={offset!r} with "
                         f"pattern={pattern!r}")
    acs = acs_columns(width, center_fraction)
    if pattern == "regular":
        if float(acceleration) != int(acceleration):
            raise ValueError(f"pattern='regular' samples every R-th column, so acceleration must be an "
                             f"integer, got {acceleration!r}; round it or use pattern='equispaced'")
        if int(offset) != offset:
            raise ValueError(f"offset must be an integer number of columns, got {offset!r}")
        columns = (np.arange(width) - width // 2 - int(offset)) % int(acceleration) == 0
        columns[acs] = True
        return np.broadcast_to(columns, (height, width)).copy()
    n_lines = max(1, int(round(width / acceleration)))
    if len(acs) > n_lines:
        raise ValueError(
            f"center_fraction={center_fraction} gives an ACS of {len(acs)} columns, wider than the "
            f"line budget round(W / acceleration) = {n_lines} for W={width} and "
            f"acceleration={acceleration}; lower center_fraction to at most "
            f"{n_lines / width:.3f} or lower the acceleration")
    columns = np.zeros(width, dtype=bool)
    columns[acs] = True
    n_outer = n_lines - len(acs)
    if n_outer > 0:
        if pattern == "random":
            outer = np.flatnonzero(~columns)
            chosen = as_rng(rng).choice(outer, size=n_outer, replace=False)
        else:
            chosen = _equispaced_columns(width, columns, n_outer)
        columns[chosen] = True
    return np.broadcast_to(columns, (height, width)).copy()


def _equispaced_columns(width: int, acs: np.ndarray, n: int) -> np.ndarray:
    """``n`` columns outside the ACS on a regular grid through DC, the ones nearest the centre."""
    spacing = max(1, (width - int(acs.sum())) // n)
    while True:
        grid = width // 2 + spacing * np.arange(-(width // spacing) - 1, width // spacing + 2)
        grid = grid[(grid >= 0) & (grid < width)]
        grid = grid[~acs[grid]]
        if len(grid) >= n or spacing == 1:
            break
        spacing -= 1
    # nearest the centre first; at equal distance the right-hand column first
    order = np.lexsort((-grid, np.abs(grid - width // 2)))
    return np.sort(grid[order[:n]])


def effective_acceleration(mask: Any) -> float:
    """Measured acceleration ``W / (number of sampled columns)`` of a column mask.

    Parameters
    ----------
    mask : bool ndarray, shape (H, W) or (N, H, W)
        One mask, or a stack (the mean acceleration over the stack is returned).

    Returns
    -------
    R : float
        ``mask.size / mask.sum()``: the total over the number sampled.
    """
    arr = as_array(mask, "mask", min_ndim=2, allow_complex=False)
    n = int(np.count_nonzero(arr))
    if n == 0:
        raise ValueError(f"mask samples nothing ({describe(arr)} is all False); a mask from "
                         f"cartesian_mask always samples at least one column")
    return float(arr.size / n)


def point_spread_function(mask: Any) -> np.ndarray:
    """Point spread function of a sampling mask: ``ifft2c(mask)``, scaled to 1 at the centre.

    Zero-filled reconstruction convolves the true image with this function,
    so its side lobes are the aliasing pattern the mask makes.

    Parameters
    ----------
    mask : bool ndarray, shape (..., H, W)

    Returns
    -------
    psf : complex ndarray, shape (..., H, W), value 1 at index (H // 2, W // 2)
    """
    from ..fourier import ifft2c

    arr = as_array(mask, "mask", min_ndim=2, allow_complex=False).astype(np.float32)
    psf = ifft2c(arr)
    h, w = arr.shape[-2:]
    centre = psf[..., h // 2, w // 2][..., None, None]
    if np.any(centre == 0):
        raise ValueError("mask samples nothing, so its point spread function is zero")
    return psf / centre
