"""What each receive coil sees: simulated sensitivity maps and coil noise.

A receive array of ``n_coils`` loops sits on a ring around the object. Coil ``c`` sees the
object weighted by its sensitivity ``S_c(r)``: large near the coil, small far from it, with a
phase that turns around the coil. :func:`ring_maps` draws such maps in the manner of SigPy's
``birdcage_maps`` (which, despite its name, is also a ring of independent receivers, not the
two coupled end rings of a birdcage coil), with one change: the magnitude falls as ``1 / d^2``
with the distance ``d`` from the coil rather than as ``1 / d``, and the ring is closer (1.2 half
fields of view rather than 1.5). Both are modelling choices, made so that 8 coils give a
g-factor like that of a clinical 8-channel head array (chapter 15 measures it): the ``1 / d``
model makes the coils so alike that SENSE fails beyond R = 2. A ``1 / d^2`` magnitude with the
phase of a single wire is a simplification of a loop's field, not a field computed from
Biot-Savart's law; what matters for the book is that the maps are smooth, which real maps are
for the reason the model is: they are quasi-static fields of conductors outside the object.

By default the maps are normalised to ``sum_c |S_c|^2 = 1`` in every pixel, the convention of
ESPIRiT maps. It is a convention, and it removes something real: an array's combined
sensitivity (and so its SNR) varies over the field of view, high near the coils and low in the
centre. Root-sum-of-squares images and maps estimated from the ACS of real data carry that
weighting; these simulated data do not, so their combined images have the same SNR everywhere.

Coil noise is complex Gaussian, independent between k-space samples but correlated between
coils: coils whose fields overlap pick up the same noise currents in the body (and couple
through mutual inductance). Its covariance ``Psi`` (C x C) is measured on a real scanner with
a noise-only scan. :func:`noise_covariance` gives the model used here: equal variances,
correlation ``rho`` between neighbouring coils falling as ``rho ** distance`` around the ring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_rng, positive_int
from ..phantom import pixel_grid  # pixel-centre coordinates, the same on every grid

__all__ = ["ring_maps", "birdcage_maps", "rss_normalise", "noise_covariance", "coil_noise",
           "simulate_coils"]

#: Default ring radius, in units of the half field of view (the FOV is [-1, 1] x [-1, 1]).
RING_RADIUS = 1.2
#: The magnitude of a map falls as ``1 / distance ** FALLOFF``.
FALLOFF = 2


def ring_maps(size: int, n_coils: int = 8, *, radius: float = RING_RADIUS, rotation: float = 0.0,
              normalise: bool = True) -> np.ndarray:
    """Sensitivity maps of ``n_coils`` receive coils equally spaced on a ring around the field of view.

    Parameters
    ----------
    size : int
        The maps are ``size x size``, sampled at pixel centres of the field of view [-1, 1]^2,
        so that the same maps on a finer grid sample the same smooth functions.
    n_coils : int
        Number of coils (1 to 64; clinical head arrays have 8 to 64).
    radius : float, keyword-only
        Radius of the ring in half fields of view; above 1, so that the coils sit outside the
        circle inscribed in the field of view that holds the object (the corners of the square
        field of view, outside the ring, hold no object).
    rotation : float, keyword-only
        Angle (radians) of the first coil; the others follow every ``2 pi / n_coils``.
    normalise : bool, keyword-only
        Divide by the root-sum-of-squares of the maps, so that ``sum_c |S_c|^2 = 1`` in every
        pixel (the convention of ESPIRiT maps and of the SENSE reconstructions here). Without
        it the maps are scaled so that their root-sum-of-squares is 1 at the centre.

    Returns
    -------
    maps : complex64 ndarray, shape (n_coils, size, size)
    """
    size = positive_int(size, "size", minimum=2)
    n_coils = positive_int(n_coils, "n_coils")
    if n_coils > 64:
        raise ValueError(f"n_coils must be at most 64, got {n_coils}; clinical arrays have 8 to 64 coils")
    if not np.isscalar(radius) or not np.isfinite(radius) or radius <= 1:
        raise ValueError(f"radius must be a number above 1 (in half fields of view: the coils sit outside the "
                         f"object), got {radius!r}; the default is {RING_RADIUS}")
    x, y = pixel_grid(size)
    angles = rotation + 2 * np.pi * np.arange(n_coils) / n_coils
    maps = np.empty((n_coils, size, size), dtype=np.complex128)
    for c, a in enumerate(angles):
        dx, dy = x - radius * np.cos(a), y - radius * np.sin(a)
        # magnitude 1/d^2 (module docstring); the receive phase turns with the direction from
        # the coil, measured from the coil's own orientation
        maps[c] = np.exp(1j * (np.arctan2(dy, dx) - a)) / np.hypot(dx, dy) ** FALLOFF
    if normalise:
        return rss_normalise(maps).astype(np.complex64)
    centre = np.sqrt(np.sum(np.abs(maps[:, size // 2, size // 2]) ** 2))
    return (maps / centre).astype(np.complex64)


def birdcage_maps(*args, **kwargs) -> np.ndarray:
    """Deprecated name of :func:`ring_maps` (the model is a ring of loops, not a birdcage coil)."""
    import warnings

    warnings.warn("birdcage_maps is deprecated and will be removed in the next release; use ring_maps "
                  "(the same maps: a ring of receive coils)", DeprecationWarning, stacklevel=2)
    return ring_maps(*args, **kwargs)


def rss_normalise(maps: np.ndarray, eps: float = 0.0) -> np.ndarray:
    """Maps divided by their root-sum-of-squares over the coil axis (0); zero where it is <= eps."""
    rss = np.sqrt(np.sum(np.abs(maps) ** 2, axis=0))
    return np.where(rss > eps, maps / np.where(rss > eps, rss, 1), 0)


def noise_covariance(n_coils: int, noise_std: float = 1.0, correlation: float = 0.0) -> np.ndarray:
    """Noise covariance ``Psi`` of a ring of coils: equal variances, correlation decaying around it.

    ``Psi[i, j] = 2 noise_std^2 * correlation ** d(i, j)`` with ``d`` the distance around the
    ring (``min(|i - j|, n - |i - j|)``): the covariance of complex noise whose real and
    imaginary parts each have standard deviation ``noise_std`` (as in the realistic preset).
    ``correlation=0`` (the default) is independent coils.
    """
    n_coils = positive_int(n_coils, "n_coils")
    if not np.isscalar(correlation) or not 0 <= correlation < 1:
        raise ValueError(f"correlation must be in [0, 1), got {correlation!r}; 0 means independent coils")
    if not np.isscalar(noise_std) or not noise_std >= 0:
        raise ValueError(f"noise_std must be a number >= 0, got {noise_std!r}")
    i = np.arange(n_coils)
    d = np.abs(i[:, None] - i[None, :])
    d = np.minimum(d, n_coils - d)
    return 2 * noise_std ** 2 * float(correlation) ** d


def coil_noise(rng: np.random.Generator | int | None, shape: tuple[int, ...], covariance: Any) -> np.ndarray:
    """Complex Gaussian noise of shape ``(..., C, H, W)`` with covariance ``covariance`` between coils.

    White noise ``w`` (real and imaginary parts each of variance 1/2) coloured by the Cholesky
    factor ``L`` of ``Psi = L L^H``: ``n = L w`` has ``E[n n^H] = Psi``.
    """
    psi = np.asarray(covariance)
    n_coils = shape[-3]
    if psi.shape != (n_coils, n_coils):
        raise ValueError(f"covariance must be {n_coils} x {n_coils} for {n_coils} coils (axis -3 of "
                         f"shape {shape}), got shape {psi.shape}")
    rng = as_rng(rng)
    white = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)
    if not psi.any():
        return np.zeros(shape, dtype=np.complex128)
    chol = np.linalg.cholesky(psi)
    return np.einsum("ij,...jhw->...ihw", chol, white)


def simulate_coils(images: Any, n_coils: int = 8, *, rng: np.random.Generator | int | None = 0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Coil k-space of complex images seen by a ring of coils, rotated at random per image.

    For images that exist only on the reconstruction grid (the real brain slices of chapter
    11): ``kspace_c = fft2c(S_c x)``, noise-free; add :func:`coil_noise` and a mask to measure.
    The multicoil dataset does the same on a finer grid (:mod:`mrilab.data`).

    Returns ``(kspace_full (N, C, H, W), maps (N, C, H, W))``, complex64.
    """
    from ..fourier import fft2c

    x = np.asarray(images)
    if x.ndim != 3 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"images must be a stack of square images (N, H, H), got shape {x.shape}")
    rng = as_rng(rng)
    maps = np.stack([ring_maps(x.shape[-1], n_coils, rotation=r)
                     for r in rng.uniform(0, 2 * np.pi / n_coils, size=len(x))])
    return fft2c(maps * x[:, None]).astype(np.complex64), maps
