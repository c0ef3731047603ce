"""The unrolled network of chapter 12 on non-Cartesian k-space (Part VI).

MoDL's iteration (Aggarwal, Mani and Jacob, IEEE TMI 2019) alternates a learned denoiser with a data
step. On a trajectory the data step is a linear system in the image; with the Toeplitz embedding
(:mod:`mrilab.noncartesian.toeplitz`) its normal operator is a convolution on the doubled grid, so every
iteration is FFTs and convolutions only, in PyTorch, and the network trains on a CPU. The NUFFT itself
is needed once per image, outside the network: for the right-hand side ``E^H W y`` and, once per
trajectory, for the kernel.

The data step uses the *density-weighted* normal operator,

.. math::

    x_{k+1} = \\operatorname*{arg\\,min}_x \\; \\lambda_k \\lVert W^{1/2} (E x - y) \\rVert^2 + \\lVert x - z_k \\rVert^2
    \\quad\\Longleftrightarrow\\quad (\\lambda_k E^H W E + I)\\, x = \\lambda_k E^H W y + z_k ,

with ``W`` the Pipe-Menon density weights. Plain least squares (``W = I``) would make the system's
eigenvalues span the spread of the sampling density: on 32 golden-angle spokes for 128 x 128 the largest
eigenvalue of ``E^H E`` is about 62 (185 at 96 spokes), against about 1.8-2 for ``E^H W E``, whose
spectrum is close to the Cartesian case's ``[0, 1]``. With ``W`` a few CG iterations solve the data step
for any ``lambda_k`` the training picks; without it they would not. The price is the weighted data term:
the sparse outer samples, and their noise, count more than in least squares (chapter 18 measures the
same trade-off for CG). NC-PDNet (Ramzi, Chaithya, Starck and Ciuciu, IEEE TMI 2022), a primal-dual unrolled
network for radial and spiral data, likewise puts the density weights into the adjoint of its data steps,
and its ablation measured what that gained.

The first iterate is ``E^H W y``, density-compensated gridding. The step is a proximal data step solved
approximately by ``cg_iterations`` of CG from ``z_k``, not exact data consistency. With coils (maps
``S``) the operator is ``sum_c conj(S_c) K * (S_c x)``, one kernel for every coil.
"""

from __future__ import annotations

import torch

from ..conjugate_gradient import conjugate_gradient
from .unrolled_multicoil import CGUnrolled


def toeplitz_normal(x: torch.Tensor, kernel: torch.Tensor, maps: torch.Tensor | None = None) -> torch.Tensor:
    """``E^H W E x`` by the Toeplitz embedding: images (N, H, W), kernels (N, 2H, 2W) or (2H, 2W).

    ``kernel`` is :func:`mrilab.noncartesian.toeplitz_kernel`'s (the FFT of the doubled-grid kernel);
    ``maps`` (N, C, H, W) makes it ``sum_c conj(S_c) A^H W A (S_c x)``.
    """
    h, w = x.shape[-2:]
    if maps is None:
        return torch.fft.ifft2(torch.fft.fft2(x, s=(2 * h, 2 * w)) * kernel)[..., :h, :w]
    k = kernel if kernel.dim() == 2 else kernel[:, None]
    coils = torch.fft.ifft2(torch.fft.fft2(maps * x[:, None], s=(2 * h, 2 * w)) * k)[..., :h, :w]
    return torch.sum(maps.conj() * coils, dim=1)


class UnrolledNUFFT(CGUnrolled):
    """MoDL on a trajectory: ``K`` times (denoiser, density-weighted CG data step), one or more coils.

    Parameters
    ----------
    iterations, chans, layers, shared : keyword-only
        As for :class:`~mrilab.models.Unrolled` (the denoiser is its :class:`~mrilab.models.Denoiser`).
    cg_iterations : int, keyword-only
        Conjugate-gradient iterations of each data step.
    init_weight : float, keyword-only
        Initial ``lambda_k``.

    ``forward(rhs (N, H, W), kernel (N, 2H, 2W) or (2H, 2W), maps=None)`` takes ``E^H W y`` and the
    Toeplitz kernel of ``E^H W E`` (:func:`mrilab.noncartesian.toeplitz_kernel` with the density weights)
    and returns magnitudes on the training scale; :meth:`reconstruct` normalises each image by the
    maximum of ``|E^H W y|`` (the gridding image) and scales back.
    """

    def _steps(self, rhs: torch.Tensor, kernel: torch.Tensor, maps: torch.Tensor | None = None):
        """Yield the complex image after each iteration (``E^H W y`` first)."""
        x = rhs
        yield x
        weights = self.log_weights.exp()
        for k in range(self.iterations):
            z = self.denoisers[0 if len(self.denoisers) == 1 else k](x)
            lam = weights[k]
            with torch.autocast(device_type=z.device.type, enabled=False):
                def normal(v, lam=lam):
                    return lam * toeplitz_normal(v, kernel, maps) + v

                z = z.to(rhs.dtype)
                x = conjugate_gradient(normal, lam * rhs + z, z, n_iter=self.config["cg_iterations"])
            yield x

    def forward(self, rhs: torch.Tensor, kernel: torch.Tensor, maps: torch.Tensor | None = None) -> torch.Tensor:
        for x in self._steps(rhs, kernel, maps):
            pass
        return x.abs()

    @staticmethod
    def scale_of(rhs: torch.Tensor) -> torch.Tensor:
        """Per-image scale (N, 1, 1): the maximum of ``|E^H W y|``."""
        return rhs.abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)

    def reconstruct(self, rhs: torch.Tensor, kernel: torch.Tensor, maps: torch.Tensor | None = None) -> torch.Tensor:
        """Magnitude images (N, H, W) from ``E^H W y`` (N, H, W), the kernel and the maps."""
        s = self.scale_of(rhs)
        return self.forward(rhs / s, kernel, maps) * s

    @torch.no_grad()
    def iterates(self, rhs: torch.Tensor, kernel: torch.Tensor, maps: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Magnitude images after each iteration: ``K + 1`` tensors, the gridding image first."""
        s = self.scale_of(rhs)
        return [x.abs() * s for x in self._steps(rhs / s, kernel, maps)]
