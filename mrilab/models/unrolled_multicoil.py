"""The unrolled network of chapter 12 with coils: MoDL with the multi-coil forward model.

With one coil MoDL's data step was closed-form; with coils it is the regularised normal
equations of chapter 15's CG-SENSE,

.. math::

    x_{k+1} = \\operatorname*{arg\\,min}_x \\; \\lambda_k \\lVert E x - y \\rVert^2 + \\lVert x - z_k \\rVert^2
    \\quad\\Longleftrightarrow\\quad (\\lambda_k E^H E + I)\\, x = \\lambda_k E^H y + z_k ,

``E = M F S`` with the coil maps ``S`` (estimated from the ACS), solved as MoDL solves it
(Aggarwal, Mani and Jacob, IEEE TMI 2019): a few conjugate-gradient iterations started from
the denoiser's output ``z_k``, through which the training back-propagates. The system's
eigenvalues lie in ``[1, 1 + lambda_k]`` (maps normalised to root-sum-of-squares 1), so a
handful of iterations is enough; the step is a proximal data step solved approximately, not
exact data consistency. The denoiser is chapter 12's :class:`~mrilab.models.unrolled.Denoiser`
on the coil-combined complex image; one learned ``lambda_k`` per iteration. As for
:class:`~mrilab.models.Unrolled`, a ``phase`` passed at inference demodulates the denoisers' input.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ..conjugate_gradient import conjugate_gradient
from ..fourier import fft2c, ifft2c
from .unrolled import Denoiser, denoise


def forward_op(x: torch.Tensor, maps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``E x = M F (S_c x)``: images (N, H, W), maps (N, C, H, W), mask (N, H, W) -> (N, C, H, W)."""
    return fft2c(maps * x[:, None]) * mask[:, None]


def adjoint_op(y: torch.Tensor, maps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``E^H y = sum_c conj(S_c) F^H M y_c``: (N, C, H, W) -> (N, H, W)."""
    return torch.sum(maps.conj() * ifft2c(y * mask[:, None]), dim=1)


class CGUnrolled(nn.Module):
    """The parameters shared by the unrolled networks whose data step is solved by CG: ``K`` denoisers
    (or one, shared) and one learned data weight ``lambda_k`` per iteration (stored as its logarithm).
    :class:`UnrolledMulticoil` and :class:`~mrilab.models.UnrolledNUFFT` differ in their normal operator.
    """

    def __init__(self, *, iterations: int = 5, chans: int = 16, layers: int = 5, shared: bool = True,
                 cg_iterations: int = 6, init_weight: float = 10.0):
        super().__init__()
        if int(iterations) != iterations or iterations < 1:
            raise ValueError(f"iterations must be an integer >= 1, got {iterations}")
        if int(cg_iterations) != cg_iterations or cg_iterations < 1:
            raise ValueError(f"cg_iterations must be an integer >= 1, got {cg_iterations}")
        if not init_weight > 0:
            raise ValueError(f"init_weight must be > 0, got {init_weight}")
        self.config: dict[str, Any] = dict(iterations=int(iterations), chans=chans, layers=layers, shared=shared,
                                           cg_iterations=int(cg_iterations), init_weight=float(init_weight))
        self.denoisers = nn.ModuleList(self._denoiser(chans, layers) for _ in range(1 if shared else int(iterations)))
        self.log_weights = nn.Parameter(torch.full((int(iterations),), math.log(init_weight)))

    @staticmethod
    def _denoiser(chans: int, layers: int) -> nn.Module:
        """One denoiser (chapter 12's; :class:`~mrilab.models.UnrolledDynamic` convolves across frames too)."""
        return Denoiser(chans, layers)

    @property
    def iterations(self) -> int:
        return self.config["iterations"]

    def dc_weights(self) -> list[float]:
        """The learned ``lambda_k``."""
        return self.log_weights.detach().exp().tolist()


class UnrolledMulticoil(CGUnrolled):
    """MoDL with coils: ``K`` times (denoiser, data step by ``cg_iterations`` of CG).

    Parameters
    ----------
    iterations, chans, layers, shared : keyword-only
        As for :class:`~mrilab.models.Unrolled`.
    cg_iterations : int, keyword-only
        Conjugate-gradient iterations of each data step.
    init_weight : float, keyword-only
        Initial ``lambda_k`` (the weight of the measurements against the denoiser's image).

    ``forward(kspace (N, C, H, W), mask (N, H, W), maps (N, C, H, W))`` returns magnitudes on the
    training scale; :meth:`reconstruct` normalises each image by the maximum of ``|E^H y|``.
    """

    def _data_step(self, z, rhs, maps, mask, lam):
        """Solve ``(lam E^H E + I) x = lam E^H y + z`` by CG from ``x = z``."""
        def normal(v):
            return lam * adjoint_op(forward_op(v, maps, mask), maps, mask) + v

        return conjugate_gradient(normal, lam * rhs + z, z, n_iter=self.config["cg_iterations"])

    def _steps(self, kspace: torch.Tensor, mask: torch.Tensor, maps: torch.Tensor,
               phase: torch.Tensor | None = None):
        """Yield the complex image after each iteration (``E^H y`` first)."""
        mask = mask.to(torch.bool)
        if mask.dim() == 2:
            mask = mask.expand(kspace.shape[0], *mask.shape)
        rhs = adjoint_op(kspace, maps, mask)
        x = rhs
        yield x
        weights = self.log_weights.exp()
        for k in range(self.iterations):
            z = denoise(self.denoisers[0 if len(self.denoisers) == 1 else k], x, phase)
            with torch.autocast(device_type=z.device.type, enabled=False):
                x = self._data_step(z.to(rhs.dtype), rhs, maps, mask, weights[k])
            yield x

    def forward(self, kspace: torch.Tensor, mask: torch.Tensor, maps: torch.Tensor,
                phase: torch.Tensor | None = None) -> torch.Tensor:
        for x in self._steps(kspace, mask, maps, phase):
            pass
        return x.abs()

    @staticmethod
    def scale_of(kspace: torch.Tensor, mask: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
        """Per-image scale (N, 1, 1): the maximum of ``|E^H y|``."""
        mask = mask.to(torch.bool)
        if mask.dim() == 2:
            mask = mask.expand(kspace.shape[0], *mask.shape)
        return adjoint_op(kspace, maps, mask).abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)

    def reconstruct(self, kspace: torch.Tensor, mask: torch.Tensor, maps: torch.Tensor,
                    phase: torch.Tensor | None = None) -> torch.Tensor:
        """Magnitude images (N, H, W) from k-space (N, C, H, W), masks and maps; ``phase`` (N, H, W)
        demodulates the denoisers' input."""
        s = self.scale_of(kspace, mask, maps)
        return self.forward(kspace / s[:, None], mask, maps, phase) * s

    @torch.no_grad()
    def iterates(self, kspace: torch.Tensor, mask: torch.Tensor, maps: torch.Tensor,
                 phase: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Magnitude images after each iteration: ``K + 1`` tensors, ``|E^H y|`` first."""
        s = self.scale_of(kspace, mask, maps)
        return [x.abs() * s for x in self._steps(kspace / s[:, None], mask, maps, phase)]
