"""Learning where to sample (chapter 27): masks chosen on training images, each with its own network.

Three ways to choose ``round(W / R)`` columns of the realistic images, and for each mask the same
reconstruction retrained for it, so that a mask's gain is not confounded with a network:

* **variable density** (:func:`mrilab.sampling.variable_density_mask`, a fresh draw for every
  image): its exponent and its ACS chosen on training images with a fixed *proxy* decoder (the
  robust unrolled network of chapter 21, trained on random masks of every acceleration from 3 to 8);
* **one fixed variable-density mask** (``vd_fixed``): the best of ``vd_fixed_draws`` draws of the
  same density on the proxy, kept for every image, like the learned masks: the control that
  separates what a *fixed* mask gives a network fine-tuned for it from what *learning* it gives;
* **greedy** (:func:`mrilab.sampling.greedy_columns`, Gözcü et al. 2018, the stochastic variant):
  columns added one at a time, each the one that raises the proxy decoder's PSNR on training
  bands most; one search to the R = 4 budget gives the nested R = 8 mask on the way;
* **LOUPE** (:class:`mrilab.sampling.LoupeMask`, Bahadir et al. 2020): a probability per column
  trained jointly with an unrolled network (chapter 12's, warm-started from its weights) through
  relaxed samples (:func:`relaxed_forward`); the exact mask keeps the most probable columns.

Then every mask, the variable-density draws included, gets chapter 12's network fine-tuned from
chapter 12's weights with one and the same schedule (:data:`mrilab.train.recipes.SAMPLING`): the
masks are compared with equal networks. The jointly trained LOUPE network is discarded for the
same reason.
"""

from __future__ import annotations

import copy
import math
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import DataLoader

from ..fourier import fft2c, ifft2c
from ..models.checkpoint import load_model, save_checkpoint
from ..models.unrolled import Unrolled
from ..registry import SAMPLING_KINDS, sampling_checkpoint_name
from ..sampling import LoupeMask, greedy_columns, variable_density_mask
from .unrolled import LOSSES, NoisyBands, fit_unrolled

__all__ = ["relaxed_forward", "ProxyScore", "WholeImageBands", "fit_loupe", "choose_variable_density", "train_sampling",
           "sampling_checkpoint_name", "KINDS"]

#: The three masks of chapter 27, by the name of their checkpoints.
KINDS = SAMPLING_KINDS


class WholeImageBands(NoisyBands):
    """LOUPE's samples: a band of the *full* noisy k-space, the whole noisy image's k-space and the
    reference band, unscaled (``(k_band, k_whole, target_band)``). :func:`fit_loupe` scales each by
    the maximum of the whole image's zero-filled magnitude under the relaxed mask it draws, as
    :meth:`Unrolled.reconstruct` scales at test time. Noise and band as in :class:`NoisyBands`."""

    def __init__(self, split, *, band: int = 32, noise_range: tuple[float, float] = (0.0, 0.02), seed: int = 0):
        super().__init__(split, band=band, noise_range=noise_range, seed=seed,
                         mask=np.ones(split.kspace_full.shape[-2:], dtype=bool))

    def __getitem__(self, i: int):
        seq = np.random.SeedSequence([self.seed, self.epoch, int(i)])
        g = torch.Generator().manual_seed(int(seq.generate_state(1, np.uint64)[0] >> 1))
        lo, hi = self.noise_range
        sigma = lo + (hi - lo) * float(torch.rand((), generator=g))
        image, target = self.images[i], self.targets[i]
        noise = torch.randn(image.shape, generator=g) + 1j * torch.randn(image.shape, generator=g)
        noisy = image + sigma * noise.to(image.dtype)
        top = int(torch.randint(0, image.shape[-2] - self.band + 1, (), generator=g))
        rows = slice(top, top + self.band)
        return fft2c(noisy[rows]), fft2c(noisy), target[rows]


def _step_weight(model, k: int) -> torch.Tensor:
    """How far iteration ``k``'s data step moves a sampled value towards the measurement."""
    dc, mode = model.dcs[k], model.config["dc"]
    if mode == "soft":
        lam = dc.weight
        return lam / (1 + lam)
    if mode == "gradient":
        return dc.step
    return torch.ones(())


