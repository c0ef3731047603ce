"""Objects that are not ellipses: a test family far from the training phantoms, and domain randomisation.

Every network of Parts III-V was trained on one generator, ten ellipses in a Shepp-Logan
layout. Chapter 10's "other" phantoms perturb that layout and keep the ellipses, so they are
close to it. This module draws two families that share nothing with it but the field of view:

:func:`polygon_object` (a **test** family: nothing is trained on it)
    A head whose skull is a polygon of 7-12 vertices, thicker than the study's (6-10 % of
    the field of view against 2 %) and off centre by up to 0.12; inside, 6-10 random
    polygons (3-6 vertices, straight edges and corners, which no ellipse has) at
    intensities drawn independently of the brain's; a texture four times coarser than the
    realistic preset's (correlation 4 pixels of the reconstruction grid) and twice as strong
    (6 %); a bias field of 25 % (the preset's is 10 %).
:func:`randomized_object` (a **training** family, "domain randomisation" in the sense of
    Tobin et al., IROS 2017: make the synthetic family so varied that real data look like one
    more variation)
    A star-shaped head outline (a circle whose radius is modulated by random harmonics 2-5,
    squeezed and moved at random), with or without a bright rim of random thickness;
    inside, two to five layers of regions, each the set where a smooth Gaussian random field
    exceeds a random quantile, at a random correlation length from 1 % to 12.5 % of the field
    of view, which gives curved, folded or blotchy boundaries at every scale; a
    multiplicative smooth field of up to 30 %; a texture at a random scale (0.5-4 pixels of
    the reconstruction grid) and strength (0-8 %).

Both return the magnitude object on a grid of any size (the fine grid of the realistic
simulation: :func:`mrilab.data.realistic.acquire` adds the phase and crops k-space to the
reconstruction grid, so there is no inverse crime), and both take every random number from
the generator they are given, in a fixed order. The polygon family's own texture and bias
replace the preset's; phase, oversampling and noise stay the preset's.
(``generate(..., family="polygons")`` and ``family="randomized"``.)
"""

from __future__ import annotations

import numpy as np

from .._checks import as_rng, positive_int
from ..phantom import pixel_grid

__all__ = ["polygon_object", "randomized_object", "gaussian_field", "IMAGE_FAMILIES", "PIXEL"]

#: A pixel of the book's 128 x 128 reconstruction grid in the coordinates of the field of view
#: (``[-1, 1]``): the unit of the texture scales above, whatever grid an object is drawn on.
PIXEL = 2 / 128


def gaussian_field(rng: np.random.Generator, size: int, correlation: float) -> np.ndarray:
    """A smooth Gaussian random field of zero mean and unit standard deviation.

    White noise filtered (through the FFT, periodic) by a Gaussian whose standard deviation
    is ``correlation`` in the coordinates of :func:`mrilab.phantom.pixel_grid` (the field of
    view is ``[-1, 1]``, 2 long), so that a correlation means the same on every grid size.
    """
    f = np.fft.fftfreq(size) * size / 2           # cycles per unit of the coordinates
    transfer = np.exp(-2 * np.pi ** 2 * correlation ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    field = np.fft.ifft2(np.fft.fft2(rng.standard_normal((size, size))) * transfer).real
    return (field - field.mean()) / max(field.std(), 1e-12)


def _polygon_mask(x, y, vertices: np.ndarray) -> np.ndarray:
    """Points of the grid inside a simple polygon (even-odd rule)."""
    inside = np.zeros(np.broadcast(x, y).shape, dtype=bool)
    n = len(vertices)
    for i in range(n):
        (x1, y1), (x2, y2) = vertices[i], vertices[(i + 1) % n]
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < at)
    return inside


def _star_polygon(rng, n, radius, jitter, centre):
    """``n`` vertices at jittered, evenly spread angles, radii ``radius`` times ``1 +- jitter``."""
    angles = 2 * np.pi * (np.arange(n) + rng.uniform(-0.3, 0.3, n)) / n + rng.uniform(0, 2 * np.pi)
    radii = radius * (1 + rng.uniform(-jitter, jitter, n))
    return np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], axis=1)


