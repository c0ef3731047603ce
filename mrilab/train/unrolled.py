"""Training the unrolled network: bands of rows, fresh noise, one process or many.

Three choices make training on a CPU affordable (chapter 12 measures them):

* **Bands of rows.** The masks sample whole columns, and each sampled column is one
  readout (axis -2), measured in full. After an inverse FFT along the readout axis, row
  ``r`` of the measured data depends on row ``r`` of the image only: every image row is an
  independent 1-D problem. A band
  of ``band`` rows cut from an image is therefore a complete, exact reconstruction
  problem of its own, with the same mask: its k-space is ``fft2c(band) * mask[:band]``,
  and data consistency on the band is exact. A band of 32 rows costs a quarter of a
  128-row image, so a step of 16 bands sees 16 different images for the price of 4.
* **Fresh noise.** Each sample gets complex white noise of a standard deviation drawn
  uniformly from ``noise_range`` (0 to 0.02 by default): one network for every noise
  level the chapters use, never the same draw twice.
* **Deterministic samples.** The noise, the noise level and the band of sample ``i`` in
  epoch ``e`` come from a generator seeded with ``(seed, e, i)``, not from a stream that
  depends on which process draws them. With PyTorch's :class:`DistributedSampler` (which
  shuffles the same way for one process or many), ``P`` processes with batches of ``B / P``
  compute exactly the gradients of one process with batches of ``B``
  (:class:`DistributedDataParallel` averages them), up to rounding.

Distributed training: run the same command under ``torchrun --nproc_per_node P``; the
process group (``gloo`` on CPUs, ``nccl`` on GPUs) is set up from torchrun's environment,
``--batch-size`` is the global batch, and only rank 0 evaluates, prints and writes.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import nullcontext
from typing import Any, Callable

import numpy as np
import torch
import torch.distributed as dist
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from ..data import DEFAULT_PATHS
from ..fourier import fft2c, ifft2c
from ..metrics import evaluate
from .ssdu import kspace_loss

__all__ = ["NoisyBands", "MulticoilBands", "ssim_loss", "LOSSES", "fit_unrolled", "distributed_context"]


class NoisyBands(Dataset):
    """Training samples for :class:`~mrilab.models.Unrolled`: noisy, normalised bands of rows.

    Sample ``i`` is ``(kspace_band, mask_band, target_band)``: complex white noise of a
    standard deviation drawn from ``noise_range`` is added to the full k-space of image
    ``i``; the whole image's zero-filled magnitude gives the scale ``s`` (its maximum, as
    :meth:`Unrolled.reconstruct` computes it at test time); a band of ``band`` consecutive
    rows is cut from the noisy image, and its k-space (masked) and its reference magnitude
    are returned divided by ``s``.

    Parameters
    ----------
    split : Split
        A loaded split with ``kspace_full``, ``masks`` and ``phantoms``.
    band : int
        Rows per sample (the image height for whole images).
    noise_range : (float, float)
        Noise standard deviations, relative to the reference maximum 1, drawn uniformly.
    seed : int
    indices : sequence of int, optional
        The images of ``split`` to use (default: all).
    accelerations : (float, float), optional
        Mixed protocols (Part VII): every sample gets a fresh mask of an acceleration drawn
        uniformly from this range (``pattern="random"``, the split's ACS fraction) instead of
        the split's stored mask. None (the default) keeps the stored masks.
    variation : ScannerVariation, optional
        Chapter 24's retraining: each sample's image and reference are first shrunk, moved and
        shaded by a fresh draw of :class:`mrilab.train.variation.ScannerVariation` (scaled to a
        reference maximum of 1), then the noise is added. None (the default): the images as stored.
    mask : bool array (H, W), optional
        One mask for every sample instead of the split's stored ones (chapter 27: a learned mask;
        all ones gives the full k-space, which :mod:`mrilab.train.sampling` masks itself).
    mask_sampler : callable, optional
        Every sample gets a fresh mask ``mask_sampler(rng)`` (bool ``(H, W)``) from its own stream
        (chapter 27: variable-density masks). At most one of ``accelerations``, ``mask`` and
        ``mask_sampler``.
    """

    def __init__(self, split, *, band: int = 32, noise_range: tuple[float, float] = (0.0, 0.02),
                 seed: int = 0, indices=None, accelerations: tuple[float, float] | None = None,
                 variation=None, mask=None, mask_sampler=None):
        h = split.kspace_full.shape[-2]
        if sum(x is not None for x in (accelerations, mask, mask_sampler)) > 1:
            raise ValueError("give at most one of accelerations, mask and mask_sampler: each decides the masks")
        if int(band) != band or not 1 <= band <= h:
            raise ValueError(f"band must be an integer between 1 and the image height {h}, got {band}")
        lo, hi = noise_range
        if not 0 <= lo <= hi:
            raise ValueError(f"noise_range must be (low, high) with 0 <= low <= high, got {noise_range}")
        if accelerations is not None:
            a_lo, a_hi = accelerations
            if not 1 <= a_lo <= a_hi:
                raise ValueError(f"accelerations must be (low, high) with 1 <= low <= high, got {accelerations}; "
                                 f"(3, 8) is Part VII's range")
            accelerations = (float(a_lo), float(a_hi))
        self.accelerations = accelerations
        self.center_fraction = float(split.attrs.get("center_fraction", 0.08))
        idx = np.arange(len(split)) if indices is None else np.asarray(indices)
        self.images = torch.from_numpy(np.ascontiguousarray(ifft2c(split.kspace_full[idx])))
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != split.kspace_full.shape[-2:] or mask.dtype != bool:
                raise ValueError(f"mask must be a bool array of the image shape {split.kspace_full.shape[-2:]}, got "
                                 f"{mask.dtype} {mask.shape}")
            self.masks = torch.from_numpy(np.broadcast_to(mask, (len(idx),) + mask.shape).copy())
        else:
            self.masks = torch.from_numpy(np.ascontiguousarray(split.masks[idx]))
        self.mask_sampler = mask_sampler
        self.targets = torch.from_numpy(np.ascontiguousarray(split.phantoms[idx]))
        self.band, self.noise_range, self.seed, self.epoch = int(band), (float(lo), float(hi)), int(seed), 0
        self.variation = variation

    def set_epoch(self, epoch: int) -> None:
        """Draw epoch ``epoch``'s noise and bands (call it with the sampler's)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.targets)

    def _fresh_mask(self, seq: np.random.SeedSequence, shape, pattern: str, lattice_offsets: bool = False
                    ) -> torch.Tensor:
        """A mask of an acceleration drawn from ``self.accelerations``, from its own child stream."""
        from ..sampling import cartesian_mask

        rng = np.random.default_rng(seq.spawn(1)[0])
        lo, hi = self.accelerations
        if pattern == "regular":  # every R-th column (an integer R), at a random lattice offset if asked
            r = int(rng.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1))
            offset = int(rng.integers(r)) if lattice_offsets else 0
            mask = cartesian_mask(tuple(shape), r, self.center_fraction, pattern=pattern, offset=offset)
        else:
            mask = cartesian_mask(tuple(shape), lo + (hi - lo) * rng.random(), self.center_fraction,
                                  pattern=pattern, rng=rng)
        return torch.from_numpy(mask)

    def __getitem__(self, i: int):
        seq = np.random.SeedSequence([self.seed, self.epoch, int(i)])
        g = torch.Generator().manual_seed(int(seq.generate_state(1, np.uint64)[0] >> 1))
        lo, hi = self.noise_range
        sigma = lo + (hi - lo) * float(torch.rand((), generator=g))
        image, mask, target = self.images[i], self.masks[i], self.targets[i]
        if self.accelerations is not None:
            mask = self._fresh_mask(seq, mask.shape, "random")
        elif self.mask_sampler is not None:
            mask = torch.from_numpy(np.asarray(self.mask_sampler(np.random.default_rng(seq.spawn(1)[0])), dtype=bool))
        if self.variation is not None:
            image, target = self.variation(image, target, np.random.default_rng([self.seed, self.epoch, int(i), 1]))  # its own stream
        noise = torch.randn(image.shape, generator=g) + 1j * torch.randn(image.shape, generator=g)
        noisy = image + sigma * noise.to(image.dtype)  # white noise: the same in image and k-space
        scale = ifft2c(fft2c(noisy) * mask).abs().max().clamp_min(1e-12)
        top = int(torch.randint(0, image.shape[-2] - self.band + 1, (), generator=g))
        rows = slice(top, top + self.band)
        k = fft2c(noisy[rows]) * mask[rows]
        return k / scale, mask[rows], target[rows] / scale


