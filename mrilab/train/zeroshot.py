"""Zero-shot, scan-specific self-supervised reconstruction (ZS-SSL, Yaman et al. 2022).

SSDU (:mod:`mrilab.train.ssdu`) needs a database of undersampled scans. ZS-SSL
:cite:`yaman2022zero` needs one: the scan to reconstruct. Its measured columns ``Omega`` are
split once into a **validation** set ``Gamma``, never used for training, and the rest, which
is split again and again into ``Theta`` (the network's input) and ``Lambda`` (the loss), as in
SSDU. An unrolled network is trained on those splits of this one scan; after every
``check_every`` steps it predicts ``Gamma`` from ``Omega \\ Gamma``, and training stops when that
validation loss has not improved for ``patience`` checks (the weights of its best check are
kept). The reconstruction is the network applied to all of ``Omega``.

Without the validation set, training on one scan overfits: the network learns to reproduce
the noise of the measured samples and the loss on ``Lambda`` keeps falling while the image gets
worse. ``Gamma`` sees none of the training, so its loss turns up when that starts.

The network starts from ``init`` (for example the SSDU network: transfer learning, as the paper
also does) or from fresh weights. Everything runs on whole images of the one scan, with the
book's Cartesian masks: the splits take whole columns outside the ACS
(:func:`mrilab.train.ssdu.split_columns`).
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch

from ..fourier import fft2c, ifft2c
from .ssdu import kspace_loss, split_columns

__all__ = ["zero_shot"]


def zero_shot(kspace, mask, *, init: torch.nn.Module | None = None, split_ratio: float = 0.4,
              validation_ratio: float = 0.2, splits_per_step: int = 4, max_steps: int = 300, lr: float = 1e-3,
              check_every: int = 10, patience: int = 5, seed: int = 0, model_config: dict | None = None,
              max_seconds: float | None = None):
    """Fit an unrolled network to one undersampled scan and reconstruct it.

    Parameters
    ----------
    kspace : complex ndarray (H, W)
        The measured k-space of one scan (zeros off the mask), single coil.
    mask : bool ndarray (H, W)
        Its Cartesian mask ``Omega`` (whole columns, with an ACS).
    init : Unrolled, optional
        Starting weights (copied; the model given is not changed). Default: a fresh
        :class:`mrilab.models.Unrolled` with ``model_config`` (default: the book's recipe).
    split_ratio : float
        ``|Lambda| / |Omega \\ Gamma|`` of every training split.
    validation_ratio : float
        ``|Gamma| / |Omega|``, the columns held out for early stopping.
    splits_per_step : int
        Training splits (a batch) per step, drawn afresh every step.
    max_steps, lr, check_every, patience : int, float, int, int
        Adam steps at most, its learning rate, how often the validation loss is computed, and
        how many checks without improvement stop training.
    seed : int
    max_seconds : float, optional
        Stop after this much time, whatever the validation loss.

    Returns
    -------
    image : float ndarray (H, W)
        The magnitude reconstruction from all of ``Omega``, on the scan's scale.
    info : dict
        ``train_loss`` and ``val_loss`` per check (the first check is the starting weights,
        step 0, with no training loss), ``steps``, ``best_step`` (0 if training never beat the
        start on ``Gamma``), ``seconds``, ``model`` (the network at its best check).
    """
    from ..models import Unrolled

    y = torch.as_tensor(np.asarray(kspace), dtype=torch.complex64)
    m = np.asarray(mask, dtype=bool)
    if y.ndim != 2 or m.shape != tuple(y.shape):
        raise ValueError(f"kspace must be one (H, W) single-coil scan and mask its (H, W) mask, got "
                         f"{tuple(y.shape)} and {m.shape}")
    for name, v in (("split_ratio", split_ratio), ("validation_ratio", validation_ratio)):
        if not 0 < v < 1:
            raise ValueError(f"{name} must be between 0 and 1, got {v}")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    train_mask, gamma = split_columns(m, validation_ratio, rng)      # Gamma: never trained on
    model = copy.deepcopy(init) if init is not None else Unrolled(**(model_config or {}))
    model.train()
    scale = ifft2c(y * torch.from_numpy(train_mask)).abs().max().clamp_min(1e-12)
    yn = y / scale
    gamma_t, train_t = torch.from_numpy(gamma), torch.from_numpy(train_mask)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def objective(theta, lam):
        """The k-space loss on ``lam`` of the network run on ``theta`` (both (B, H, W))."""
        for x in model._steps(yn[None] * theta, theta):
            pass
        pred = torch.view_as_real((fft2c(x) * lam).contiguous())
        target = torch.view_as_real((yn[None] * lam).contiguous())
        return kspace_loss(pred, target)

    def validation_loss():
        with torch.no_grad():
            model.eval()
            val = float(objective(train_t[None], gamma_t[None]))
            model.train()
        return val

    # the starting weights are the first candidate: early stopping never keeps worse ones
    history = {"train_loss": [np.nan], "val_loss": [validation_loss()]}
    best, best_state, best_step, bad = history["val_loss"][0], copy.deepcopy(model.state_dict()), 0, 0
    start = time.perf_counter()
    losses = []
    step = 0
    for step in range(1, max_steps + 1):
        pairs = [split_columns(train_mask, split_ratio, rng) for _ in range(splits_per_step)]
        theta = torch.from_numpy(np.stack([p[0] for p in pairs]))
        lam = torch.from_numpy(np.stack([p[1] for p in pairs]))
        value = objective(theta, lam)
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()
        losses.append(float(value.detach()))
        if step % check_every == 0:
            val = validation_loss()
            history["train_loss"].append(float(np.mean(losses)))
            history["val_loss"].append(val)
            losses = []
            if val < best:
                best, best_state, best_step, bad = val, copy.deepcopy(model.state_dict()), step, 0
            else:
                bad += 1
            if bad >= patience or (max_seconds is not None and time.perf_counter() - start > max_seconds):
                break
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        image = model.reconstruct(y[None], torch.from_numpy(m)[None])[0].numpy()
    return image, dict(history, steps=step, best_step=best_step, seconds=time.perf_counter() - start, model=model)
