"""The cascade: a frozen k-space U-Net, the inverse FFT, and an image-space refinement."""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from .kspace_unet import KSpaceUNet
from .unet import UNet


class RefinementCNN(nn.Module):
    """Residual image-space network: ``x + UNet(x)`` on magnitude images.

    Each image is divided by its maximum before the U-Net and multiplied back
    after, so the network sees the same intensity range whatever the scale.

    Parameters
    ----------
    chans, num_pool_layers, kernel_sizes, drop_prob : keyword-only
        Passed to :class:`UNet` (one channel in, one out).
    """

    def __init__(self, *, chans: int = 16, num_pool_layers: int = 3,
                 kernel_sizes: Sequence[int] | None = None, drop_prob: float = 0.0):
        super().__init__()
        self.config: dict[str, Any] = dict(chans=chans, num_pool_layers=num_pool_layers,
                                           kernel_sizes=list(kernel_sizes) if kernel_sizes else None,
                                           drop_prob=drop_prob)
        self.unet = UNet(1, 1, chans=chans, num_pool_layers=num_pool_layers,
                         kernel_sizes=kernel_sizes, drop_prob=drop_prob)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Refine magnitude images of shape (N, H, W); returns the same shape."""
        scale = image.amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)
        x = (image / scale)[:, None]
        return (x + self.unet(x))[:, 0] * scale


class Cascade(nn.Module):
    """Stage 1 a frozen :class:`KSpaceUNet`; inverse FFT; stage 2 a :class:`RefinementCNN`.

    Only stage 2 is trained: stage 1's parameters have ``requires_grad = False``
    and it always runs in evaluation mode.

    Parameters
    ----------
    stage1 : KSpaceUNet, optional
        A trained k-space U-Net (a new one with ``stage1_config`` otherwise,
        as when loading a checkpoint).
    stage1_config : dict, keyword-only
        Config of stage 1 when ``stage1`` is not given.
    refine_config : dict, keyword-only
        Keyword arguments of :class:`RefinementCNN`.
    """

    def __init__(self, stage1: KSpaceUNet | None = None, *, stage1_config: dict | None = None,
                 refine_config: dict | None = None):
        super().__init__()
        if stage1 is None:
            stage1 = KSpaceUNet(**(stage1_config or {}))
        if not isinstance(stage1, KSpaceUNet):
            raise ValueError(f"stage1 must be a KSpaceUNet, got {type(stage1).__name__}")
        self.stage1 = stage1
        for p in self.stage1.parameters():
            p.requires_grad_(False)
        self.refine = RefinementCNN(**(refine_config or {}))
        self.config: dict[str, Any] = dict(stage1_config=dict(stage1.config),
                                           refine_config=dict(self.refine.config))

    def train(self, mode: bool = True) -> "Cascade":
        super().train(mode)
        self.stage1.eval()  # frozen: batch statistics and dropout never change
        return self

    def stage1_image(self, kspace: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Stage 1 alone: the k-space U-Net's magnitude image (no gradient)."""
        with torch.no_grad():
            return self.stage1.reconstruct(kspace, mask)

    def forward(self, kspace: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Magnitude image of shape (N, H, W) from k-space and mask of shape (N, H, W)."""
        return self.refine(self.stage1_image(kspace, mask))

    def reconstruct(self, kspace: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`forward`: the refined magnitude image."""
        return self.forward(kspace, mask)

    def l1_penalty(self) -> torch.Tensor:
        """Sum of absolute values of the refinement weights (the light L1 penalty)."""
        return sum(p.abs().sum() for p in self.refine.parameters())