def shift_lattice(mask: np.ndarray, offset: int) -> np.ndarray:
    """A Cartesian mask with its columns outside the ACS moved ``offset`` columns to the right
    (cyclically, modulo the lattice spacing when the columns form a regular lattice), the ACS
    kept: the same acceleration with another lattice offset. ``mask`` is ``(H, W)``.
    """
    from ..multicoil.calibration import acs_block

    m = np.asarray(mask, dtype=bool)
    acs = np.zeros(m.shape[-1], dtype=bool)
    acs[acs_block(m)] = True
    outer = m[0] & ~acs
    cols = np.flatnonzero(outer)
    step = int(np.gcd.reduce(np.diff(cols))) if len(cols) > 1 else m.shape[-1]
    shifted = np.roll(outer, int(offset) % step) | acs
    return np.broadcast_to(shifted, m.shape).copy()


class MulticoilBands(NoisyBands):
    """:class:`NoisyBands` with coils, for :class:`~mrilab.models.UnrolledMulticoil`.

    Sample ``i`` is ``(kspace_band (C, band, W), mask_band, maps_band (C, band, W), target_band)``:
    coil noise of a standard deviation drawn from ``noise_range`` (independent coils, the same
    in every coil) is added to the whole coil images of image ``i``; the scale is the maximum of
    ``|E^H y|`` over the whole image, with the maps the network will get; a band of rows is cut
    from the noisy coil images and the maps. Rows decouple with coils as without (the maps
    multiply pixel by pixel), so a band is still an exact problem.

    ``maps`` are the maps to train with, ``(N, C, H, W)``: estimated from the ACS of each
    training image (:func:`mrilab.multicoil.estimate_maps`), as they will be at test time.

    With ``lattice_offsets=True`` every sample moves the mask's columns outside the ACS by a
    random offset, cyclically (:func:`shift_lattice`): a regular mask (``pattern="regular"``) is
    otherwise one and the same mask for every image, and a network trained on it sees one
    folding pattern only. The ACS, and so the maps estimated from it, stay as they are.
    With ``accelerations=(lo, hi)`` every sample gets a regular mask of an integer R drawn from
    ``lo..hi`` (``cartesian_mask(..., pattern="regular", offset=o)``, with ``o`` drawn from
    ``0..R-1`` when ``lattice_offsets``); the maps stay those estimated from the stored mask's
    ACS, which every regular mask of the same ACS fraction shares.
    """

    def __init__(self, split, maps, *, band: int = 32, noise_range: tuple[float, float] = (0.0, 0.02),
                 seed: int = 0, indices=None, lattice_offsets: bool = False,
                 accelerations: tuple[float, float] | None = None):
        super().__init__(split, band=band, noise_range=noise_range, seed=seed, indices=indices,
                         accelerations=accelerations)
        self.lattice_offsets = bool(lattice_offsets)
        idx = np.arange(len(split)) if indices is None else np.asarray(indices)
        if np.shape(maps) != split.kspace_full.shape:
            raise ValueError(f"maps must have the shape {split.kspace_full.shape} of the k-space, got "
                             f"{np.shape(maps)}")
        self.maps = torch.from_numpy(np.ascontiguousarray(np.asarray(maps)[idx], dtype=np.complex64))

    def __getitem__(self, i: int):
        from ..models.unrolled_multicoil import adjoint_op

        seq = np.random.SeedSequence([self.seed, self.epoch, int(i)])
        g = torch.Generator().manual_seed(int(seq.generate_state(1, np.uint64)[0] >> 1))
        lo, hi = self.noise_range
        sigma = lo + (hi - lo) * float(torch.rand((), generator=g))
        coils, mask, maps = self.images[i], self.masks[i], self.maps[i]
        noise = torch.randn(coils.shape, generator=g) + 1j * torch.randn(coils.shape, generator=g)
        if self.accelerations is not None:  # every R-th column (R an integer) from a random offset, and the ACS
            mask = self._fresh_mask(seq, mask.shape, "regular", self.lattice_offsets)
        elif self.lattice_offsets:
            offset = int(torch.randint(0, mask.shape[-1], (), generator=g))
            mask = torch.from_numpy(shift_lattice(mask.numpy(), offset))
        noisy = coils + sigma * noise.to(coils.dtype)  # white noise: the same in image and k-space
        scale = adjoint_op(fft2c(noisy)[None] * mask, maps[None], mask[None]).abs().max().clamp_min(1e-12)
        top = int(torch.randint(0, coils.shape[-2] - self.band + 1, (), generator=g))
        rows = slice(top, top + self.band)
        k = fft2c(noisy[:, rows]) * mask[rows]
        return k / scale, mask[rows], maps[:, rows], self.targets[i, rows] / scale


