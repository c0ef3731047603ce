"""A U-Net that fills in k-space, followed by data consistency."""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from ..fourier import ifft2c
from .dc import DataConsistency
from .unet import UNet


def radial_weight(shape: tuple[int, int], device=None) -> torch.Tensor:
    """``(r + 1) / (W / 2)``, r the distance from DC in samples: flattens k-space's decay.

    The magnitude of k-space falls roughly like ``1 / r`` away from the centre;
    multiplying by this weight brings the centre and the edges to comparable
    values, so that one network can treat both.
    """
    h, w = shape
    ky = torch.arange(h, device=device, dtype=torch.float32) - h // 2
    kx = torch.arange(w, device=device, dtype=torch.float32) - w // 2
    r = torch.sqrt(ky[:, None] ** 2 + kx[None, :] ** 2)
    return (r + 1) / (max(h, w) / 2)


class KSpaceUNet(nn.Module):
    """U-Net on the real and imaginary channels of k-space, with data consistency.

    Steps, for undersampled k-space ``y`` and mask ``M``:

    1. **weight and normalise**: ``x = w * y / s`` with the radial weight ``w``
       (:func:`radial_weight`) and a per-sample scale ``s``, the RMS of
       ``w * y`` over the measured samples, so every input has unit scale;
    2. **fill**: a :class:`UNet` sees ``[Re x, Im x, M]`` and predicts a
       residual ``dx``; the filled k-space is ``(x + dx) * s / w``;
    3. **data consistency** (:class:`DataConsistency`) puts the measured
       samples back.

    Parameters
    ----------
    chans, num_pool_layers, kernel_sizes, drop_prob : keyword-only
        Passed to :class:`UNet`.
    soft_dc : bool, keyword-only
        Soft instead of hard data consistency.
    """

    def __init__(self, *, chans: int = 16, num_pool_layers: int = 3,
                 kernel_sizes: Sequence[int] | None = None, drop_prob: float = 0.0,
                 soft_dc: bool = False):
        super().__init__()
        self.config: dict[str, Any] = dict(chans=chans, num_pool_layers=num_pool_layers,
                                           kernel_sizes=list(kernel_sizes) if kernel_sizes else None,
                                           drop_prob=drop_prob, soft_dc=soft_dc)
        self.unet = UNet(3, 2, chans=chans, num_pool_layers=num_pool_layers,
                         kernel_sizes=kernel_sizes, drop_prob=drop_prob)
        self.dc = DataConsistency(soft=soft_dc)

    def forward(self, kspace: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Fill in undersampled k-space.

        Parameters
        ----------
        kspace : complex torch.Tensor, shape (N, H, W)
            Measured centred k-space, zero where not sampled.
        mask : bool torch.Tensor, shape (N, H, W)

        Returns
        -------
        complex torch.Tensor, shape (N, H, W)
            Filled k-space; equal to ``kspace`` wherever ``mask`` is set (hard DC).
        """
        mask = mask.to(torch.bool)
        w = radial_weight(tuple(kspace.shape[-2:]), kspace.device)
        weighted = kspace * w
        n_sampled = mask.sum(dim=(-2, -1), keepdim=True).clamp_min(1)
        scale = torch.sqrt((weighted.abs() ** 2).sum(dim=(-2, -1), keepdim=True) / n_sampled)
        scale = scale.clamp_min(1e-12)
        x = weighted / scale
        inp = torch.stack([x.real, x.imag, mask.to(x.real.dtype)], dim=1)
        out = self.unet(inp)
        filled = (x + torch.complex(out[:, 0], out[:, 1])) * scale / w
        return self.dc(filled, kspace, mask)

    def reconstruct(self, kspace: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Magnitude image ``|F^H filled k-space|``, shape (N, H, W)."""
        return ifft2c(self.forward(kspace, mask)).abs()
