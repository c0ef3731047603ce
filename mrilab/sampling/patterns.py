"""Every sampling pattern of the book by its name: ``mask("poisson_disc", (128, 128), 6, seed=0)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .cartesian import cartesian_mask
from .poisson_disc import poisson_disc_mask
from .variable_density import variable_density_mask

__all__ = ["PATTERNS", "mask"]

#: The patterns, their function, and whether they sample whole columns (2-D imaging) or points of
#: a phase-encode plane (3-D imaging).
PATTERNS = {
    "random": ("columns", cartesian_mask),
    "equispaced": ("columns", cartesian_mask),
    "regular": ("columns", cartesian_mask),
    "variable_density": ("columns", variable_density_mask),
    "poisson_disc": ("plane", poisson_disc_mask),
}


def mask(pattern: str, shape: tuple[int, int], acceleration: float, **options: Any) -> np.ndarray:
    """A mask of the named pattern; ``options`` go to its function.

    ``"random"``, ``"equispaced"`` and ``"regular"``: :func:`~mrilab.sampling.cartesian_mask`
    (``center_fraction``, ``rng``, ``offset``); ``"variable_density"``:
    :func:`~mrilab.sampling.variable_density_mask` (``center_fraction``, ``power``, ``rng``);
    ``"poisson_disc"``: :func:`~mrilab.sampling.poisson_disc_mask` (``seed``, ``calib``, ...).
    """
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {tuple(PATTERNS)}, got {pattern!r}")
    _, make = PATTERNS[pattern]
    if make is cartesian_mask:
        return cartesian_mask(shape, acceleration, pattern=pattern, **options)
    return make(shape, acceleration, **options)