def ssim_loss(pred: torch.Tensor, target: torch.Tensor, win: int = 7) -> torch.Tensor:
    """``1 - SSIM`` with a uniform ``win x win`` window (scikit-image's default), data range 1.

    A differentiable SSIM for training (the constants of Wang et al. 2004, ``K1 = 0.01``,
    ``K2 = 0.03``); :func:`mrilab.metrics.ssim` remains the measure.
    """
    x, y = pred.reshape(-1, 1, *pred.shape[-2:]), target.reshape(-1, 1, *target.shape[-2:])  # every image (movies' frames too)
    mean = lambda t: F.avg_pool2d(t, win, stride=1)  # noqa: E731
    mx, my = mean(x), mean(y)
    n = win * win
    cov = n / (n - 1)
    vx, vy, vxy = cov * (mean(x * x) - mx ** 2), cov * (mean(y * y) - my ** 2), cov * (mean(x * y) - mx * my)
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    return 1 - s.mean()


def mixed_loss(pred: torch.Tensor, target: torch.Tensor, alpha: float = 0.84) -> torch.Tensor:
    """``alpha (1 - SSIM) + (1 - alpha) L1``, the mix of Zhao, Gallo, Frosio and Kautz (2017).

    They mixed MS-SSIM and L1 with ``alpha = 0.84``; on 32-row bands a single-scale SSIM
    (:func:`ssim_loss`) takes MS-SSIM's place.
    """
    return alpha * ssim_loss(pred, target) + (1 - alpha) * F.l1_loss(pred, target)