def relaxed_forward(model, kspace: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """An :class:`~mrilab.models.Unrolled` network on k-space weighted column by column.

    ``kspace`` is the full (noisy, normalised) k-space ``(N, H, W)`` and ``weights`` ``(N, W)`` the
    relaxed mask in [0, 1]. The data step becomes ``k + w c (y - k)`` with ``c`` the network's own
    weight of the measurement (``lambda / (1 + lambda)`` for the soft step), which for a binary
    mask is exactly :meth:`Unrolled.forward`'s; in between it is differentiable in ``w``.
    Returns the magnitude image.
    """
    w = weights[:, None, :].to(kspace.real.dtype)
    measured = kspace * w
    x = ifft2c(measured)
    for k in range(model.iterations):
        z = model.denoisers[0 if len(model.denoisers) == 1 else k](x)
        kz = fft2c(z)
        x = ifft2c(kz + w * _step_weight(model, k) * (kspace - kz))
    return x.abs()


class ProxyScore:
    """The mean PSNR of a fixed decoder on fixed training bands, for any set of columns.

    Each of ``len(indices)`` training images gets one draw of noise (``noise_std``) and one band of
    ``band`` rows; for a candidate mask, each image is scaled by the maximum of its whole
    zero-filled magnitude (as :meth:`Unrolled.reconstruct` scales at test time), the band's masked
    k-space goes through the decoder, and the PSNR is ``10 log10(1 / MSE)`` against the reference
    band on the same scale (the reference's maximum is 1 before scaling). Calling it with a bool
    array of columns ``(W,)`` returns the mean over the bands in dB.
    """

    def __init__(self, model, split, *, indices, band: int = 32, noise_std: float = 0.01, seed: int = 0):
        gen = torch.Generator().manual_seed(int(seed))
        idx = np.asarray(indices)
        images = torch.from_numpy(np.ascontiguousarray(ifft2c(split.kspace_full[idx]))).to(torch.complex64)
        noise = torch.randn(images.shape, generator=gen) + 1j * torch.randn(images.shape, generator=gen)
        noisy = images + float(noise_std) * noise.to(images.dtype)
        h = images.shape[-2]
        tops = torch.randint(0, h - band + 1, (len(idx),), generator=gen)
        rows = torch.stack([torch.arange(t, t + band) for t in tops.tolist()])
        self.kfull = fft2c(noisy)                                              # whole images' k-space
        self.kband = fft2c(torch.stack([noisy[i, r] for i, r in enumerate(rows)]))  # each band's k-space
        self.target = torch.stack([torch.from_numpy(np.asarray(split.phantoms[j], dtype=np.float32))[r]
                                   for j, r in zip(idx, rows)])
        self.model = model.eval()
        self.calls = 0

    @torch.no_grad()
    def __call__(self, columns: np.ndarray) -> float:
        m = torch.from_numpy(np.asarray(columns, dtype=bool))[None, None, :]
        scale = Unrolled.scale_of(self.kfull, m)
        mask = m.expand(self.kband.shape)
        out = self.model.forward(self.kband * mask / scale, mask)
        # on the reference's own scale (its maximum is 1), not the mask-dependent input scale
        mse = ((out * scale - self.target) ** 2).mean(dim=(-2, -1)).clamp_min(1e-12)
        self.calls += 1
        return float((10 * torch.log10(1 / mse)).mean())


def _vd_draw(shape, acceleration, center_fraction, power, rng):
    return variable_density_mask(shape, acceleration, center_fraction, power=power, rng=rng)


def variable_density_sampler(shape, acceleration: float, center_fraction: float, power: float
                             ) -> Callable[[np.random.Generator], np.ndarray]:
    """``rng -> mask``: fresh variable-density masks, for :class:`NoisyBands`' ``mask_sampler``."""
    return partial(_vd_draw, tuple(shape), float(acceleration), float(center_fraction), float(power))


def choose_variable_density(score: ProxyScore, shape, acceleration: float, *, powers, center_fractions,
                            draws: int = 4, seed: int = 0) -> tuple[dict, list[dict]]:
    """The exponent and ACS of the variable-density masks with the best mean proxy PSNR over ``draws``
    masks each; returns the best and the whole table."""
    rows = []
    for c in center_fractions:
        for p in powers:
            rng = np.random.default_rng([int(seed), int(round(1000 * c)), int(round(100 * p))])
            vals = [score(variable_density_mask(shape, acceleration, c, power=p, rng=rng)[0]) for _ in range(draws)]
            rows.append(dict(center_fraction=float(c), power=float(p), proxy_psnr=float(np.mean(vals))))
    best = max(rows, key=lambda r: r["proxy_psnr"])
    return best, rows


def fit_loupe(model, loupe: LoupeMask, train_set: WholeImageBands, *, epochs: int, batch_size: int = 16,
              lr: float = 1e-3, lr_mask: float = 1e-2, loss: str = "mixed", seed: int = 0,
              progress: bool = True) -> dict[str, list]:
    """Train ``loupe`` and ``model`` together on full k-space bands (:class:`WholeImageBands`): every
    step draws a relaxed mask per sample, scales each sample by its whole image's zero-filled maximum
    under that mask, runs :func:`relaxed_forward` and steps both (Adam, one-cycle schedules peaking at
    ``lr`` and ``lr_mask``). Returns the losses per epoch and the probabilities before training
    (``initial_probabilities``) and after each epoch."""
    from tqdm.auto import tqdm

    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    loss_fn = LOSSES[loss]
    gen = torch.Generator().manual_seed(int(seed))
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True, generator=gen)
    optimizer = torch.optim.Adam([{"params": model.parameters(), "lr": lr},
                                  {"params": loupe.parameters(), "lr": lr_mask}])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=[lr, lr_mask],
                                                    total_steps=epochs * len(loader), pct_start=0.1)
    history: dict[str, list] = {"loss": [], "probabilities": [],
                                "initial_probabilities": loupe.probabilities().detach().numpy().round(4).tolist()}
    model.train()
    for epoch in range(epochs):
        train_set.set_epoch(epoch)
        losses = []
        for k, whole, x in tqdm(loader, desc=f"LOUPE R = {loupe.acceleration:g}, epoch {epoch + 1}/{epochs}",
                                leave=False, disable=not progress):
            weights = loupe.sample(len(k), generator=gen)
            scale = Unrolled.scale_of(whole, weights[:, None, :])
            value = loss_fn(relaxed_forward(model, k / scale, weights), x / scale)
            logged = value.item()
            if not math.isfinite(logged):   # before the step, so that the parameters stay finite
                raise FloatingPointError(f"the LOUPE loss became {logged} in epoch {epoch + 1}, step {len(losses) + 1}")
            optimizer.zero_grad(set_to_none=True)
            value.backward()
            optimizer.step()
            scheduler.step()
            losses.append(logged)
        history["loss"].append(float(np.mean(losses)))
        history["probabilities"].append(loupe.probabilities().detach().numpy().round(4).tolist())
    model.eval()
    return history


