"""A Gaussian denoiser for complex MR images that takes the noise level as an input (Part VII).

Plug-and-play reconstruction (:mod:`mrilab.pnp`) uses a denoiser as the prior's step of an
iterative algorithm and calls it at a decreasing sequence of noise levels. One network serves
every level when the level is an input: a constant channel holding ``sigma`` next to the real
and imaginary channels of the image, as FFDNet (Zhang, Zuo and Zhang, IEEE TIP 2018) and the
DRUNet of DPIR (Zhang et al., IEEE TPAMI 2022) do. The network is a small U-Net without
normalisation layers (which would divide out the very scale the noise level refers to), with a
residual output: ``x + CNN([Re x, Im x, sigma])``. Its last layer starts at zero, so an untrained
denoiser is the identity.

It never sees k-space, a mask or a coil: it is trained once, on noisy realistic images
(:mod:`mrilab.train.denoiser`), and the acquisition enters only through the data step of the
algorithm that calls it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def _block(cin: int, cout: int, convs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class NoiseLevelDenoiser(nn.Module):
    """U-Net denoiser of complex images conditioned on the noise level.

    Parameters
    ----------
    chans : int, keyword-only
        Channels at full resolution; each level down doubles them.
    levels : int, keyword-only
        Down-sampling steps (each by 2): the receptive field grows with them. Image sides must
        be multiples of ``2 ** levels``.
    convs : int, keyword-only
        3 x 3 convolutions (with ReLUs) per block.

    ``forward(x, sigma)``: complex images ``(N, H, W)`` and the noise standard deviation of the
    real and imaginary parts, a number or ``(N,)``, on the images' scale; returns complex images.
    """

    def __init__(self, *, chans: int = 16, levels: int = 2, convs: int = 2):
        super().__init__()
        if int(levels) != levels or levels < 0:
            raise ValueError(f"levels must be an integer >= 0, got {levels}")
        if int(convs) != convs or convs < 1:
            raise ValueError(f"convs must be an integer >= 1, got {convs}")
        self.config: dict[str, Any] = dict(chans=int(chans), levels=int(levels), convs=int(convs))
        widths = [int(chans) * 2 ** i for i in range(int(levels) + 1)]
        self.down = nn.ModuleList()
        self.pool = nn.ModuleList()
        cin = 3
        for i, w in enumerate(widths):
            self.down.append(_block(cin, w, convs))
            if i < levels:
                self.pool.append(nn.Conv2d(w, w, 2, stride=2))
            cin = w
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in range(levels))
        self.merge = nn.ModuleList(_block(2 * widths[i], widths[i], convs) for i in range(levels))
        self.tail = nn.Conv2d(widths[0], 2, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        levels = self.config["levels"]
        if x.shape[-2] % 2 ** levels or x.shape[-1] % 2 ** levels:
            raise ValueError(f"image sides must be multiples of {2 ** levels} for a denoiser with {levels} "
                             f"levels, got {tuple(x.shape[-2:])}; crop or pad the image")
        n = x.shape[0]
        sigma = torch.as_tensor(sigma, dtype=torch.float32, device=x.device).reshape(-1)
        sigma = sigma.expand(n) if sigma.numel() == 1 else sigma
        h = torch.cat([torch.view_as_real(x).permute(0, 3, 1, 2).float(),
                       sigma[:, None, None, None].expand(n, 1, *x.shape[-2:])], dim=1)
        skips = []
        for i, block in enumerate(self.down):
            h = block(h)
            if i < levels:
                skips.append(h)
                h = self.pool[i](h)
        for i in reversed(range(levels)):
            h = self.merge[i](torch.cat([skips[i], self.up[i](h)], dim=1))
        out = self.tail(h)
        return x + torch.view_as_complex(out.permute(0, 2, 3, 1).contiguous()).to(x.dtype)
