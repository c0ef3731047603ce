"""Training networks on the dataset, checkpoints, and the command line.

* :func:`fit`: the training loop. It takes every choice as an argument (model,
  data, optimiser, loss, epochs, device), shows a tqdm progress bar per epoch
  with the running loss, evaluates PSNR/SSIM on a validation split after each
  epoch and returns the history.
* :func:`save_checkpoint` / :func:`mrilab.load_model` (defined in
  :mod:`mrilab.models.checkpoint`, re-exported here): a checkpoint is the state dict, the
  config that built the model and the metrics it reached, loaded with
  ``torch.load(..., weights_only=True)``.
* ``python -m mrilab.train kspace-unet|cascade ...``: the documented command that
  makes the shipped weights (see ``python -m mrilab.train --help``).
"""

from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..data import load_dataset
from ..metrics import evaluate
from ..models.checkpoint import load_model, save_checkpoint  # the checkpoint format lives with the models
from ..models.inference import predict  # inference too: the registry uses it without importing training

__all__ = ["fit", "save_checkpoint", "load_model", "tensors_from_split", "loaders", "predict",
           "combined_loss", "FreshNoise", "History"]

History = dict[str, list[float]]


def tensors_from_split(split) -> TensorDataset:
    """A :class:`TensorDataset` of (k-space, mask, phantom) from a loaded split."""
    return TensorDataset(torch.from_numpy(np.ascontiguousarray(split.kspace_undersampled)),
                         torch.from_numpy(np.ascontiguousarray(split.masks)),
                         torch.from_numpy(np.ascontiguousarray(split.phantoms)))


class FreshNoise(torch.utils.data.Dataset):
    """(k-space, mask, phantom) samples whose noise is drawn afresh every time one is read.

    A network trained on one fixed noise draw per phantom can learn that draw; with a new
    draw at every epoch it sees ``epochs`` noisy versions of each phantom, as a scanner
    would give them. Each sample is ``(kspace_full + n) * mask`` with complex Gaussian
    noise ``n`` (real and imaginary parts of standard deviation ``noise_std``) from the
    dataset's own ``torch.Generator``, so a run is reproducible (with ``num_workers=0``).

    Parameters
    ----------
    split : Split
        A loaded split with ``kspace_full``, ``masks`` and ``phantoms``.
    noise_std : float
    seed : int
    """

    def __init__(self, split, noise_std: float, seed: int = 0):
        self.kspace = torch.from_numpy(np.ascontiguousarray(split.kspace_full))
        self.masks = torch.from_numpy(np.ascontiguousarray(split.masks))
        self.targets = torch.from_numpy(np.ascontiguousarray(split.phantoms))
        self.noise_std = float(noise_std)
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i):
        k = self.kspace[i]
        noise = torch.randn(k.shape, generator=self.generator) + 1j * torch.randn(k.shape, generator=self.generator)
        return (k + self.noise_std * noise).to(k.dtype) * self.masks[i], self.masks[i], self.targets[i]


def loaders(path: str | os.PathLike, *, n_val: int = 50, batch_size: int = 8, seed: int = 0,
            n_train: int | None = None) -> tuple[DataLoader, DataLoader]:
    """Training and validation loaders from the training split of the dataset.

    The last ``n_val`` training phantoms are held out for validation; the test
    split is never read. Shuffling uses its own ``torch.Generator(seed)``. Where the
    dataset has noise (its ``noise_std`` attribute), the training loader draws the
    noise afresh for every batch (:class:`FreshNoise`); validation uses the stored
    measurements, so that its figures are comparable from epoch to epoch.
    """
    train = load_dataset(path, "train")
    n = len(train) if n_train is None else min(n_train + n_val, len(train))
    if n_val < 1 or n_val >= n:
        raise ValueError(f"n_val must be between 1 and {n - 1} for {n} training phantoms, got {n_val}")
    noise_std = float(train.attrs.get("noise_std", 0.0))
    data = tensors_from_split(train)
    fitting = FreshNoise(train, noise_std, seed) if noise_std > 0 else data
    train_set = torch.utils.data.Subset(fitting, range(0, n - n_val))
    val_set = torch.utils.data.Subset(data, range(n - n_val, n))
    gen = torch.Generator().manual_seed(seed)
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=gen),
            DataLoader(val_set, batch_size=32, shuffle=False))


