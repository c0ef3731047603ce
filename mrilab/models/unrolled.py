"""Unrolled reconstruction: a small CNN prior alternating with data consistency.

The iteration of chapter 7 (TV compressed sensing by PDHG) alternates a step of the
prior with a proximal step of the data term. Unrolling keeps the data step and
replaces the prior's step by a learned denoiser, for a fixed number ``K`` of
iterations, and trains the whole chain end to end:

.. math::

    x_0 = F^H y, \\qquad z_k = x_k + D_\\theta(x_k), \\qquad
    x_{k+1} = \\operatorname*{arg\\,min}_x \\lVert M F x - y \\rVert^2
              + \\mu_k \\lVert x - z_k \\rVert^2 .

This is MoDL (Aggarwal, Mani and Jacob, IEEE TMI 2019). The minimisation has the normal
equations ``(F^H M F + mu I) x = F^H M y + mu z``; MoDL solves them by conjugate gradients,
which one coil needs no more: ``F`` is unitary and ``M`` diagonal, so the solution is
closed-form in k-space, ``(M y + mu F z) / (M + mu)``: every sampled value becomes
``(F z + y / mu) / (1 + 1 / mu)`` and every unsampled one keeps the network's value
(:class:`~mrilab.models.DataConsistency` with ``lambda = 1 / mu``). Several coils (Part V)
need the conjugate gradients back.

Options, each an ablation of chapter 12:

* ``dc="soft"`` (MoDL, the default) with a learned weight per iteration; ``dc="hard"``
  replaces the sampled values by the measurements (exact data consistency, which keeps
  their noise); ``dc="gradient"`` takes one gradient step of the data term with a learned
  step size, ``x - eta F^H M (F x - y)``, as the end-to-end variational network does
  (Hammernik et al., MRM 2018; Sriram et al., MICCAI 2020);
* ``shared=True`` (MoDL) uses one denoiser in every iteration; ``shared=False`` gives each
  iteration its own (``K`` times the parameters);
* ``iterations`` is ``K``.

At inference a ``phase`` (unit-modulus complex images, the same shape as the images) may be
passed: each denoiser then sees the image demodulated by it, ``D(x conj(p)) p``, while the data
step is unchanged (chapter 24: a real scan's phase turns faster than any training phantom's;
the calibration region's low-resolution phase, :func:`mrilab.phase.calibration_phase`, takes it
out). A global phase of the data rotates the calibration estimate by the same factor, so with it the
output is equivariant to a global phase (a test checks it).

The denoiser ``D`` is MoDL's: a few 3 x 3 convolutions with ReLUs on the two channels
(real, imaginary) of the complex image, no normalisation layers (so every image in a batch
is treated independently of the others, which also makes distributed training exactly
equivalent to one process with the same global batch).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..fourier import fft2c, ifft2c
from .dc import DataConsistency

DC_MODES = ("soft", "hard", "gradient")


def denoise(denoiser: nn.Module, x: torch.Tensor, phase: torch.Tensor | None = None) -> torch.Tensor:
    """``denoiser(x)``, or with a ``phase`` (unit modulus, broadcastable to ``x``) the denoiser applied to
    the demodulated image and the result modulated back: ``denoiser(x conj(phase)) phase``."""
    if phase is None:
        return denoiser(x)
    return denoiser(x * phase.conj()) * phase


class Denoiser(nn.Module):
    """Residual CNN on a complex image: ``x + CNN([Re x, Im x])``.

    Parameters
    ----------
    chans : int
        Channels of the hidden layers (at full resolution).
    layers : int
        Convolutions (at least 2). With ``scales=1``: 2 -> chans, ``layers - 2`` times
        chans -> chans, chans -> 2, with ReLUs between them (MoDL's denoiser).
    scales : {1, 2}
        ``2`` puts the middle ``layers - 2`` convolutions at half resolution with twice the
        channels (a strided convolution down, a transposed one up, and a skip connection,
        as in a one-level U-Net without normalisation): for about the same cost, twice the
        receptive field.

    The last layer starts at zero, so an untrained denoiser is the identity. There is no
    normalisation layer: the output for one image never depends on the others in the batch,
    nor on the size of the crop it was trained on.
    """

    def __init__(self, chans: int = 16, layers: int = 5, scales: int = 1):
        super().__init__()
        if layers < 2:
            raise ValueError(f"layers must be >= 2, got {layers}")
        if scales not in (1, 2):
            raise ValueError(f"scales must be 1 or 2, got {scales}")
        self.scales = scales
        act = lambda: nn.ReLU(inplace=True)  # noqa: E731
        self.head = nn.Sequential(nn.Conv2d(2, chans, 3, padding=1), act())
        if scales == 1:
            middle: list[nn.Module] = []
            for _ in range(layers - 2):
                middle += [nn.Conv2d(chans, chans, 3, padding=1), act()]
            self.middle = nn.Sequential(*middle)
            tail_in = chans
        else:
            down: list[nn.Module] = [nn.Conv2d(chans, 2 * chans, 3, stride=2, padding=1), act()]
            for _ in range(layers - 3):
                down += [nn.Conv2d(2 * chans, 2 * chans, 3, padding=1), act()]
            self.middle = nn.Sequential(*down, nn.ConvTranspose2d(2 * chans, chans, 2, stride=2), act())
            tail_in = 2 * chans  # the skip connection's channels and the up-sampled ones
        self.tail = nn.Conv2d(tail_in, 2, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Complex images (N, H, W) in, complex images out."""
        # channels-last memory: the layout the CPU convolutions are fastest with (about 25 % here)
        channels = torch.view_as_real(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        h = self.head(channels.to(self.tail.weight.dtype))
        if self.scales == 1:
            h = self.middle(h)
        else:
            up = self.middle(h)[..., :h.shape[-2], :h.shape[-1]]
            h = torch.cat([h, up], dim=1)
        out = self.tail(h).float()
        return x + torch.view_as_complex(out.permute(0, 2, 3, 1).contiguous())


class GradientDC(nn.Module):
    """One gradient step on ``1/2 ||M F x - y||^2``: ``x - eta F^H M (F x - y)``, learned ``eta``.

    With ``eta = 1`` the step puts the measured values back exactly (hard data consistency);
    the learned ``eta`` (initialised at ``init_step``) may stop short of that, or overshoot.
    """

    def __init__(self, init_step: float = 0.5):
        super().__init__()
        self.step = nn.Parameter(torch.tensor(float(init_step)))

    def forward(self, pred: torch.Tensor, measured: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Predicted and measured k-space (N, H, W), mask (N, H, W); returns k-space."""
        mask = mask.to(torch.bool)
        return torch.where(mask, pred - self.step * (pred - measured), pred)


class Unrolled(nn.Module):
    """MoDL-style unrolled network: ``K`` times (denoiser, data consistency).

    Parameters
    ----------
    iterations : int, keyword-only
        ``K >= 1``.
    chans, layers, scales : int, keyword-only
        Of each :class:`Denoiser`.
    shared : bool, keyword-only
        One denoiser for every iteration (MoDL) or one per iteration.
    dc : {"soft", "hard", "gradient"}, keyword-only
        The data step (see the module docstring). Each iteration learns its own weight.
    init_weight : float, keyword-only
        Initial weight of the measurements in the soft data step (``lambda = 1 / mu``),
        or the initial step ``eta`` of the gradient step is ``init_weight / (1 + init_weight)``.

    Notes
    -----
    Inputs are normalised: :meth:`reconstruct` divides the k-space of each image by the
    maximum of its zero-filled magnitude, runs :meth:`forward` and multiplies back, so the
    network always sees images of about unit scale. Training (:mod:`mrilab.train.unrolled`)
    feeds :meth:`forward` bands of rows normalised by the scale of their whole image.
    """

    def __init__(self, *, iterations: int = 5, chans: int = 16, layers: int = 5, scales: int = 1,
                 shared: bool = True, dc: str = "soft", init_weight: float = 10.0):
        super().__init__()
        if int(iterations) != iterations or iterations < 1:
            raise ValueError(f"iterations must be an integer >= 1, got {iterations}")
        if dc not in DC_MODES:
            raise ValueError(f"dc must be one of {DC_MODES}, got {dc!r}")
        self.config: dict[str, Any] = dict(iterations=int(iterations), chans=chans, layers=layers,
                                           scales=scales, shared=shared, dc=dc, init_weight=init_weight)
        n_nets = 1 if shared else int(iterations)
        self.denoisers = nn.ModuleList(Denoiser(chans, layers, scales) for _ in range(n_nets))
        if dc == "gradient":
            steps = [GradientDC(init_weight / (1 + init_weight)) for _ in range(int(iterations))]
            self.dcs = nn.ModuleList(steps)
        else:
            self.dcs = nn.ModuleList(DataConsistency(soft=dc == "soft", init_weight=init_weight)
                                     for _ in range(int(iterations)))

    @property
    def iterations(self) -> int:
        return self.config["iterations"]

    def _steps(self, kspace: torch.Tensor, mask: torch.Tensor, phase: torch.Tensor | None = None):
        """Yield the complex image after each iteration (the zero-filled one first)."""
        if mask.dim() == 2:
            mask = mask.expand(kspace.shape)
        measured = kspace * mask
        x = ifft2c(measured)
        yield x
        for k in range(self.iterations):
            z = denoise(self.denoisers[0 if len(self.denoisers) == 1 else k], x, phase)
            with torch.autocast(device_type=z.device.type, enabled=False):
                x = ifft2c(self.dcs[k](fft2c(z), measured, mask))
            yield x

    def forward(self, kspace: torch.Tensor, mask: torch.Tensor, phase: torch.Tensor | None = None) -> torch.Tensor:
        """Magnitude image (N, H, W) from k-space (N, H, W) on the training scale; ``phase`` (N, H, W) of
        unit modulus demodulates the denoisers' input (module docstring)."""
        for x in self._steps(kspace, mask, phase):
            pass
        return x.abs()

    @staticmethod
    def scale_of(kspace: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Per-image scale (N, 1, 1): the maximum of the zero-filled magnitude."""
        return ifft2c(kspace * mask).abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)

    def reconstruct(self, kspace: torch.Tensor, mask: torch.Tensor, phase: torch.Tensor | None = None) -> torch.Tensor:
        """Magnitude image (N, H, W): normalise, :meth:`forward`, scale back."""
        s = self.scale_of(kspace, mask)
        return self.forward(kspace / s, mask, phase) * s

    @torch.no_grad()
    def iterates(self, kspace: torch.Tensor, mask: torch.Tensor,
                 phase: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Magnitude images after each iteration: ``K + 1`` tensors, the zero-filled one first."""
        s = self.scale_of(kspace, mask)
        return [x.abs() * s for x in self._steps(kspace / s, mask, phase)]

    def dc_weights(self) -> list[float]:
        """The learned data weights: ``lambda`` per iteration (soft), ``eta`` (gradient), none (hard)."""
        if self.config["dc"] == "gradient":
            return [d.step.item() for d in self.dcs]
        if self.config["dc"] == "soft":
            return [d.weight.item() for d in self.dcs]
        return []
