"""Column masks learned from data: LOUPE's relaxed mask and a greedy search.

Both choose which phase-encode columns to measure from training images, for a given
reconstruction; neither is tied to one (the training code in :mod:`mrilab.train.sampling`
pairs them with the unrolled network of chapter 12).

* :class:`LoupeMask` is the mask of LOUPE (Bahadir, Wang, Dalca and Sabuncu, IEEE TCI 2020):
  one logit per column, a probability ``sigmoid(slope * logit)`` rescaled so that the
  probabilities add up to the line budget, and in training a *relaxed* Bernoulli sample,
  ``sigmoid(sample_slope * (p - u))`` with ``u`` uniform, through which the reconstruction's loss
  reaches the logits. LOUPE learns points of the 2-D grid with a U-Net; here the same mask is
  learned for whole phase-encode columns (as 2-D Cartesian imaging must), and at test time the
  mask is deterministic: the ``round(W / R)`` most probable columns, so the acceleration is exact.
* :func:`greedy_columns` is the greedy selection of Gözcü et al. (IEEE TMI 2018): start from a
  set of columns and add, one at a time, the column that most improves a score computed on
  training images. With ``candidates`` it evaluates only a random subset of the free columns at
  each step, the candidate subsampling of Sanchez et al. (ICASSP 2020; they also subsample the
  training images), which makes the search affordable for an expensive reconstruction. The order
  of the picks is returned, so one search gives nested masks for every line budget up to its last.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .._checks import as_rng

__all__ = ["LoupeMask", "greedy_columns"]


def _budget(width: int, acceleration: float) -> int:
    if (isinstance(acceleration, bool) or not isinstance(acceleration, (int, float, np.integer, np.floating))
            or not np.isfinite(acceleration) or acceleration <= 1):
        raise ValueError(f"acceleration must be a number > 1, got {acceleration!r}")
    return max(1, int(round(width / acceleration)))


class LoupeMask(nn.Module):
    """A learnable probability per column (LOUPE), its relaxed samples and its exact mask.

    Parameters
    ----------
    width : int
        Number of phase-encode columns.
    acceleration : float
        ``R > 1``: the probabilities add up to ``W / R`` and the exact mask has ``round(W / R)``
        columns.
    slope : float, keyword-only
        Of the sigmoid from logits to probabilities (LOUPE's 5).
    sample_slope : float, keyword-only
        Of the sigmoid that relaxes the Bernoulli threshold (200 here: nearly binary samples whose
        gradient still reaches the probabilities; LOUPE's code defaults to 12, softer).
    seed : int, keyword-only
        The logits start so that the probabilities are uniform on (0, 1), as in LOUPE.
    """

    def __init__(self, width: int, acceleration: float, *, slope: float = 5.0, sample_slope: float = 200.0,
                 seed: int = 0):
        super().__init__()
        if int(width) != width or width < 2:
            raise ValueError(f"width must be an integer >= 2, got {width!r}")
        self.n_lines = _budget(int(width), acceleration)
        for name, value in (("slope", slope), ("sample_slope", sample_slope)):
            if not np.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        self.width, self.acceleration = int(width), float(acceleration)
        self.slope, self.sample_slope = float(slope), float(sample_slope)
        u = torch.rand(self.width, generator=torch.Generator().manual_seed(int(seed))).clamp(0.01, 0.99)
        self.logits = nn.Parameter(torch.log(u / (1 - u)) / self.slope)

    def probabilities(self) -> torch.Tensor:
        """The probability of each column, rescaled to a mean of ``1 / R`` (LOUPE's rescaling:
        scaled down when the mean is too high, ``1 - p`` scaled down when it is too low, so every
        value stays in [0, 1])."""
        p = torch.sigmoid(self.slope * self.logits)
        target, mean = 1.0 / self.acceleration, p.mean()
        if mean >= target:
            return p * (target / mean)
        return 1 - (1 - p) * ((1 - target) / (1 - mean))

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` relaxed masks, shape ``(n, W)``, values in (0, 1), differentiable in the logits."""
        u = torch.rand(int(n), self.width, generator=generator).to(self.logits.device)
        return torch.sigmoid(self.sample_slope * (self.probabilities()[None] - u))

    @torch.no_grad()
    def columns(self) -> np.ndarray:
        """The exact mask's columns: the ``round(W / R)`` most probable, as a bool array ``(W,)``."""
        p = self.probabilities().detach().cpu().numpy()
        chosen = np.argsort(-p, kind="stable")[:self.n_lines]
        out = np.zeros(self.width, dtype=bool)
        out[chosen] = True
        return out

    def mask(self, height: int) -> np.ndarray:
        """The exact mask, bool ``(height, W)``, every row the same."""
        return np.broadcast_to(self.columns(), (int(height), self.width)).copy()


def greedy_columns(score: Callable[[np.ndarray], float], width: int, n_columns: int, *,
                   start: Sequence[int] = (), candidates: int | None = None,
                   rng: np.random.Generator | int | None = None, progress: Callable[[int, float], None] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Greedy column selection (Gözcü et al. 2018): add the column that raises ``score`` most.

    Parameters
    ----------
    score : callable
        ``score(columns)`` for a bool array of ``width`` columns; larger is better (a mean PSNR on
        training images, say).
    width : int
    n_columns : int
        Stop when this many columns are chosen (``start`` included).
    start : sequence of int, keyword-only
        Columns chosen before the search (none by default).
    candidates : int, keyword-only
        Evaluate at most this many free columns per step, drawn at random (the stochastic greedy
        search); None evaluates them all.
    rng : keyword-only
        For the candidates' draws.
    progress : callable, keyword-only
        Called as ``progress(n_chosen, best_score)`` after each step.

    Raises
    ------
    ValueError
        For a score that is not a finite number (a NaN would otherwise win or lose silently).

    Returns
    -------
    order : int ndarray, shape (n_columns,)
        The columns in the order they were chosen (``start`` first): the first ``n`` of them are the
        greedy mask of ``n`` columns.
    scores : float ndarray, shape (n_columns - len(start),)
        The score after each pick.
    """
    if int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    start = [int(c) for c in start]
    if any(not 0 <= c < width for c in start) or len(set(start)) != len(start):
        raise ValueError(f"start must hold distinct columns in 0..{width - 1}, got {start}")
    if int(n_columns) != n_columns or not len(start) <= n_columns <= width:
        raise ValueError(f"n_columns must be an integer between len(start) = {len(start)} and width = {width}, "
                         f"got {n_columns!r}")
    if candidates is not None and (int(candidates) != candidates or candidates < 1):
        raise ValueError(f"candidates must be a positive integer or None, got {candidates!r}")
    gen = as_rng(rng)
    chosen = np.zeros(int(width), dtype=bool)
    chosen[start] = True
    order, history = list(start), []
    while len(order) < n_columns:
        free = np.flatnonzero(~chosen)
        if candidates is not None and len(free) > candidates:
            free = np.sort(gen.choice(free, size=int(candidates), replace=False))
        values = []
        for c in free:
            trial = chosen.copy()
            trial[c] = True
            value = float(score(trial))
            if not np.isfinite(value):
                raise ValueError(f"score returned {value} for the columns {np.flatnonzero(trial).tolist()}; it must be a "
                                 f"finite number (check the reconstruction for this mask)")
            values.append(value)
        best = int(free[int(np.argmax(values))])
        chosen[best] = True
        order.append(best)
        history.append(max(values))
        if progress is not None:
            progress(len(order), history[-1])
    return np.asarray(order, dtype=int), np.asarray(history)
