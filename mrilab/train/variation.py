"""What a single-coil scan varies that the realistic phantoms do not: size, orientation, shading, phase, noise.

Chapter 24 measures what the book's single-coil networks met on real single-coil scans of a head
and never saw in training: the object fills about a third of the field of view (the phantoms more
than half), one receive coil shades it (a body coil gently, one channel of an array steeply), and
the noise reaches five times the training's 0.01. :class:`ScannerVariation` draws that variation
afresh for every training sample, on top of the realistic phantoms, so that a network can be
retrained with it (``python -m mrilab.train unrolled-varied``, weight set ``varied``):

* **orientation**: with ``orient``, the image turned by a multiple of 90 degrees and mirrored at
  random (the eight symmetries of the square). The phantoms are ellipses taller than wide, their
  long axis along the readout; the head of chapter 24 lies the other way, its long axis along the
  phase encodes, so it aliases over a longer extent than any training image did;
* **size**: the complex image and its reference shrunk by a factor drawn from ``zoom``
  (bilinear with antialiasing, which low-passes before it decimates, so no new detail is
  invented) and placed at a random position in the field of view;
* **shading**: multiplied by ``((1 - a) + a |S|) exp(i arg S)`` with ``a`` drawn from ``shading``
  and ``S`` the sensitivity of one loop coil of :func:`mrilab.multicoil.ring_maps` (its ``1/d^2``
  falloff and its receive phase), at a random angle and a distance drawn from ``coil_radius``,
  scaled to magnitude 1 at its brightest; ``a = 0`` is a uniform coil (a body coil, nearly),
  ``a = 1`` a lone surface coil;
* **phase**: multiplied by ``exp(i phi)``, ``phi`` a smooth random field (a random quadratic and a
  Gaussian bump, as field inhomogeneity near air spaces gives at the echo time) spanning a range
  drawn from ``phase`` radians. The phantoms' phase spans less than one turn; the head's wraps twice;
* the image is then rescaled to a reference maximum of 1, and the noise level is drawn by the
  dataset (:class:`mrilab.train.unrolled.NoisyBands`, ``noise_range``) relative to that.

The reference is shaded like the image: a single-coil scan's fully sampled reference carries its
coil's shading, and a network asked to remove it would be asked for something the data do not
determine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

__all__ = ["ScannerVariation"]


def _range(value, name: str, low: float, high: float | None = None) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high), got {value!r}") from None
    if not (low <= lo <= hi and (high is None or hi <= high)):
        bound = f"{low} <= low <= high" + (f" <= {high}" if high is not None else "")
        raise ValueError(f"{name} must be (low, high) with {bound}, got {value!r}")
    return lo, hi


@dataclass(frozen=True)
class ScannerVariation:
    """The ranges from which each training sample draws its size, shading and coil.

    Parameters
    ----------
    zoom : (float, float)
        The image is shrunk by a factor drawn uniformly from this range (1: unchanged). The
        realistic phantoms fill about 0.55 of the field of view; 0.45 to 1 spans the head's 0.33.
    shading : (float, float)
        The weight ``a`` of the coil's sensitivity against a uniform one.
    coil_radius : (float, float)
        The coil's distance from the centre, in half fields of view (above 1: outside the object);
        nearer coils shade more steeply.
    orient : bool
        Turn and mirror the image at random (square images only).
    phase : (float, float)
        The span (maximum minus minimum, radians) of the added smooth phase.
    """

    zoom: tuple[float, float] = (0.45, 1.0)
    shading: tuple[float, float] = (0.0, 1.0)
    coil_radius: tuple[float, float] = (1.1, 2.0)
    orient: bool = True
    phase: tuple[float, float] = (0.0, 4 * np.pi)

    def __post_init__(self):
        object.__setattr__(self, "zoom", _range(self.zoom, "zoom", 0.1, 1.0))
        object.__setattr__(self, "shading", _range(self.shading, "shading", 0.0, 1.0))
        radius = _range(self.coil_radius, "coil_radius", 1.0)
        if radius[0] <= 1.0:
            raise ValueError(f"coil_radius must lie above 1 (the coil outside the object), got {self.coil_radius!r}")
        object.__setattr__(self, "coil_radius", radius)
        object.__setattr__(self, "phase", _range(self.phase, "phase", 0.0))

    def record(self) -> dict:
        """Every range, as a checkpoint's ``info`` stores it (lists, not tuples)."""
        return {"zoom": list(self.zoom), "shading": list(self.shading), "coil_radius": list(self.coil_radius),
                "orient": bool(self.orient), "phase": list(self.phase)}

    def __call__(self, image: torch.Tensor, target: torch.Tensor, rng: np.random.Generator
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """One draw: ``image`` (complex, H x W) and ``target`` (its reference magnitude) varied alike,
        scaled so that the target's maximum is 1."""
        from ..multicoil.coils import ring_maps

        h, w = image.shape[-2:]
        if self.orient and h == w:
            turns, mirror = int(rng.integers(4)), bool(rng.integers(2))
            image, target = (torch.rot90(x, turns, dims=(-2, -1)) for x in (image, target))
            if mirror:
                image, target = (torch.flip(x, dims=(-1,)) for x in (image, target))
        z = rng.uniform(*self.zoom)
        if z < 1.0:
            stack = torch.stack([image.real, image.imag, target.to(image.real.dtype)])[None]
            small = F.interpolate(stack, scale_factor=z, mode="bilinear", antialias=True, align_corners=False)[0]
            sh, sw = small.shape[-2:]
            top, left = int(rng.integers(0, h - sh + 1)), int(rng.integers(0, w - sw + 1))
            canvas = torch.zeros((3, h, w), dtype=small.dtype)
            canvas[:, top:top + sh, left:left + sw] = small
            image = torch.complex(canvas[0], canvas[1]).to(image.dtype)
            target = canvas[2].abs().to(target.dtype)
        a = rng.uniform(*self.shading)
        if a > 0:
            coil = ring_maps(max(h, w), 1, radius=rng.uniform(*self.coil_radius),
                             rotation=rng.uniform(0, 2 * np.pi), normalise=False)[0, :h, :w]
            coil = coil / np.abs(coil).max()
            shade = torch.from_numpy((((1 - a) + a * np.abs(coil)) * np.exp(1j * np.angle(coil))).astype(np.complex64))
            image = image * shade.to(image.dtype)
            target = target * shade.abs().to(target.dtype)
        span = rng.uniform(*self.phase)
        if span > 0:
            y, x = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
            c = rng.normal(size=5)
            x0, y0 = rng.uniform(-0.7, 0.7, size=2)
            bump = rng.normal() * 2 * np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * rng.uniform(0.1, 0.3) ** 2))
            phi = c[0] * x + c[1] * y + c[2] * x * x + c[3] * x * y + c[4] * y * y + bump
            phi = span * (phi - phi.min()) / max(float(np.ptp(phi)), 1e-12)
            image = image * torch.from_numpy(np.exp(1j * phi).astype(np.complex64)).to(image.dtype)
        peak = target.max().clamp_min(1e-12)
        return image / peak, target / peak
