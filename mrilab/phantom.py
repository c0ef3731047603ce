"""Shepp-Logan phantoms: the classic one and a family of random variations.

An ellipse is given by its intensity ``A`` (added inside it), semi-axes
``a, b``, centre ``(x0, y0)`` and rotation ``phi`` in degrees, all in the
coordinates of the square ``[-1, 1] x [-1, 1]`` with ``y`` pointing up.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_rng, positive_int

__all__ = ["pixel_grid", "ellipse_window", "shepp_logan", "random_phantom", "random_ellipses", "other_phantom", "other_ellipses", "rasterise",
           "MODIFIED_SHEPP_LOGAN"]

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


def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of a ``size x size`` grid on the field of view ``[-1, 1]^2``.

    Returns ``x`` (1, size), to the right, and ``y`` (size, 1), up (row 0 is the top of the
    image), which broadcast to the grid. The same smooth function sampled on a finer grid
    takes the same values at the same places, which the realistic data and the coil maps use.
    """
    c = (np.arange(size) - (size - 1) / 2) / (size / 2)
    return c[None, :], -c[:, None]


def ellipse_window(coords: np.ndarray, a: float, b: float, x0: float, y0: float, phi: float):
    """The pixels of an ellipse's bounding box and their coordinates along its axes.

    ``coords`` are the pixel centres along x (:func:`pixel_grid`; y is ``-coords``, row 0 the top). Returns
    ``(box, u, v)``: the slice of the image that the box (radius ``max(a, b)`` about the centre) covers and the
    coordinates there along the ellipse's own axes scaled by its semi-axes (inside where ``u^2 + v^2 <= 1``),
    or None when the box misses the grid. Only those pixels are computed.
    """
    r = max(a, b)
    cols = np.flatnonzero(np.abs(coords - x0) <= r)
    rows = np.flatnonzero(np.abs(-coords - y0) <= r)
    if not len(cols) or not len(rows):
        return None
    box = np.s_[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    x = coords[None, cols[0]:cols[-1] + 1]
    y = -coords[rows[0]:rows[-1] + 1, None]  # row 0 is the top of the image
    c, s = np.cos(np.deg2rad(phi)), np.sin(np.deg2rad(phi))
    u = ((x - x0) * c + (y - y0) * s) / a
    v = (-(x - x0) * s + (y - y0) * c) / b
    return box, u, v


def rasterise(ellipses: np.ndarray, size: int, *, slopes: np.ndarray | None = None) -> np.ndarray:
    """Sum the ellipses on a ``size x size`` grid of pixel centres (float64, not clipped).

    Parameters
    ----------
    ellipses : ndarray, shape (n, 6)
        One row per ellipse: intensity, semi-axes a and b, centre x0 and y0, angle
        (degrees), as in :data:`MODIFIED_SHEPP_LOGAN`.
    size : int
        Width and height of the grid covering ``[-1, 1] x [-1, 1]``.
    slopes : ndarray, shape (n, 2), keyword-only
        Optional linear intensity change inside each ellipse: ellipse ``i`` adds
        ``A_i + slopes[i, 0] * u + slopes[i, 1] * v``, where ``u, v`` in [-1, 1] are
        the coordinates along its own axes scaled by its semi-axes. Default: constant.
    """
    coords = pixel_grid(size)[0][0]  # x of the pixel centres; y is -coords (row 0 is the top)
    image = np.zeros((size, size), dtype=np.float64)
    for i, (amp, a, b, x0, y0, phi) in enumerate(ellipses):
        window = ellipse_window(coords, a, b, x0, y0, phi)
        if window is None:
            continue
        box, u, v = window
        inside = u ** 2 + v ** 2 <= 1.0
        if slopes is None or not np.any(slopes[i]):
            image[box] += amp * inside
        else:
            image[box] += np.where(inside, amp + slopes[i, 0] * u + slopes[i, 1] * v, 0.0)
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
    return np.clip(rasterise(MODIFIED_SHEPP_LOGAN, size), 0.0, 1.0).astype(np.float32)


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
    return np.clip(rasterise(random_ellipses(rng), size), 0.0, 1.0).astype(np.float32)


def random_ellipses(rng: np.random.Generator | int | None = None) -> np.ndarray:
    """The ellipse table of a random phantom (see :func:`random_phantom`).

    ``random_phantom(rng, size)`` rasterises exactly this table, drawn from the same
    random numbers, so a realistic phantom (:mod:`mrilab.data.realistic`) built from the
    same generator state has the same geometry as its seed counterpart.

    Returns
    -------
    ellipses : float64 ndarray, shape (10, 6)
        Rows as in :data:`MODIFIED_SHEPP_LOGAN`; row 0 is the skull, row 1 the brain
        (its intensity is ``brain - 1``), rows 2-3 the ventricles, rows 4-9 the small
        structures.
    """
    rng = as_rng(rng)
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
    return e


def other_phantom(rng: np.random.Generator | int | None = None, size: int = 128) -> np.ndarray:
    """A Shepp-Logan-style phantom from a different generator than :func:`random_phantom`.

    The same ten ellipses, perturbed in ways the study's generator never does: the
    whole head scaled by 0.7-1.0 and turned by any angle up to 90 degrees either way;
    the brain's intensity drawn from [0.05, 0.5]; each inner structure's intensity
    drawn from [0, 0.8] independently of the brain (so a "ventricle" may be brighter
    than the brain); semi-axes scaled by 0.6-1.4 and centres moved by up to 0.12.
    Used to test networks trained on :func:`random_phantom` outside their training
    family; nothing is ever trained on it.

    Parameters
    ----------
    rng : numpy Generator, int or None
    size : int, optional

    Returns
    -------
    phantom : float32 ndarray, shape (size, size), values in [0, 1]
    """
    size = positive_int(size, "size", minimum=8)
    return np.clip(rasterise(other_ellipses(rng), size), 0.0, 1.0).astype(np.float32)


def other_ellipses(rng: np.random.Generator | int | None = None) -> np.ndarray:
    """The ellipse table of :func:`other_phantom` (same draws), for the realistic simulation.

    Rows as in :func:`random_ellipses` (row 1 the brain, its intensity ``brain - 1``; the
    inner structures relative to the brain), so :func:`mrilab.data.realistic.simulate`
    takes it as it takes the study's tables.
    """
    rng = as_rng(rng)
    e = MODIFIED_SHEPP_LOGAN.copy()
    scale = rng.uniform(0.7, 1.0)
    turn = rng.uniform(-90.0, 90.0)
    brain = rng.uniform(0.05, 0.5)
    n = len(e) - 2
    level = rng.uniform(0.0, 0.8, n)
    e[:, 1:5] *= scale
    e[1, 0] = brain - 1.0
    e[2:, 0] = level - brain
    e[2:, 1:3] *= rng.uniform(0.6, 1.4, size=(n, 2))
    e[2:, 3:5] += rng.uniform(-0.12, 0.12, size=(n, 2))
    # turn the whole head about the centre of the field of view
    c, s_ = np.cos(np.deg2rad(turn)), np.sin(np.deg2rad(turn))
    x0, y0 = e[:, 3].copy(), e[:, 4].copy()
    e[:, 3], e[:, 4] = c * x0 - s_ * y0, s_ * x0 + c * y0
    e[:, 5] += turn
    return e