def polygon_object(rng: np.random.Generator | int | None, size: int) -> np.ndarray:
    """A head of polygons (module docstring): magnitude on a ``size x size`` grid, maximum about 1.

    Parameters
    ----------
    rng : numpy Generator, int or None
    size : int
        Grid size (the fine grid of a realistic simulation: 4 x the reconstruction grid).

    Returns
    -------
    float32 ndarray, shape (size, size), values >= 0
    """
    rng, size = as_rng(rng), positive_int(size, "size", minimum=8)
    x, y = pixel_grid(size)
    centre = rng.uniform(-0.12, 0.12, 2)
    outer = _star_polygon(rng, int(rng.integers(7, 13)), rng.uniform(0.72, 0.84), 0.06, centre)
    thickness = rng.uniform(0.06, 0.10)
    shrink = 1 - thickness / np.linalg.norm(outer - centre, axis=1).min()
    inner = centre + (outer - centre) * shrink
    image = np.where(_polygon_mask(x, y, outer), 1.0, 0.0)
    brain = _polygon_mask(x, y, inner)
    image[brain] = rng.uniform(0.2, 0.5)
    reach = 0.8 * np.linalg.norm(inner - centre, axis=1).min()
    for _ in range(int(rng.integers(6, 11))):
        n = int(rng.integers(3, 7))
        r = rng.uniform(0.06, 0.22)
        where = centre + (reach - r) * np.sqrt(rng.uniform()) * np.array([np.cos(t := rng.uniform(0, 2 * np.pi)), np.sin(t)])
        part = _polygon_mask(x, y, _star_polygon(rng, n, r, 0.4, where)) & brain
        image[part] = rng.uniform(0.0, 0.9)
    texture = gaussian_field(rng, size, 4 * PIXEL)
    bias = gaussian_field(rng, size, 0.5)
    bias = bias / max(np.abs(bias).max(), 1e-12)
    image = image * (1 + 0.06 * texture) * (1 + 0.25 * bias)
    return np.clip(image, 0.0, None).astype(np.float32)


def randomized_object(rng: np.random.Generator | int | None, size: int) -> np.ndarray:
    """A domain-randomised head (module docstring): magnitude on a ``size x size`` grid.

    Parameters
    ----------
    rng : numpy Generator, int or None
    size : int
        Grid size (the fine grid of a realistic simulation).

    Returns
    -------
    float32 ndarray, shape (size, size), values >= 0
    """
    rng, size = as_rng(rng), positive_int(size, "size", minimum=8)
    x, y = pixel_grid(size)
    centre = rng.uniform(-0.1, 0.1, 2)
    squeeze = rng.uniform(0.75, 1.0, 2)
    u, v = (x - centre[0]) / squeeze[0], (y - centre[1]) / squeeze[1]
    theta, rho = np.arctan2(v, u), np.hypot(u, v)
    harmonics = np.arange(2, 6)
    amps, phases = rng.uniform(-0.06, 0.06, 4), rng.uniform(0, 2 * np.pi, 4)
    outline = rng.uniform(0.6, 0.88) * (1 + sum(a * np.cos(k * theta + p) for k, a, p in zip(harmonics, amps, phases)))
    head = rho < outline
    image = np.where(head, rng.uniform(0.1, 0.6), 0.0)
    if rng.uniform() < 0.7:  # a bright rim (skull, scalp fat) of random thickness
        rim = head & (rho > outline * (1 - rng.uniform(0.03, 0.12)))
        image[rim] = rng.uniform(0.5, 1.0)
        inside = head & ~rim
    else:
        inside = head
    for _ in range(int(rng.integers(2, 6))):
        field = gaussian_field(rng, size, float(np.exp(rng.uniform(np.log(0.02), np.log(0.25)))))
        region = inside & (field > np.quantile(field, rng.uniform(0.4, 0.85)))
        image[region] = rng.uniform(0.0, 1.0)
    smooth = gaussian_field(rng, size, rng.uniform(0.3, 0.6))
    smooth = smooth / max(np.abs(smooth).max(), 1e-12)
    image = image * (1 + rng.uniform(0.0, 0.3) * smooth)
    pixels = float(np.exp(rng.uniform(np.log(0.5), np.log(4.0))))  # texture scale, in PIXEL
    texture = gaussian_field(rng, size, pixels * PIXEL)
    image = image * (1 + rng.uniform(0.0, 0.08) * texture)
    return np.clip(image, 0.0, None).astype(np.float32)


#: The families of objects drawn as images (not ellipse tables) by :func:`mrilab.data.generate`.
IMAGE_FAMILIES = {"polygons": polygon_object, "randomized": randomized_object}
