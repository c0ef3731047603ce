"""Training the network in time (:class:`~mrilab.models.UnrolledDynamic`, Part XI).

The training movies are the ``cine_multicoil`` preset's training split, generated in memory (never its test
split, nor the unlike family): ``n_movies`` beating hearts with the study's factors and eight coils. Every
sample is one movie under a fresh protocol, so the network meets every acceleration of the range it is
claimed for:

* k-t masks drawn afresh (:func:`mrilab.sampling.kt_mask`, ``"random"`` pattern, the preset's 3 % centre)
  at an acceleration drawn uniformly from ``accelerations`` (R = 4..12 by default);
* fresh complex noise of a standard deviation drawn from ``noise_range`` (the test data have 0.01);
* a band of ``band`` consecutive rows, with all T frames (bands are cut in rows, never in time). The k-t masks
  sample whole columns (every row of a sampled ky), so a Fourier transform along the fully sampled readout axis
  (down each column) decouples the rows, and the normal equations of a band are an exact, smaller problem (as for
  chapter 16's :class:`~mrilab.train.unrolled.MulticoilBands`). The network on a band is not quite the band of
  the network on the whole movie: its convolutions pad at the band's edges, and the CG's step sizes are computed
  over the band.

The coil maps are each movie's time-averaged ESPIRiT maps (:func:`mrilab.dynamic.time_averaged_maps`) from one
measurement at R = 8, computed once, where a reader's call of ``reconstruct("unrolled_dynamic", ...)`` estimates
them from the movie's own masks. The time average hardly depends on the acceleration: a test compares the maps of
R = 4 and 12 with those of R = 8, phase included. (At R = 12 a column near the centre may go unmeasured in every
frame, which shortens the calibration region; the maps are smooth, and the test's agreement holds.) The scale of
a sample is the maximum of ``|E^H y|`` over the whole movie, as :meth:`~mrilab.models.UnrolledDynamic.reconstruct`
divides by.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["CineBands", "training_movies"]


def training_movies(n_movies: int, *, seed: int = 0, **params: Any):
    """The first ``n_movies`` of the ``cine_multicoil`` training split of ``seed`` (in memory) and their
    time-averaged maps from one R = 8 measurement (``(N, C, H, W)``)."""
    from ..data.cine import generate_cine, remeasure_cine
    from ..dynamic import time_averaged_maps

    split = generate_cine(n_movies, 0, preset="cine_multicoil", seed=seed, **params)["train"]
    measured = remeasure_cine(split, 8.0, seed=seed + 1)
    maps = np.stack([time_averaged_maps(measured.kspace_undersampled[i], measured.masks[i]) for i in range(len(split))])
    return split, maps.astype(np.complex64)


class CineBands(Dataset):
    """Training samples for :class:`~mrilab.models.UnrolledDynamic`: ``(kspace, masks, maps, target)``.

    ``kspace`` (T, C, band, W), ``masks`` (T, band, W), ``maps`` (C, band, W), ``target`` (T, band, W), the
    k-space and target divided by the whole movie's scale (module docstring).

    Parameters
    ----------
    split : CineSplit
        A multi-coil cine split with ``kspace_full`` (N, T, C, H, W) and ``phantoms`` (N, T, H, W).
    maps : (N, C, H, W) complex
    band : int
        Rows per sample (``H``: whole movies).
    accelerations : (float, float)
        Each sample's k-t masks have an acceleration drawn uniformly from this range.
    noise_range : (float, float)
        Standard deviation of the fresh k-space noise, drawn uniformly per sample.
    center_fraction : float, optional
        The masks' fully sampled centre (default: the split's).
    seed : int
    """

    def __init__(self, split, maps, *, band: int = 32, accelerations: tuple[float, float] = (4.0, 12.0),
                 noise_range: tuple[float, float] = (0.0, 0.02), center_fraction: float | None = None, seed: int = 0):
        from ..fourier import ifft2c

        if split.kspace_full is None or np.ndim(split.kspace_full) != 5:
            raise ValueError("CineBands needs a multi-coil cine split (kspace_full (N, T, C, H, W)); generate the "
                             "'cine_multicoil' preset")
        n, t, c, h, w = split.kspace_full.shape
        if np.shape(maps) != (n, c, h, w):
            raise ValueError(f"maps must be (N, C, H, W) = {(n, c, h, w)}, got {np.shape(maps)}")
        if not 1 <= int(band) <= h:
            raise ValueError(f"band must be between 1 and the {h} rows, got {band}")
        lo, hi = accelerations
        if not 1 <= lo <= hi:
            raise ValueError(f"accelerations must be (low, high) with 1 <= low <= high, got {accelerations}")
        nlo, nhi = noise_range
        if not 0 <= nlo <= nhi:
            raise ValueError(f"noise_range must be (low, high) with 0 <= low <= high, got {noise_range}")
        self.coils = np.ascontiguousarray(ifft2c(split.kspace_full), dtype=np.complex64)  # noise-free coil images
        self.targets = np.ascontiguousarray(split.phantoms, dtype=np.float32)
        self.maps = np.ascontiguousarray(maps, dtype=np.complex64)
        self.band, self.accelerations, self.noise_range = int(band), (float(lo), float(hi)), (float(nlo), float(nhi))
        self.center_fraction = float(split.attrs.get("center_fraction", 0.03) if center_fraction is None
                                     else center_fraction)
        self.seed, self.epoch = int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int):
        from ..fourier import fft2c, ifft2c
        from ..sampling.kt import kt_mask

        rng = np.random.default_rng([self.seed, self.epoch, int(i)])
        coils, maps = self.coils[i], self.maps[i]
        t, c, h, w = coils.shape
        r = rng.uniform(*self.accelerations)
        masks = kt_mask((t, h, w), r, pattern="random", center_fraction=self.center_fraction, rng=rng)
        sigma = rng.uniform(*self.noise_range)
        noise = (rng.standard_normal(coils.shape, dtype=np.float32)
                 + 1j * rng.standard_normal(coils.shape, dtype=np.float32)) * np.float32(sigma)
        noisy = coils + noise  # real and imaginary parts each N(0, sigma^2), as the preset's; white noise: the same in the image and in k-space (orthonormal FFT)
        zero_filled = np.sum(maps.conj() * ifft2c(fft2c(noisy) * masks[:, None]), axis=1)
        scale = max(float(np.abs(zero_filled).max()), 1e-12)
        top = int(rng.integers(0, h - self.band + 1))
        rows = slice(top, top + self.band)
        k = fft2c(noisy[:, :, rows]) * masks[:, None, rows]
        return (torch.from_numpy((k / scale).astype(np.complex64)), torch.from_numpy(masks[:, rows].copy()),
                torch.from_numpy(maps[:, rows].copy()), torch.from_numpy(self.targets[i, :, rows] / scale))
