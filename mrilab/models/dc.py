"""Data consistency: keep what was measured."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class DataConsistency(nn.Module):
    """Make predicted k-space agree with the measured samples.

    Hard (``soft=False``): where ``mask`` is 1 the prediction is *replaced* by
    the measurement, so the measured samples survive any network exactly:

    .. math:: \\hat k = (1 - M) \\odot k_{pred} + M \\odot y

    Soft (``soft=True``): a learnable weight ``lambda > 0`` (Schlemper et al.
    2018) averages prediction and measurement where sampled,
    ``(k_pred + lambda y) / (1 + lambda)``, which tolerates noisy data; large
    ``lambda`` tends to the hard version.

    Parameters
    ----------
    soft : bool, keyword-only
    init_weight : float, keyword-only
        Initial ``lambda`` of the soft version.
    """

    def __init__(self, *, soft: bool = False, init_weight: float = 10.0):
        super().__init__()
        self.soft = soft
        if soft:
            if init_weight <= 0:
                raise ValueError(f"init_weight must be > 0, got {init_weight}")
            # softplus(raw) = init_weight
            raw = torch.log(torch.expm1(torch.tensor(float(init_weight))))
            self.raw_weight = nn.Parameter(raw)

    @property
    def weight(self) -> torch.Tensor | None:
        """The soft weight lambda (None for hard data consistency)."""
        return F.softplus(self.raw_weight) if self.soft else None

    def forward(self, pred: torch.Tensor, measured: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Apply data consistency.

        Parameters
        ----------
        pred, measured : complex torch.Tensor, shape (N, H, W)
            Predicted and measured k-space.
        mask : bool torch.Tensor, shape (N, H, W) or (H, W)

        Returns
        -------
        complex torch.Tensor, shape (N, H, W)
        """
        mask = mask.to(torch.bool)
        if not self.soft:
            return torch.where(mask, measured, pred)
        lam = self.weight
        return torch.where(mask, (pred + lam * measured) / (1 + lam), pred)
