"""Shepp-Logan phantoms: the classic one and a family of random variations.

An ellipse is given by its intensity ``A`` (added inside it), semi-axes
``a, b``, centre ``(x0, y0)`` and rotation ``phi`` in degrees, all in the
coordinates of the square ``[-1, 1] x [-1, 1]`` with ``y`` pointing up.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_rng, positive_int

__all__ = ["shepp_logan", "random_phantom", "MODIFIED_SHEPP_LOGAN"]

#: The modified Shepp-Logan phantom (Toft 1996), one row per ellipse:
#: intensity, semi-axis a, semi-axis b, centre x0, centre y0, angle (degrees).
MODIFIED_SHEPP_LOGAN = np.array([
    [1.00, 0.6900, 0.9200, 0.00, 0.0000, 0.0],
    [-0.80, 0.6624, 0.8740, 0.00, -0.0184, 0.0],
    [-0.20, 0.1100, 0.3100, 0.22, 0.0000, -18.0],
    [-0.20, 0.1600, 0.4100, -0.22, 0.0000, 18.0],
    [0.10, 0.2100, 0.2500, 0.00, 0.3500, 0.0],
    [0.10, 0.0460, 0.0460, 0.00, 0.1000, 0.0],
    [0.10, 0.0460, 0.0460, 0.00, -0.1000, 0.0],
    [0.10, 0.0460, 0.0230, -0.08, -0.6050, 0.0],
    [0.10, 0.0230, 0.0230, 0.00, -0.6060, 0.0],
    [0.10, 0.0230, 0.0460, 0.06, -0.6050, 0.0],
])


def _rasterise(ellipses: np.ndarray, size: int) -> np.ndarray:
    """Sum the ellipses on a ``size x size`` grid of pixel centres."""
    coords = (np.arange(size) - (size - 1) / 2) / (size / 2)
    x = coords[None, :]
    y = -coords[:, None]  # row 0 is the top of the image
    image = np.zeros((size, size), dtype=np.float64)
    for amp, a, b, x0, y0, phi in ellipses:
        c, s = np.cos(np.deg2rad(phi)), np.sin(np.deg2rad(phi))
        xr = (x - x0) * c + (y - y0) * s
        yr = -(x - x0) * s + (y - y0) * c
        image += amp * ((xr / a) ** 2 + (yr / b) ** 2 <= 1.0)
    return image


def shepp_logan(size: int = 128) -> np.ndarray:
    """The modified Shepp-Logan head phantom.

    Parameters
    ----------
    size : int, optional
        Width and height in pixels.

    Returns
    -------
    phantom : float32 ndarray, shape (size, size)
        Values in [0, 1]: 1 on the skull, 0.2 for brain, 0 in the ventricles.

    References
    ----------
    Shepp & Logan (1974); the contrast-enhanced version of Toft (1996).
    """
    size = positive_int(size, "size", minimum=8)
    return np.clip(_rasterise(MODIFIED_SHEPP_LOGAN, size), 0.0, 1.0).astype(np.float32)


def random_phantom(rng: np.random.Generator | int | None = None, size: int = 128) -> np.ndarray:
    """A random Shepp-Logan-style phantom.

    Starting from :data:`MODIFIED_SHEPP_LOGAN`, the head (skull and brain)
    is stretched by up to 10 % per axis and turned by up to 5 degrees; each of
    the eight inner structures gets a new intensity (ventricles darker than
    brain, the other structures brighter), semi-axes scaled by 0.7-1.3, its
    centre moved by up to 0.06 and its angle turned by up to 20 degrees. The
    skull keeps intensity 1, so every phantom spans [0, 1].

    Parameters
    ----------
    rng : numpy Generator, int or None
        Source of randomness; pass the same Generator state (or seed) to get
        the same phantom. The global numpy random state is never used.
    size : int, optional
        Width and height in pixels.

    Returns
    -------
    phantom : float32 ndarray, shape (size, size), values in [0, 1]

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = random_phantom(rng)
    >>> p.shape, float(p.min()), float(p.max())
    ((128, 128), 0.0, 1.0)
    """
    rng = as_rng(rng)
    size = positive_int(size, "size", minimum=8)
    e = MODIFIED_SHEPP_LOGAN.copy()
    # The head: skull and brain stretched and turned together.
    sx, sy = rng.uniform(0.9, 1.05, size=2)
    turn = rng.uniform(-5.0, 5.0)
    brain = rng.uniform(0.1, 0.3)  # brain intensity (0.2 in the original)
    e[0:2, 1] *= sx
    e[0:2, 2] *= sy
    e[0:2, 5] += turn
    e[1, 4] *= sy
    e[1, 0] = brain - 1.0
    # Inner structures: new intensities, sizes, positions and angles.
    inner = slice(2, 10)
    n = 8
    ventricle = np.array([True, True] + [False] * 6)
    level = np.where(ventricle, rng.uniform(0.0, 0.6, n) * brain,
                     brain + rng.uniform(0.05, 0.45, n))
    e[inner, 0] = level - brain
    e[inner, 1:3] *= rng.uniform(0.7, 1.3, size=(n, 2))
    e[inner, 3] = e[inner, 3] * sx + rng.uniform(-0.06, 0.06, n)
    e[inner, 4] = e[inner, 4] * sy + rng.uniform(-0.06, 0.06, n)
    e[inner, 5] += turn + rng.uniform(-20.0, 20.0, n)
    return np.clip(_rasterise(e, size), 0.0, 1.0).astype(np.float32)
