"""Training the plug-and-play denoiser: noisy patches of realistic images, every noise level.

The denoiser (:class:`~mrilab.models.denoiser.NoiseLevelDenoiser`) learns to remove complex
white Gaussian noise of a known level from the realistic training images (their complex
reference, with its phase, bias field and texture). No k-space, mask or coil is involved: what
it learns is a prior on images, used later by :func:`mrilab.pnp.pnp_hqs` under any protocol.

Each sample is a random ``patch x patch`` crop of one image, flipped at random, multiplied by a
random gain in ``gain_range`` (a reconstruction scales its image by its own maximum, which is not
exactly the reference's) and given noise of a standard deviation drawn from ``noise_range``;
like :class:`~mrilab.train.unrolled.NoisyBands`, sample ``i`` of epoch ``e`` comes from a
generator seeded with ``(seed, e, i)``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

__all__ = ["NoisyPatches", "fit_denoiser"]


class NoisyPatches(Dataset):
    """``(noisy, sigma, clean)`` patches of the complex images of a split.

    Parameters
    ----------
    split : Split
        A loaded split (its complex ``images``).
    patch : int
        Side of the square crops.
    noise_range : (float, float)
        Noise standard deviations (real and imaginary parts), drawn uniformly.
    gain_range : (float, float)
        Intensity gains, drawn uniformly.
    log_noise : bool, keyword-only
        Draw the noise level log-uniformly in ``noise_range`` (the score model's every scale, from the
        measurement noise to the image scale) instead of uniformly.
    seed : int
    indices : sequence of int, optional
    """

    def __init__(self, split, *, patch: int = 64, noise_range: tuple[float, float] = (0.0, 0.15),
                 gain_range: tuple[float, float] = (0.6, 1.4), log_noise: bool = False, seed: int = 0,
                 indices=None):
        h, w = split.images.shape[-2:]
        if int(patch) != patch or not 4 <= patch <= min(h, w):
            raise ValueError(f"patch must be an integer between 4 and the image side {min(h, w)}, got {patch}")
        if not 0 <= noise_range[0] <= noise_range[1]:
            raise ValueError(f"noise_range must be (low, high) with 0 <= low <= high, got {noise_range}")
        if log_noise and not noise_range[0] > 0:
            raise ValueError(f"log-uniform noise levels need noise_range[0] > 0, got {noise_range}")
        if not 0 < gain_range[0] <= gain_range[1]:
            raise ValueError(f"gain_range must be (low, high) with 0 < low <= high, got {gain_range}")
        idx = np.arange(len(split)) if indices is None else np.asarray(indices)
        self.images = torch.from_numpy(np.ascontiguousarray(split.images[idx], dtype=np.complex64))
        self.patch, self.noise_range, self.gain_range = int(patch), tuple(noise_range), tuple(gain_range)
        self.log_noise, self.seed, self.epoch = bool(log_noise), int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        seq = np.random.SeedSequence([self.seed, self.epoch, int(i)])
        g = torch.Generator().manual_seed(int(seq.generate_state(1, np.uint64)[0] >> 1))
        u = torch.rand(5, generator=g)
        lo, hi = self.noise_range
        sigma = lo * (hi / lo) ** float(u[0]) if self.log_noise else lo + (hi - lo) * float(u[0])
        gain = self.gain_range[0] + (self.gain_range[1] - self.gain_range[0]) * float(u[1])
        image = self.images[i]
        h, w = image.shape
        top, left = int(u[2] * (h - self.patch + 1)), int(u[3] * (w - self.patch + 1))
        clean = gain * image[top:top + self.patch, left:left + self.patch]
        if u[4] < 0.5:
            clean = clean.flip(-1)
        noise = torch.randn(clean.shape, generator=g) + 1j * torch.randn(clean.shape, generator=g)
        return clean + sigma * noise.to(clean.dtype), torch.tensor(sigma, dtype=torch.float32), clean


def fit_denoiser(model: torch.nn.Module, train_set: NoisyPatches, *, epochs: int, batch_size: int = 32,
                 lr: float = 2e-3, seed: int = 0, max_seconds: float | None = None,
                 progress: bool = True, loss: str = "l1") -> dict[str, list[float]]:
    """Adam with a one-cycle schedule on the error of the real and imaginary parts.

    ``loss="l1"``: the mean absolute error (the plug-and-play denoiser). ``loss="score"``: the squared
    error divided by ``sigma ** 2``: denoising score matching (Vincent 2011) with Song and Ermon's weight
    ``sigma ** 2`` on the score, ``(D - x) / sigma ** 2``, whose minimiser is the posterior mean that
    Tweedie's formula needs (the score model of :mod:`mrilab.posterior`); its gradients are clipped to norm 1.

    Returns ``loss`` (per epoch), ``batch_loss`` and ``seconds``.
    """
    from tqdm.auto import tqdm

    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if loss not in ("l1", "score"):
        raise ValueError(f"loss must be 'l1' or 'score', got {loss!r}")
    gen = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=gen, drop_last=True)
    if len(loader) == 0:
        raise ValueError(f"{len(train_set)} training images make no batch of {batch_size}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * len(loader),
                                                    pct_start=0.1)
    history: dict[str, list[float]] = {"loss": [], "batch_loss": [], "seconds": []}
    start = time.perf_counter()
    model.train()
    for epoch in range(epochs):
        train_set.set_epoch(epoch)
        losses = []
        for noisy, sigma, clean in tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", leave=False,
                                        **({} if progress else {"disable": True})):
            error = torch.view_as_real(model(noisy, sigma) - clean)
            if loss == "l1":
                value = torch.mean(torch.abs(error))
            else:
                value = torch.mean(error ** 2 / sigma[:, None, None, None] ** 2)
            optimizer.zero_grad(set_to_none=True)
            value.backward()
            if loss == "score":   # the weighted squared error has rare large gradients: clip them
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(float(value.detach()))
            if not math.isfinite(losses[-1]):
                raise FloatingPointError(f"the training loss became {losses[-1]} in epoch {epoch + 1}; "
                                         f"lower the learning rate")
        history["batch_loss"] += losses
        history["loss"].append(float(np.mean(losses)))
        history["seconds"].append(time.perf_counter() - start)
        if progress and (epoch + 1) % 10 == 0:
            tqdm.write(f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4g} ({history['seconds'][-1]:.0f} s)")
        if max_seconds is not None and history["seconds"][-1] > max_seconds:
            break
    model.eval()
    return history
