"""Training the non-Cartesian unrolled network (:class:`~mrilab.models.UnrolledNUFFT`, Part VI).

The radial presets store the first 96 spokes of the golden-angle sequence. Any ``n`` consecutive spokes
of that sequence, not only the first ``n``, cover k-space nearly uniformly (chapter 17), and each window
is a trajectory the network has not seen: training samples draw a spoke count from ``spokes`` and a
random window of that many consecutive spokes (``windows=True``), as chapter 16's network drew random
lattice offsets, so the streaks differ from sample to sample. The density weights and the Toeplitz
kernel of each window are computed once and cached.

Noise. The stored samples are the measurement, with its noise (0.01 in the radial preset). Noise-free
samples are not stored (they come from the fine grid, which is not kept), so fresh noise is added on
top: a standard deviation drawn from ``noise_range`` per sample, for a total of
``sqrt(0.01^2 + sigma^2)``.

Whole images, not bands: radial samples do not decouple by rows as Cartesian columns do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from ..noncartesian import (density_compensation, maps_from_center, normal_equations, toeplitz_kernel,
                            weighted_adjoint)

__all__ = ["RadialSamples", "predict_nufft"]

from ..models.inference import predict_nufft  # noqa: E402  (inference lives with the models; kept importable here)


class RadialSamples(Dataset):
    """Training samples for :class:`~mrilab.models.UnrolledNUFFT`: ``(rhs, kernel[, maps], target)``.

    ``rhs`` is ``E^H W y`` of the noisy samples on a window of spokes, ``kernel`` the Toeplitz kernel of
    ``E^H W E`` for that window, ``target`` the reference magnitude; ``rhs`` and ``target`` are divided
    by the maximum of ``|rhs|`` (the scale :meth:`UnrolledNUFFT.reconstruct` uses). With coils, ``maps``
    come from the centre of the window's k-space (:func:`~mrilab.noncartesian.maps_from_center`), as
    they will at test time.

    Parameters
    ----------
    split : Split
        A radial split (``kdata``, ``trajectory`` ``(S, P, 2)``, ``phantoms``).
    spokes : sequence of int
        Spoke counts to draw from (each at most ``S``).
    noise_range : (float, float)
        Standard deviation of the noise added to the stored samples, drawn uniformly per sample.
    windows : bool
        A random window of consecutive spokes (True) or always the first ones.
    seed : int
    indices : sequence of int, optional
        The images of ``split`` to use.
    """

    def __init__(self, split, *, spokes=(32,), noise_range: tuple[float, float] = (0.0, 0.02), windows: bool = True,
                 seed: int = 0, indices=None):
        if split.kdata is None or split.trajectory is None:
            raise ValueError("the split has no radial samples; load a radial preset "
                             "(`python -m mrilab.data --preset radial`)")
        n_spokes, self.per_spoke = split.trajectory.shape[:2]
        spokes = tuple(int(s) for s in np.atleast_1d(spokes))
        if not spokes or min(spokes) < 1 or max(spokes) > n_spokes:
            raise ValueError(f"spokes must be spoke counts between 1 and the {n_spokes} spokes of the split, got {spokes}")
        lo, hi = noise_range
        if not 0 <= lo <= hi:
            raise ValueError(f"noise_range must be (low, high) with 0 <= low <= high, got {noise_range}")
        idx = np.arange(len(split)) if indices is None else np.asarray(indices)
        self.kdata = np.ascontiguousarray(split.kdata[idx])
        self.targets = torch.from_numpy(np.ascontiguousarray(split.phantoms[idx]))
        self.trajectory = np.asarray(split.trajectory)
        self.shape = tuple(split.phantoms.shape[-2:])
        self.spokes, self.windows = spokes, bool(windows)
        self.noise_range, self.seed, self.epoch = (float(lo), float(hi)), int(seed), 0
        self._cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, torch.Tensor]] = {}

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.targets)

    def window(self, start: int, n: int):
        """``(trajectory (n P, 2), density weights, kernel)`` of spokes ``start .. start + n - 1``, cached."""
        key = (int(start), int(n))
        if key not in self._cache:
            t = self.trajectory[start:start + n].reshape(-1, 2)
            w = density_compensation(t, self.shape, "pipe")
            self._cache[key] = (t, w, torch.from_numpy(toeplitz_kernel(t, self.shape, w)))
        return self._cache[key]

    def __getitem__(self, i: int):
        rng = np.random.default_rng([self.seed, self.epoch, int(i)])
        n = int(rng.choice(self.spokes))
        start = int(rng.integers(0, len(self.trajectory) - n + 1)) if self.windows else 0
        t, w, kernel = self.window(start, n)
        y = self.kdata[i][..., start * self.per_spoke:(start + n) * self.per_spoke]
        lo, hi = self.noise_range
        sigma = lo + (hi - lo) * rng.random()
        y = y + sigma * (rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape))
        # coils: maps from the centre of this window, as at test time
        maps = maps_from_center(y, t, self.shape, weights=w) if y.ndim == 2 else None
        rhs = torch.from_numpy(weighted_adjoint(y, t, self.shape, w, maps=maps))
        scale = rhs.abs().max().clamp_min(1e-12)
        out = [rhs / scale, kernel]
        if maps is not None:
            out.append(torch.from_numpy(maps))
        return (*out, self.targets[i] / scale)