def combined_loss(alpha: float = 0.5) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``alpha * L1 + (1 - alpha) * MSE`` (the research study's combination of L1 and L2)."""
    def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return alpha * nn.functional.l1_loss(pred, target) + (1 - alpha) * nn.functional.mse_loss(pred, target)
    return loss


def _evaluate_loader(model: nn.Module, loader: Iterable, device) -> dict[str, float]:
    preds, targets = [], []
    model.eval()
    with torch.no_grad():
        for k, m, x in loader:
            preds.append(model.reconstruct(k.to(device), m.to(device)).cpu().numpy())
            targets.append(x.numpy())
    scores = evaluate(np.concatenate(targets), np.concatenate(preds))
    return {name: float(v.mean()) for name, v in scores.items()}


def fit(model: nn.Module, train_loader: Iterable, val_loader: Iterable | None, *,
        optimizer: torch.optim.Optimizer, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        epochs: int, device: str | torch.device = "cpu",
        penalty: Callable[[], torch.Tensor] | None = None,
        scheduler: Any = None, max_seconds: float | None = None,
        progress: bool = True) -> History:
    """Train ``model`` so that ``model.reconstruct(kspace, mask)`` matches the phantoms.

    Parameters
    ----------
    model : torch.nn.Module
        Anything with ``reconstruct(kspace, mask) -> magnitude image``.
    train_loader, val_loader : iterables of (kspace, mask, phantom) batches
        ``val_loader`` may be None (no validation).
    optimizer : torch.optim.Optimizer, keyword-only
    loss_fn : callable, keyword-only
        ``loss_fn(prediction, phantom) -> scalar``.
    epochs : int, keyword-only
    device : str or torch.device, keyword-only
        ``"cpu"`` (default) or ``"cuda"``.
    penalty : callable, keyword-only
        Added to the loss each step (for example a weight penalty).
    scheduler : keyword-only
        A learning-rate scheduler stepped once per batch.
    max_seconds : float, keyword-only
        Stop after the epoch during which this much time has passed.
    progress : bool, keyword-only
        Show tqdm progress bars (also silenced by ``TQDM_DISABLE=1``).

    Returns
    -------
    history : dict of lists
        ``"loss"`` (mean training loss per epoch), ``"val_psnr"``, ``"val_ssim"``,
        ``"val_rmse"``, ``"seconds"`` (cumulative), and ``"batch_loss"``.
    """
    from tqdm.auto import tqdm

    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    model.to(device)
    history: History = {"loss": [], "val_psnr": [], "val_ssim": [], "val_rmse": [], "seconds": [],
                        "batch_loss": []}
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        # without an explicit disable=, tqdm honours TQDM_DISABLE=1 from the environment
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1}/{epochs}", leave=False,
                   **({} if progress else {"disable": True}))
        for k, m, x in bar:
            k, m, x = k.to(device), m.to(device), x.to(device)
            loss = loss_fn(model.reconstruct(k, m), x)
            if penalty is not None:
                loss = loss + penalty()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            value = float(loss.detach())
            if not math.isfinite(value):
                raise FloatingPointError(f"the training loss became {value} in epoch {epoch + 1}; "
                                         f"lower the learning rate")
            history["batch_loss"].append(value)
            total, count = total + value * len(x), count + len(x)
            bar.set_postfix(loss=f"{total / count:.4g}")
        history["loss"].append(total / max(count, 1))
        if val_loader is not None:
            scores = _evaluate_loader(model, val_loader, device)
            for name, v in scores.items():
                history[f"val_{name}"].append(v)
        history["seconds"].append(time.perf_counter() - start)
        if progress:
            val = (f", validation PSNR {history['val_psnr'][-1]:.2f} dB SSIM {history['val_ssim'][-1]:.3f}"
                   if val_loader is not None else "")
            tqdm.write(f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4g}{val} "
                       f"({history['seconds'][-1]:.0f} s)")
        if max_seconds is not None and history["seconds"][-1] > max_seconds:
            break
    model.eval()
    return history


