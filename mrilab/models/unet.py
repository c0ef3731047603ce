"""The U-Net."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F


class ConvBlock(nn.Module):
    """Two (convolution, instance norm, LeakyReLU, dropout) layers."""

    def __init__(self, in_chans: int, out_chans: int, kernel_size: int, drop_prob: float):
        super().__init__()
        pad = kernel_size // 2
        self.layers = nn.Sequential(
            nn.Conv2d(in_chans, out_chans, kernel_size, padding=pad, bias=False),
            nn.InstanceNorm2d(out_chans),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout2d(drop_prob),
            nn.Conv2d(out_chans, out_chans, kernel_size, padding=pad, bias=False),
            nn.InstanceNorm2d(out_chans),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout2d(drop_prob),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class TransposeConvBlock(nn.Module):
    """Up-sampling by a transposed convolution (stride 2), norm, LeakyReLU."""

    def __init__(self, in_chans: int, out_chans: int):
        super().__init__()
        self.layers = nn.Sequential(
            nn.ConvTranspose2d(in_chans, out_chans, kernel_size=2, stride=2, bias=False),
            nn.InstanceNorm2d(out_chans),
            nn.LeakyReLU(0.2, inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class UNet(nn.Module):
    """U-Net with a configurable kernel size per level.

    Parameters
    ----------
    in_chans, out_chans : int
        Input and output channels.
    chans : int, keyword-only
        Channels of the first level; each level down doubles them.
    num_pool_layers : int, keyword-only
        Number of down-sampling (2 x 2 max-pool) steps, at least 1.
    kernel_sizes : sequence of int, keyword-only
        Odd convolution kernel size for each level, top first
        (``num_pool_layers + 1`` values; the decoder uses the same size as the
        encoder at each level). Default 3 everywhere. Larger kernels at the top
        see wider neighbourhoods, which the research study's "adaptive-kernel"
        U-Net used in k-space.
    drop_prob : float, keyword-only
        Dropout probability.
    """

    def __init__(self, in_chans: int, out_chans: int, *, chans: int = 16, num_pool_layers: int = 3,
                 kernel_sizes: Sequence[int] | None = None, drop_prob: float = 0.0):
        super().__init__()
        if num_pool_layers < 1:
            raise ValueError(f"num_pool_layers must be >= 1, got {num_pool_layers}")
        if chans < 1 or in_chans < 1 or out_chans < 1:
            raise ValueError(f"in_chans, out_chans and chans must be >= 1, got {in_chans}, "
                             f"{out_chans}, {chans}")
        kernel_sizes = list(kernel_sizes) if kernel_sizes is not None else [3] * (num_pool_layers + 1)
        if len(kernel_sizes) != num_pool_layers + 1 or any(k < 1 or k % 2 == 0 for k in kernel_sizes):
            raise ValueError(f"kernel_sizes must hold {num_pool_layers + 1} odd sizes (one per level), "
                             f"got {kernel_sizes}")
        if not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        self.num_pool_layers = num_pool_layers
        self.down_sample_layers = nn.ModuleList([ConvBlock(in_chans, chans, kernel_sizes[0], drop_prob)])
        ch = chans
        for level in range(1, num_pool_layers):
            self.down_sample_layers.append(ConvBlock(ch, ch * 2, kernel_sizes[level], drop_prob))
            ch *= 2
        self.bottleneck = ConvBlock(ch, ch * 2, kernel_sizes[-1], drop_prob)
        self.up_transpose_conv = nn.ModuleList()
        self.up_conv = nn.ModuleList()
        for level in reversed(range(num_pool_layers)):
            self.up_transpose_conv.append(TransposeConvBlock(ch * 2, ch))
            self.up_conv.append(ConvBlock(ch * 2, ch, kernel_sizes[level], drop_prob))
            ch //= 2
        self.final_conv = nn.Conv2d(chans, out_chans, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the U-Net.

        Parameters
        ----------
        x : torch.Tensor, shape (N, in_chans, H, W)

        Returns
        -------
        torch.Tensor, shape (N, out_chans, H, W)
            Any H, W: odd sizes are padded inside and cropped back.
        """
        stack = []
        out = x
        for layer in self.down_sample_layers:
            out = layer(out)
            stack.append(out)
            out = F.max_pool2d(out, kernel_size=2, stride=2)
        out = self.bottleneck(out)
        for transpose, conv in zip(self.up_transpose_conv, self.up_conv):
            skip = stack.pop()
            out = transpose(out)
            # pad if the skip connection is larger (odd sizes)
            dh, dw = skip.shape[-2] - out.shape[-2], skip.shape[-1] - out.shape[-1]
            if dh or dw:
                out = F.pad(out, [0, dw, 0, dh], mode="reflect" if min(out.shape[-2:]) > 1 else "replicate")
            out = conv(torch.cat([out, skip], dim=1))
        return self.final_conv(out)