def _test_psnr(model, test, masks, noise_std: float, seed: int) -> float:
    from ..data import remeasure
    from ..metrics import psnr
    from ..models.inference import predict

    t = remeasure(test, 1, noise_std, masks=masks, seed=seed)
    return float(psnr(t.phantoms, predict(model, t.kspace_undersampled, t.masks)).mean())


def train_sampling(train, test, *, out_dir: str | Path, recipe: dict[str, Any], seed: int = 0,
                   progress: bool = True, log: Callable[[str], None] = print) -> dict[str, Path]:
    """Chapter 27's masks and their networks, written to ``out_dir``; returns the paths by
    ``(kind, R)``. ``train`` and ``test`` are splits of the realistic data; ``recipe`` is
    :data:`mrilab.train.recipes.SAMPLING` (or a shorter one, for tests)."""
    out_dir = Path(out_dir)
    shape = tuple(train.kspace_full.shape[-2:])
    h, w = shape
    noise = float(train.attrs.get("noise_std", 0.01))
    rs = tuple(float(r) for r in recipe["accelerations"])
    init = load_model(recipe["init"], expected="Unrolled")
    proxy = load_model(recipe["proxy"], expected="Unrolled")
    score = ProxyScore(proxy, train, indices=range(recipe["greedy_images"]), band=recipe["band"],
                       noise_std=noise, seed=seed)
    torch.manual_seed(seed)

    # the masks: variable density (its exponent and ACS), greedy (one search, nested), LOUPE
    searches: dict[tuple[str, float], dict[str, Any]] = {}
    for r in rs:
        t0 = time.perf_counter()
        best, table = choose_variable_density(score, shape, r, powers=recipe["vd_powers"],
                                              center_fractions=recipe["vd_center_fractions"], seed=seed)
        searches["vd", r] = dict(power=best["power"], center_fraction=best["center_fraction"], table=table,
                                 search_seconds=round(time.perf_counter() - t0, 1))
        log(f"variable density, R = {r:g}: power {best['power']:g}, ACS fraction {best['center_fraction']:g} "
            f"(proxy PSNR {best['proxy_psnr']:.2f} dB)")
        t0 = time.perf_counter()
        rng = np.random.default_rng([seed, 11, int(r)])
        draws = [variable_density_mask(shape, r, best["center_fraction"], power=best["power"], rng=rng)[0]
                 for _ in range(recipe["vd_fixed_draws"])]
        proxies = [score(d) for d in draws]
        pick = int(np.argmax(proxies))
        searches["vd_fixed", r] = dict(columns=np.flatnonzero(draws[pick]).tolist(), power=best["power"],
                                       center_fraction=best["center_fraction"], draw_proxy_psnr=proxies,
                                       search_seconds=round(time.perf_counter() - t0, 1))
    t0 = time.perf_counter()
    budgets = {r: max(1, int(round(w / r))) for r in rs}
    order, scores = greedy_columns(score, w, max(budgets.values()), candidates=recipe["greedy_candidates"],
                                   rng=np.random.default_rng(seed),
                                   progress=(lambda n, s: log(f"greedy: {n} columns, proxy PSNR {s:.2f} dB"))
                                   if progress else None)
    greedy_seconds = time.perf_counter() - t0
    for r in rs:
        cols = np.zeros(w, dtype=bool)
        cols[order[:budgets[r]]] = True
        searches["greedy", r] = dict(columns=np.flatnonzero(cols).tolist(), order=order.tolist(),
                                     scores=scores.tolist(), search_seconds=round(greedy_seconds, 1))
    full = WholeImageBands(train, band=recipe["band"], noise_range=tuple(recipe["noise"]), seed=seed)
    for r in rs:
        t0 = time.perf_counter()
        net = copy.deepcopy(init)
        loupe = LoupeMask(w, r, slope=recipe["slope"], sample_slope=recipe["sample_slope"], seed=seed)
        hist = fit_loupe(net, loupe, full, epochs=recipe["loupe_epochs"], batch_size=recipe["batch_size"],
                         lr=recipe["lr"], lr_mask=recipe["lr_mask"], loss=recipe["loss"], seed=seed, progress=progress)
        cols = loupe.columns()
        searches["loupe", r] = dict(columns=np.flatnonzero(cols).tolist(), probabilities=hist["probabilities"][-1],
                                    probability_history=hist["probabilities"], loupe_loss=hist["loss"],
                                    initial_probabilities=hist["initial_probabilities"],
                                    search_seconds=round(time.perf_counter() - t0, 1))
        log(f"LOUPE, R = {r:g}: {int(cols.sum())} columns in {time.perf_counter() - t0:.0f} s")

    # every mask, the same network fine-tuned for it
    paths = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    for (kind, r), found in sorted(searches.items(), key=lambda item: (KINDS.index(item[0][0]), item[0][1])):
        t0 = time.perf_counter()
        if kind == "vd":
            sampler = variable_density_sampler(shape, r, found["center_fraction"], found["power"])
            bands = NoisyBands(train, band=recipe["band"], noise_range=tuple(recipe["noise"]), seed=seed,
                               mask_sampler=sampler)
            test_masks = np.stack([sampler(np.random.default_rng([seed, 7, i])) for i in range(len(test))])
        else:
            cols = np.zeros(w, dtype=bool)
            cols[found["columns"]] = True
            mask = np.broadcast_to(cols, shape).copy()
            bands = NoisyBands(train, band=recipe["band"], noise_range=tuple(recipe["noise"]), seed=seed, mask=mask)
            test_masks = mask
        net = copy.deepcopy(init)
        torch.manual_seed(seed)
        hist = fit_unrolled(net, bands, None, epochs=recipe["epochs"], batch_size=recipe["batch_size"],
                            lr=recipe["lr"], loss=recipe["loss"], seed=seed, progress=progress)
        seconds = time.perf_counter() - t0
        test_psnr = _test_psnr(net, test, test_masks, noise, seed)
        info = dict(network="unrolled-sampling", kind=kind, acceleration=r, epochs=recipe["epochs"], lr=recipe["lr"],
                    batch_size=recipe["batch_size"], band=recipe["band"], noise_range=list(recipe["noise"]),
                    loss=recipe["loss"], seed=seed, init=str(recipe["init"]), proxy=str(recipe["proxy"]),
                    train_seconds=round(seconds, 1), history={"loss": hist["loss"]},
                    dataset={k: train.attrs.get(k) for k in ("n_train", "size", "preset", "seed", "noise_std")},
                    **found)
        path = save_checkpoint(net, out_dir / sampling_checkpoint_name(kind, r),
                               metrics={"test_psnr": test_psnr}, info=info)
        paths[kind, r] = path
        log(f"{kind}, R = {r:g}: test PSNR {test_psnr:.2f} dB, {seconds:.0f} s -> {path}")
    return paths