#: Training losses on magnitude images, and SSDU's on held-out k-space (:mod:`mrilab.train.ssdu`).
LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "l1": F.l1_loss,
    "ssim": ssim_loss,
    "mixed": mixed_loss,
    "kspace": kspace_loss,
}


class distributed_context:
    """The process group of a ``torchrun`` launch, or a single process.

    ``with distributed_context(device) as (rank, world):`` sets up ``gloo`` (CPU) or ``nccl``
    (CUDA) when torchrun's ``WORLD_SIZE`` is above 1, and tears it down on exit.
    """

    def __init__(self, device: str | torch.device = "cpu"):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.device = torch.device(device)

    def __enter__(self) -> tuple[int, int]:
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        return self.rank, self.world

    def __exit__(self, *exc) -> None:
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def _validate(model, val, device) -> dict[str, float]:
    """Mean PSNR/SSIM/RMSE of ``model.reconstruct`` on a whole-image split (its stored noise)."""
    from . import predict

    maps = getattr(val, "estimated_maps", None)  # a multi-coil split carries the maps to use
    pred = predict(model, val.kspace_undersampled, val.masks, maps=maps, batch_size=10, device=device)
    return {name: float(v.mean()) for name, v in evaluate(val.phantoms, pred).items()}


def fit_unrolled(model: torch.nn.Module, train_set: NoisyBands, val=None, *, epochs: int,
                 batch_size: int = 16, lr: float = 2e-3, loss: str = "l1", seed: int = 0,
                 device: str | torch.device = "cpu", amp: bool = False, max_seconds: float | None = None,
                 progress: bool = True, rank: int = 0, world: int = 1) -> dict[str, list[float]]:
    """Train an unrolled network on :class:`NoisyBands`, in one process or under torchrun.

    Parameters
    ----------
    model : Unrolled
    train_set : NoisyBands
    val : Split, optional
        Whole images, evaluated (rank 0 only) after every epoch with their stored noise.
    epochs, batch_size, lr : keyword-only
        ``batch_size`` is the global batch: each of ``world`` processes takes
        ``batch_size / world`` samples. Adam with a one-cycle schedule (peak ``lr``).
    loss : {"l1", "ssim", "mixed", "kspace"}, keyword-only
        ``"kspace"``: SSDU's loss, for a :class:`~mrilab.train.ssdu.KSpaceObjective` on
        :class:`~mrilab.train.ssdu.SelfSupervisedBands`.
    amp : bool, keyword-only
        Mixed precision for the convolutions: float16 with a gradient scaler on CUDA,
        bfloat16 on a CPU. The FFTs and data steps stay in float32.
    max_seconds : float, keyword-only
        Stop after the epoch in which this much time has passed (every process
        agrees on when, through rank 0's clock).
    rank, world : keyword-only
        From :class:`distributed_context`.

    Returns
    -------
    history : dict of lists
        ``batch_loss`` (the loss of every step, averaged over processes), ``loss`` (per
        epoch), ``val_psnr``, ``val_ssim``, ``val_rmse``, ``seconds`` (rank 0's).
    """
    from tqdm.auto import tqdm

    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    if batch_size % world:
        raise ValueError(f"batch_size {batch_size} must be a multiple of the number of processes {world}")
    device = torch.device(device)
    model.to(device)
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=seed,
                                 drop_last=True)
    loader = DataLoader(train_set, batch_size=batch_size // world, sampler=sampler, drop_last=True)
    if len(loader) == 0:
        raise ValueError(f"{len(train_set)} training samples make no batch of {batch_size}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * len(loader),
                                                    pct_start=0.1)
    use_scaler = amp and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda") if use_scaler else None
    autocast = (lambda: torch.autocast(device.type, dtype=torch.float16 if device.type == "cuda"
                                       else torch.bfloat16)) if amp else nullcontext
    loss_fn = LOSSES[loss]
    main = rank == 0
    history: dict[str, list[float]] = {"batch_loss": [], "loss": [], "val_psnr": [], "val_ssim": [],
                                       "val_rmse": [], "seconds": []}
    start = time.perf_counter()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        train_set.set_epoch(epoch)
        net.train()
        losses = []
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", leave=False,
                   **({} if progress and main else {"disable": True}))
        for *inputs, x in bar:  # (kspace, mask[, maps], target)
            inputs, x = [t.to(device) for t in inputs], x.to(device)
            with autocast():
                value = loss_fn(net(*inputs).float(), x)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(value).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                value.backward()
                optimizer.step()
            scheduler.step()
            logged = value.detach().clone()
            if world > 1:
                dist.all_reduce(logged)
                logged /= world
            logged = float(logged)
            if not math.isfinite(logged):
                raise FloatingPointError(f"the training loss became {logged} in epoch {epoch + 1}; "
                                         f"lower the learning rate")
            losses.append(logged)
            bar.set_postfix(loss=f"{np.mean(losses):.4g}")
        history["batch_loss"] += losses
        history["loss"].append(float(np.mean(losses)))
        history["seconds"].append(time.perf_counter() - start)
        if main and val is not None:
            for name, v in _validate(model, val, device).items():
                history[f"val_{name}"].append(v)
            if progress:
                tqdm.write(f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4g}, validation PSNR "
                           f"{history['val_psnr'][-1]:.2f} dB SSIM {history['val_ssim'][-1]:.3f} "
                           f"({history['seconds'][-1]:.0f} s)")
        stop = torch.tensor(float(max_seconds is not None and history["seconds"][-1] > max_seconds))
        if world > 1:
            dist.broadcast(stop, src=0)
        if stop.item():
            break
    model.eval()
    return history


