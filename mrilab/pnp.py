"""Plug-and-play reconstruction: a learned denoiser as the prior of half-quadratic splitting.

Compressed sensing minimises ``1/(2 sigma_n^2) ||E x - y||^2 + R(x)``. Half-quadratic splitting
(HQS) introduces ``z = x`` with a penalty ``mu/2 ||x - z||^2`` that grows from iteration to
iteration and alternates two steps:

* the **prior step** ``z_k = argmin_z R(z) + mu_k/2 ||z - x_k||^2``, a denoising problem at the
  noise level ``sigma_k = 1 / sqrt(mu_k)``: plug-and-play (Venkatakrishnan, Bouman and Wohlberg
  2013) replaces it by a denoiser, here :class:`~mrilab.models.denoiser.NoiseLevelDenoiser`
  called at ``sigma_k``;
* the **data step** ``x_{k+1} = argmin_x ||E x - y||^2 + alpha_k ||x - z_k||^2`` with
  ``alpha_k = lam (sigma_n / sigma_k)^2``: the weight of the prior's image against the
  measurements (DPIR, Zhang et al., IEEE TPAMI 2022, whose schedule this follows: ``sigma_k``
  falls geometrically from ``sigma_max`` to ``sigma_min``).

With one coil the data step is closed-form in k-space, as in chapter 12: every sampled value
becomes ``(y + alpha_k F z_k) / (1 + alpha_k)`` and every other keeps ``F z_k``. For noise-free data
(``sigma_n = 0``) it is exact data consistency. With coils it is the regularised normal equations
``(E^H E + alpha_k I) x = E^H y + alpha_k z_k``, solved by a few conjugate-gradient iterations
started from ``z_k`` (approximately, then: not exact data consistency).

The output is the last data step's image (or, with ``final="denoiser"``, one more denoising at
``sigma_min``, as DPIR ends). Nothing of the acquisition (the acceleration, the mask,
the coils) was seen in training: the same denoiser serves every protocol, and the price is that
it was never trained to remove the artefacts of any one of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import image_stack_shapes
from .fourier import fft2c, ifft2c

__all__ = ["pnp_hqs", "PNP_DEFAULTS", "PNP_SCHEDULES"]

#: Defaults of :func:`pnp_hqs`, chosen by mean PSNR on 8 held-out realistic training images (R = 4,
#: noise 0.01) by ``python benchmarks/tune_pnp.py --n 8``: 8 and 16 iterations over the grid of
#: schedules and weights there (best: sigma 0.1 -> 0.02, lam 0.03, 33.41 / 33.26 dB ending with the
#: data step / the denoiser at 16 iterations), then more iterations at that schedule: 34.53 / 34.29 dB
#: at 24 and 34.95 / 34.67 dB at 32 (0.9 s per image on one core). The ending is DPIR's, one more
#: denoising: 0.3 dB of PSNR less than ending with the data step, but SSIM 0.940 against 0.887,
#: because the data step puts back the noise of every measured sample. With lam = 0.03 the data
#: weight alpha_k stays below 0.01: the data step is practically exact data consistency.
PNP_DEFAULTS = dict(iterations=32, sigma_max=0.1, sigma_min=0.02, lam=0.03, cg_iterations=4, final="denoiser")

#: The schedule of each shipped denoiser (``reconstruct("pnp", ..., weights=...)`` takes the one of its
#: weight set). The domain-randomised denoiser's was chosen the same way on 8 randomized objects of
#: seed 1, which it never saw (``python benchmarks/tune_pnp.py --family randomized --weights randomized
#: --n 8 --iterations 16 32``): best by PSNR sigma 0.1 -> 0.01, lam 0.03, ending with the denoiser,
#: 29.04 dB / SSIM 0.888 at 32 iterations (sigma_min 0.02: 28.5 dB; 16 iterations: 27.25 dB).
PNP_SCHEDULES = {"realistic": PNP_DEFAULTS,
                 "randomized": dict(PNP_DEFAULTS, sigma_min=0.01)}


def _cg(z, rhs, maps, mask, alpha, n_iter):
    """``(E^H E + alpha I) x = rhs + alpha z`` by conjugate gradients from ``x = z``."""
    from .conjugate_gradient import conjugate_gradient
    from .models.unrolled_multicoil import adjoint_op, forward_op

    def normal(v):
        return adjoint_op(forward_op(v, maps, mask), maps, mask) + alpha * v

    return conjugate_gradient(normal, rhs + alpha * z, z, n_iter=n_iter)


def pnp_hqs(kspace: Any, mask: Any, denoiser: Any, *, noise_std: float = 0.0, maps: Any = None,
            iterations: int = PNP_DEFAULTS["iterations"], sigma_max: float = PNP_DEFAULTS["sigma_max"],
            sigma_min: float = PNP_DEFAULTS["sigma_min"], lam: float = PNP_DEFAULTS["lam"],
            cg_iterations: int = PNP_DEFAULTS["cg_iterations"], return_iterates: bool = False,
            magnitude: bool = True, final: str = PNP_DEFAULTS["final"]):
    """Plug-and-play HQS with a noise-level denoiser (module docstring).

    Parameters
    ----------
    kspace : complex array, (N, H, W) single-coil or (N, C, H, W) with ``maps``
        Measured samples, zero elsewhere.
    mask : bool array, (N, H, W)
    denoiser : NoiseLevelDenoiser
    noise_std : float, keyword-only
        Noise standard deviation of the measurements (real and imaginary parts, per coil),
        relative to the reference maximum 1, as in the datasets. 0: exact data consistency.
    maps : complex array (N, C, H, W), keyword-only
        Coil maps (multi-coil k-space only).
    iterations, sigma_max, sigma_min, lam, cg_iterations : keyword-only
        The schedule: ``iterations`` noise levels from ``sigma_max`` down to ``sigma_min``
        (relative to the image scale), the data weight ``lam`` and the CG iterations of the
        multi-coil data step.
    return_iterates : bool, keyword-only
        Also return the magnitude after every data step.
    magnitude : bool, keyword-only
        Return magnitude images (the default) or the complex images.
    final : {"data", "denoiser"}, keyword-only
        End with the last data step (its image agrees with the measurements as far as
        ``alpha_K`` allows) or with one more denoising at ``sigma_min`` (as DPIR does: smoother,
        and no longer consistent with the measurements).

    Returns
    -------
    images (N, H, W): float32 magnitudes, or complex64 (and the list of iterates' magnitudes).
    """
    import torch  # imported on first use, as everywhere in mrilab

    with torch.no_grad():
        return _hqs(torch, kspace, mask, denoiser, noise_std, maps, iterations, sigma_max, sigma_min, lam,
                    cg_iterations, return_iterates, magnitude, final)


def _hqs(torch, kspace, mask, denoiser, noise_std, maps, iterations, sigma_max, sigma_min, lam, cg_iterations,
         return_iterates, magnitude, final):
    k = torch.from_numpy(np.array(kspace, dtype=np.complex64))  # copies: inputs may be read-only views
    m = torch.from_numpy(np.array(mask, dtype=bool))
    multicoil = maps is not None
    image_stack_shapes(k.shape, m.shape, multicoil)
    if not np.isfinite(noise_std) or noise_std < 0:
        raise ValueError(f"noise_std must be a number >= 0 (0.01 for the realistic data), got {noise_std!r}")
    if not 0 < sigma_min <= sigma_max:
        raise ValueError(f"the noise schedule needs 0 < sigma_min <= sigma_max, got sigma_min={sigma_min}, "
                         f"sigma_max={sigma_max}")
    if final not in ("data", "denoiser"):
        raise ValueError(f"final must be 'data' or 'denoiser', got {final!r}")
    if int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be an integer >= 1, got {iterations}")
    if multicoil:
        s = torch.from_numpy(np.array(maps, dtype=np.complex64))
        if s.shape != k.shape:
            raise ValueError(f"maps must have the shape {tuple(k.shape)} of the k-space, got {tuple(s.shape)}")
        from .models.unrolled_multicoil import adjoint_op

        rhs = adjoint_op(k, s, m)
    else:
        rhs = ifft2c(k * m)
    scale = rhs.abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)  # as the unrolled networks do
    rhs = rhs / scale
    y = k / (scale[:, None] if multicoil else scale)
    sn = noise_std / scale  # the noise level on the image scale, per image
    x = rhs
    iterates = []
    for sigma in np.geomspace(sigma_max, sigma_min, int(iterations)):
        z = denoiser(x, float(sigma))
        alpha = lam * (sn / float(sigma)) ** 2
        if multicoil:
            x = _cg(z, rhs, s, m, alpha, cg_iterations)
        else:
            kz = fft2c(z)
            x = ifft2c(torch.where(m, (y + alpha * kz) / (1 + alpha), kz))
        if return_iterates:
            iterates.append((x.abs() * scale).numpy())
    if final == "denoiser":
        x = denoiser(x, float(sigma_min))
    out = (x.abs() * scale).numpy().astype(np.float32) if magnitude else (x * scale).numpy().astype(np.complex64)
    return (out, iterates) if return_iterates else out
