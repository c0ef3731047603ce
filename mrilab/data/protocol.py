"""The same references measured under another protocol: another acceleration, mask or noise.

A stored split fixes one protocol (the dataset's acceleration, mask pattern and noise level).
Comparing methods across protocols on *the same* images makes the comparison paired: a
difference between R = 4 and R = 8 is then the acceleration's, not another draw of phantoms
(``generate(..., acceleration=8)`` draws other phantoms, because the masks and the geometry
share one random stream). :func:`remeasure` keeps the references and their noise-free k-space
and draws new masks and new noise.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..sampling import cartesian_mask

__all__ = ["remeasure"]


def remeasure(split, acceleration: float, noise_std: float, *, pattern: str | None = None,
              center_fraction: float | None = None, seed: int = 0, masks: Any = None):
    """A copy of ``split`` with new masks and new noise: the same images under another protocol.

    Parameters
    ----------
    split : Split
        A loaded split (:func:`mrilab.load_dataset`); its ``kspace_full`` is noise-free.
    acceleration : float
        The new nominal acceleration (an integer for ``pattern="regular"``).
    noise_std : float
        Standard deviation of the real and imaginary parts of the new noise, relative to the
        reference maximum 1 (per coil for multi-coil splits, independent coils).
    pattern : {"random", "equispaced", "regular"}, optional
        The mask pattern (default: the split's own, from its attributes).
    center_fraction : float, optional
        The ACS fraction (default: the split's own).
    seed : int
        Seeds the masks and the noise (two independent streams, so the masks do not change
        with the noise level).
    masks : bool array (N, H, W) or (H, W), optional
        Measure with these masks instead of drawing them: any pattern of
        :mod:`mrilab.sampling` (a Poisson-disc plane, a learned mask). ``acceleration`` and
        ``pattern`` are then only recorded; the noise is drawn from ``seed`` as without.

    Returns
    -------
    Split
        ``kspace_undersampled`` and ``masks`` replaced; ``attrs`` record the new protocol.
    """
    if not np.isscalar(noise_std) or not np.isfinite(noise_std) or noise_std < 0:
        raise ValueError(f"noise_std must be a number >= 0 (0.01 is the realistic data's), got {noise_std!r}")
    pattern = pattern or split.attrs.get("pattern", "random")
    center_fraction = split.attrs.get("center_fraction", 0.08) if center_fraction is None else center_fraction
    mask_ss, noise_ss = np.random.SeedSequence([int(seed), 2026]).spawn(2)
    mask_rng, noise_rng = np.random.default_rng(mask_ss), np.random.default_rng(noise_ss)
    shape = split.kspace_full.shape[-2:]
    if masks is not None:
        given = np.asarray(masks)
        if given.dtype != bool or given.shape[-2:] != tuple(shape) or given.ndim not in (2, 3) or (
                given.ndim == 3 and len(given) != len(split)):
            raise ValueError(f"masks must be a bool array ({len(split)}, {shape[0]}, {shape[1]}) or one mask "
                             f"{tuple(shape)} for every image, got {given.dtype} {given.shape}")
        masks = np.broadcast_to(given, (len(split), *shape)).copy()
    else:
        masks = np.stack([cartesian_mask(shape, acceleration, center_fraction, pattern=pattern, rng=mask_rng)
                          for _ in range(len(split))]) if len(split) else np.empty((0, *shape), dtype=bool)
    k = split.kspace_full
    noise = noise_std * (noise_rng.standard_normal(k.shape) + 1j * noise_rng.standard_normal(k.shape))
    mask_axes = masks[:, None] if k.ndim == 4 else masks
    measured = ((k + noise) * mask_axes).astype(np.complex64)
    attrs: dict[str, Any] = dict(split.attrs, acceleration=float(acceleration), noise_std=float(noise_std),
                                 pattern=pattern, center_fraction=float(center_fraction), remeasured_seed=int(seed))
    return replace(split, kspace_undersampled=measured, masks=masks, attrs=attrs)
