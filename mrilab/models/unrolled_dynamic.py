"""The unrolled network of Part V in time: MoDL on a movie, its denoiser convolving across frames (Part XI).

Chapter 16's network alternates a small CNN with a data step solved by conjugate gradients. For a cine
movie ``x_t`` (``T`` frames of one cardiac cycle) with k-t masks ``M_t`` and one set of coil maps ``S``
(from the time-averaged k-space, :func:`mrilab.dynamic.time_averaged_maps`), the data step is the same
regularised normal equations, frame by frame,

.. math::

    (\\lambda_k E_t^H E_t + I)\\, x_t = \\lambda_k E_t^H y_t + z_t , \\qquad E_t = M_t F S ,

and the prior is where time enters: the denoiser ``z = x + D(x)`` takes the whole movie, its convolutions
reaching across neighbouring frames as well as neighbouring pixels. It is in the spirit of the
convolutional recurrent network of Qin et al. (IEEE TMI 2019; bidirectional recurrence over time and
iterations) and of Schlemper et al.'s cascade (IEEE TMI 2018; 3-D convolutions, data-sharing layers and
closed-form data consistency), in the smallest form that trains on two CPU cores: each block a 3 x 3
convolution in space followed by a 3-tap one in time, a "(2+1)D" factorisation (Tran et al., CVPR 2018)
that costs 12 weights per channel pair instead of a 3 x 3 x 3 kernel's 27. The time axis is padded
cyclically: a gated cine is one cardiac cycle, its last frame followed by its first (as
:func:`mrilab.dynamic.temporal_tv` is cyclic). One denoiser is shared by the ``K`` iterations (MoDL);
each has its own learned ``lambda_k``.

As for :class:`~mrilab.models.UnrolledMulticoil` the data step is a proximal step solved approximately by
a few CG iterations (every frame its own system, :func:`mrilab.conjugate_gradient`), not exact data
consistency. :meth:`UnrolledDynamic.reconstruct` divides each movie by the maximum of ``|E^H y|`` over
all its frames and multiplies the output back.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..conjugate_gradient import conjugate_gradient
from ..fourier import fft2c, ifft2c
from .unrolled_multicoil import CGUnrolled

__all__ = ["TimeDenoiser", "UnrolledDynamic", "kt_forward", "kt_adjoint"]


def kt_forward(x: torch.Tensor, maps: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """``E_t x_t = M_t F (S_c x_t)``: movies (N, T, H, W), maps (N, C, H, W), masks (N, T, H, W) -> (N, T, C, H, W)."""
    return fft2c(maps[:, None] * x[:, :, None]) * masks[:, :, None]


def kt_adjoint(y: torch.Tensor, maps: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """``E_t^H y_t = sum_c conj(S_c) F^H M_t y_{t,c}``: (N, T, C, H, W) -> (N, T, H, W)."""
    return torch.sum(maps[:, None].conj() * ifft2c(y * masks[:, :, None]), dim=2)


class _Block(nn.Module):
    """A 3 x 3 convolution in space (``cin`` -> ``mid``), a ReLU, a 3-tap convolution in time (``mid`` -> ``cout``,
    cyclic): (N, T, cin, H, W) -> (N, T, cout, H, W), Tran et al.'s (2+1)D block with its middle width.

    The spatial convolution runs as a 2-D one on the N T frames (on a CPU about twice as fast as a
    (1, 3, 3) 3-D one), the temporal one as a (3, 1, 1) 3-D convolution on the cyclically padded movie.
    """

    def __init__(self, cin: int, mid: int, cout: int):
        super().__init__()
        self.space = nn.Conv2d(cin, mid, 3, padding=1)
        self.time = nn.Conv3d(mid, cout, (3, 1, 1))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        n, t = h.shape[:2]
        s = F.relu(self.space(h.reshape(n * t, *h.shape[2:]))).reshape(n, t, -1, *h.shape[-2:])
        s = F.pad(s.transpose(1, 2), (0, 0, 0, 0, 1, 1), mode="circular")  # (N, mid, T + 2, H, W)
        return self.time(s).transpose(1, 2)


class TimeDenoiser(nn.Module):
    """Residual (2+1)D CNN on a complex movie: ``x + CNN([Re x, Im x])``, ``x`` (N, T, H, W).

    ``layers`` blocks (at least 2), each a spatial 3 x 3 convolution to ``chans`` channels, a ReLU and a
    cyclic temporal 3-tap convolution, to ``chans`` channels (followed by a ReLU) or, in the last block, to
    the two output channels (no ReLU: the correction may move the real and imaginary parts either way). Each
    block widens the receptive field by one frame and one pixel on either side. The last convolution starts
    at zero, so an untrained denoiser is the identity (as chapter 12's).
    """

    def __init__(self, chans: int = 16, layers: int = 5):
        super().__init__()
        if int(layers) != layers or layers < 2:
            raise ValueError(f"layers must be an integer >= 2, got {layers}")
        if int(chans) != chans or chans < 1:
            raise ValueError(f"chans must be a positive integer, got {chans}")
        chans, layers = int(chans), int(layers)
        widths = [2] + [chans] * (layers - 1) + [2]
        self.blocks = nn.ModuleList(_Block(a, chans, b) for a, b in zip(widths[:-1], widths[1:]))
        # He et al.'s initialisation for convolutions followed by a ReLU: with PyTorch's default, which shrinks the
        # signal by about a factor of three per convolution, the ten convolutions of five blocks leave the last
        # ones' inputs at the scale of their biases, and their ReLUs die in the first steps of training
        for conv in (c for block in self.blocks for c in (block.space, block.time)):
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)
        nn.init.zeros_(self.blocks[-1].time.weight)
        nn.init.zeros_(self.blocks[-1].time.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.stack([x.real, x.imag], dim=2)  # (N, T, 2, H, W)
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i < len(self.blocks) - 1:
                h = F.relu(h)
        return x + torch.complex(h[:, :, 0], h[:, :, 1]).to(x.dtype)


class UnrolledDynamic(CGUnrolled):
    """MoDL on cine movies: ``K`` times (the (2+1)D denoiser on the movie, the frame-wise CG data step).

    Parameters
    ----------
    iterations, chans, layers, shared, cg_iterations, init_weight : keyword-only
        As for :class:`~mrilab.models.UnrolledMulticoil`; ``layers`` counts the (2+1)D blocks of
        :class:`TimeDenoiser` (each pass of the denoiser sees ``layers`` frames on either side).

    ``forward(kspace (N, T, C, H, W), masks (N, T, H, W), maps (N, C, H, W))`` returns magnitude movies on
    the training scale; :meth:`reconstruct` scales each movie by the maximum of ``|E^H y|``.
    """

    def __init__(self, *, iterations: int = 5, chans: int = 16, layers: int = 5, shared: bool = True,
                 cg_iterations: int = 4, init_weight: float = 10.0):
        super().__init__(iterations=iterations, chans=chans, layers=layers, shared=shared,
                         cg_iterations=cg_iterations, init_weight=init_weight)

    @staticmethod
    def _denoiser(chans: int, layers: int) -> nn.Module:
        return TimeDenoiser(chans, layers)

    @staticmethod
    def _check(kspace: torch.Tensor, masks: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
        if kspace.dim() != 5:
            raise ValueError(f"kspace must be (N, T, C, H, W) (one coil: C = 1 with maps of ones), got shape "
                             f"{tuple(kspace.shape)}")
        n, t, c, h, w = kspace.shape
        if tuple(masks.shape) != (n, t, h, w):
            raise ValueError(f"masks must be (N, T, H, W) = {(n, t, h, w)}, got {tuple(masks.shape)}")
        if tuple(maps.shape) != (n, c, h, w):
            raise ValueError(f"maps must be (N, C, H, W) = {(n, c, h, w)}, got {tuple(maps.shape)}")
        return masks.to(torch.bool)

    def _steps(self, kspace: torch.Tensor, masks: torch.Tensor, maps: torch.Tensor):
        """Yield the complex movie after each iteration (``E^H y`` first)."""
        masks = self._check(kspace, masks, maps)
        rhs = kt_adjoint(kspace, maps, masks)
        x = rhs
        yield x
        weights = self.log_weights.exp()
        # The CG runs on images rolled by ifftshift, where the centred FFT is the plain one: with maps and masks
        # rolled once, no iteration shifts (the rolls are a permutation, which the CG's inner products ignore).
        dims = (-2, -1)
        s = torch.fft.ifftshift(maps, dim=dims)[:, None]
        m = torch.fft.ifftshift(masks, dim=dims)[:, :, None].to(rhs.real.dtype)
        rhs_rolled = torch.fft.ifftshift(rhs, dim=dims)
        for k in range(self.iterations):
            z = self.denoisers[0 if len(self.denoisers) == 1 else k](x)
            lam = weights[k]

            def normal(v, lam=lam):
                y = torch.fft.fft2(s * v[:, :, None], norm="ortho") * m
                return lam * torch.sum(s.conj() * torch.fft.ifft2(y, norm="ortho"), dim=2) + v

            z_rolled = torch.fft.ifftshift(z, dim=dims)
            x = conjugate_gradient(normal, lam * rhs_rolled + z_rolled, z_rolled, n_iter=self.config["cg_iterations"])
            x = torch.fft.fftshift(x, dim=dims)
            yield x

    def forward(self, kspace: torch.Tensor, masks: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
        for x in self._steps(kspace, masks, maps):
            pass
        return x.abs()

    @staticmethod
    def scale_of(kspace: torch.Tensor, masks: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
        """Per-movie scale (N, 1, 1, 1): the maximum of ``|E^H y|`` over every frame."""
        return kt_adjoint(kspace, maps, masks.to(torch.bool)).abs().amax(dim=(-3, -2, -1), keepdim=True).clamp_min(1e-12)

    def reconstruct(self, kspace: torch.Tensor, masks: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
        """Magnitude movies (N, T, H, W) from k-space (N, T, C, H, W), k-t masks (N, T, H, W) and maps (N, C, H, W)."""
        self._check(kspace, masks, maps)
        s = self.scale_of(kspace, masks, maps)
        return self.forward(kspace / s[..., None], masks, maps) * s

    @torch.no_grad()
    def iterates(self, kspace: torch.Tensor, masks: torch.Tensor, maps: torch.Tensor) -> list[torch.Tensor]:
        """Magnitude movies after each iteration: ``K + 1`` tensors, ``|E^H y|`` first."""
        self._check(kspace, masks, maps)
        s = self.scale_of(kspace, masks, maps)
        return [x.abs() * s for x in self._steps(kspace / s[..., None], masks, maps)]