#: Chapter 12's ablations: each changes one thing of the main recipe and trains for
#: ``ABLATION_EPOCHS`` (all of them, the reference included, for the same budget), into
#: ``weights/ablations/unrolled_<name>.pt`` (``make weights-ablations``). ``seed1`` and
#: ``seed2`` are the reference again from other initial weights and samples: with ``k5``
#: they are chapter 13's ensemble of three.
ABLATIONS: dict[str, list[str]] = {
    "k5": [],
    "k1": ["--iterations", "1"],
    "k3": ["--iterations", "3"],
    "k8": ["--iterations", "8"],
    "separate": ["--separate"],
    "hard": ["--dc", "hard"],
    "gradient": ["--dc", "gradient"],
    "noiseless": ["--noise-max", "0"],
    "seed1": ["--seed", "1"],
    "seed2": ["--seed", "2"],
}
ABLATION_EPOCHS = 20
#: Chapter 23's networks, ``name: (subcommand, options, epochs)`` of ``python -m mrilab.train``, into
#: ``weights/ablations/unrolled_<name>.pt``: SSDU's split-ratio sweep, and SSDU and the supervised
#: network on masks that never sample the 16 outermost columns at each edge (the blind spot), and the
#: multi-coil SSDU network without its warm start.
SELF_SUPERVISION_ABLATIONS: dict[str, tuple[str, list[str], int]] = {
    "ssdu_rho0.1": ("unrolled-ssdu", ["--split-ratio", "0.1"], 40),
    "ssdu_rho0.2": ("unrolled-ssdu", ["--split-ratio", "0.2"], 40),
    "ssdu_rho0.4": ("unrolled-ssdu", ["--split-ratio", "0.4"], 40),
    "ssdu_rho0.6": ("unrolled-ssdu", ["--split-ratio", "0.6"], 40),
    "ssdu_edge": ("unrolled-ssdu", ["--unsampled-edge", "16"], 40),
    "edge": ("unrolled", ["--unsampled-edge", "16"], ABLATION_EPOCHS),
    # the multi-coil SSDU network from the seeded initialisation, at the single-coil peak rate (the
    # shipped one starts its denoiser from the single-coil SSDU network's)
    "ssdu_multicoil_scratch": ("unrolled-ssdu", ["--multicoil", "--data", DEFAULT_PATHS["multicoil"],
                                                 "--init-denoiser", "none", "--lr", "3e-3"], 150),
}
#: Chapter 21's capacity comparison, the same form, full budgets: the robust recipe with one shared
#: denoiser (the parameters of the R = 4 network), and the R = 4 recipe with a denoiser per iteration
#: (the parameters of the robust network). With them, what mixing protocols costs is measured at
#: either size.
PROTOCOL_ABLATIONS: dict[str, tuple[str, list[str], int]] = {
    "robust_shared": ("unrolled-robust", ["--shared"], 150),
    "r4_separate": ("unrolled", ["--separate"], 150),
}
