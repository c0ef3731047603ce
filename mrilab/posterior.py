"""Posterior sampling for undersampled k-space with a score-based prior (Part XII).

Given measurements ``y = E x + n`` (complex Gaussian noise of standard deviation ``sigma_n`` per real
and imaginary part) and a prior ``p(x)`` learned as a score model (a
:class:`~mrilab.models.denoiser.NoiseLevelDenoiser` trained by the squared error at every noise level, the
weight set ``realistic``'s ``score``: the MMSE denoiser ``D(x, sigma)``, whose residual
``(D - x) / sigma^2`` is, by Tweedie's formula, the gradient of the log-density of the images blurred by
noise ``sigma``; :func:`tweedie_score`), the posterior ``p(x | y)`` is proportional to ``p(y | x) p(x)``. Two samplers draw from it,
both starting at the largest noise level ``sigma_max`` and walking down a geometric ladder to
``sigma_min`` (annealing: at a large level the blurred density is smooth and has one broad mode,
so a chain started anywhere finds the images; the smaller levels then add the detail):

* ``method="langevin"``, annealed Langevin dynamics with the annealed likelihood of Jalal et al.
  (NeurIPS 2021): at level ``sigma_i``, ``steps_per_level`` steps of
  ``x <- x + a_i [score(x, sigma_i) + E^H (y - E x) / (sigma_n^2 + sigma_i^2)] + sqrt(2 a_i) z``
  with ``a_i = epsilon sigma_i^2`` (Song and Ermon's step rule), then one Tweedie denoising at
  ``sigma_min``. The likelihood's variance is widened by ``sigma_i^2`` because the chain's image
  still carries noise of that level; ``z`` is complex white noise of unit variance per part.
* ``method="diffpir"`` (Zhu et al., CVPR 2023 workshops; here in the variance-exploding form): at level
  ``sigma_k`` denoise, ``x0 = D(x, sigma_k)``; pull ``x0`` toward the data by the proximal step
  ``argmin_x ||E x - y||^2 + rho_k ||x - x0||^2`` with ``rho_k = lam sigma_n^2 / sigma_k^2`` (the
  plug-and-play data step of chapter 22, :mod:`mrilab.pnp`); then re-noise to the next level,
  ``x = x0 + sigma_{k+1} (sqrt(1 - zeta) eps_hat + sqrt(zeta) z)``, where ``eps_hat = (x - x0) /
  sigma_k`` is the difference between the chain's image and the data-corrected estimate. ``zeta = 1`` adds fresh noise only, ``zeta = 0`` reuses the
  removed noise (deterministic given the start, DDIM-like). ``zeta=None`` takes
  ``zeta_k = 1 - sigma_{k+1}^2 / sigma_k^2`` at every level: DDPM's ancestral step (Ho et al. 2020) in the
  variance-exploding form, with which an exact denoiser samples a Gaussian prior exactly in the limit of
  many levels (``tests/test_posterior.py``). A constant ``zeta = 1`` makes each level a Langevin step of size
  ``sigma_k^2`` with noise ``sqrt(a)`` instead of ``sqrt(2a)``: it samples the density squared, half the
  variance of a Gaussian prior where the data fix nothing. With the data step, though, the ancestral share gave far worse posterior means
  on the training images than ``zeta = 1`` (:data:`POSTERIOR_DEFAULTS`), which is the default. The last
  ``x0`` is the sample. One
  denoiser call per level: far fewer than Langevin needs.

Both start from the zero-filled image plus noise of ``sigma_max`` (not from pure noise: the measured
low frequencies already fix the object's outline, Chung, Sim and Ye's "come closer, diffuse faster",
CVPR 2022), and both are approximations: Langevin samples exactly only with infinitely many small
steps; DiffPIR's proximal step is a heuristic for the likelihood at noise level ``sigma_k``. Whether the
samples spread as the posterior does is measured, not assumed (chapter 31: coverage of the intervals).

With one coil ``E = M F``; with coils ``E = M F S`` and the proximal step is solved by a few
conjugate-gradient iterations. Images are scaled, as the networks' are, by the largest magnitude of
the zero-filled (coil-combined) image; the samples are scaled back.

:func:`posterior_sample` returns every sample with the per-pixel mean and standard deviation of their
magnitudes; ``reconstruct("posterior", ...)`` returns the mean.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import image_stack_shapes
from .fourier import fft2c, ifft2c

__all__ = ["posterior_sample", "prior_sample", "coverage", "interval_score", "tweedie_score", "Posterior", "POSTERIOR_DEFAULTS", "LANGEVIN_DEFAULTS"]

#: DiffPIR's data weight and share of fresh noise, chosen on 6 of the realistic training images the score model held
#: out (R = 4 and 8, noise 0.01, one coil) by ``python benchmarks/tune_posterior.py --n 6``: the PSNR of the mean of
#: 4 samples, summed over both accelerations, over lam 0.01, 0.1, 1 and zeta ancestral (None), 0.6, 1. Best: lam
#: 0.01 (the grid's edge, where the PSNR had levelled off: in effect exact data consistency), zeta 1 (35.09 / 22.02 dB at R = 4 / 8; lam 0.1: 35.10 / 21.99; zeta 0.6: 27.69 / 20.98; ancestral: 24.25 /
#: 20.41). 30 levels from 0.5 to 0.005: 60 levels add about 2 dB at R = 8 for twice the time.
#: With coils the proximal step is a few CG iterations of the regularised normal equations, and a data weight this small
#: lets them fit the noise (posterior means 6 dB behind SENSE + TV, the samples' spread a tenth of the error):
#: ``lam_multicoil`` was chosen the same way on the last 6 multi-coil training images (``--multicoil``): lam 0.3, 1,
#: 3, 10 gave 68.55, 70.98, 71.24, 69.42 dB summed over R = 4 and 8.
POSTERIOR_DEFAULTS = dict(method="diffpir", samples=8, steps=30, sigma_max=0.5, sigma_min=0.005, lam=0.01,
                          lam_multicoil=3.0, zeta=1.0, cg_iterations=4)
#: Annealed Langevin's schedule: Song and Ermon's step rule ``a_i = epsilon sigma_i^2`` and Jalal et al.'s annealed
#: likelihood, 30 levels of 3 steps on DiffPIR's ladder. epsilon chosen for its intervals (chapter 31 asks Langevin
#: for intervals near their nominal coverage, 80-95 % at 90 % and R = 4; DiffPIR for a good mean) by ``python benchmarks/tune_posterior.py --method langevin
#: --by interval --accelerations 4 --samples 8 --n 6``: the interval score of the 90 % intervals in the object on 6
#: held-out training images at R = 4. epsilon 0.25, 0.5, 0.75, 1, 1.25 gave interval scores 0.265, 0.138, 0.108,
#: 0.120, 0.254; coverage 78.7, 81.5, 82.5, 81.3, 88.9 %; means 25.9, 31.1, 33.4, 32.9, 26.1 dB (1.5 diverges: 12 dB).
LANGEVIN_DEFAULTS = dict(levels=30, steps_per_level=3, epsilon=0.75)


def tweedie_score(model: Any, x: Any, sigma: float):
    """Tweedie's formula: ``(D(x, sigma) - x) / sigma ** 2``, the score of the images blurred by noise ``sigma``
    when ``D`` is their minimum-mean-square-error denoiser (``model(x, sigma)``)."""
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0 (the noise level the score is taken at), got {sigma}")
    return (model(x, sigma) - x) / sigma ** 2


@dataclass
class Posterior:
    """Samples of the posterior and their per-pixel statistics (magnitudes, the data's scale).

    ``samples`` (S, N, H, W) complex64; ``mean`` and ``std`` (N, H, W) float32: the mean and the
    sample standard deviation (``ddof=1``) of the samples' magnitudes; ``seconds`` the wall time;
    ``evaluations`` the score model's calls per sample.
    """

    samples: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    seconds: float
    evaluations: int

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """The per-pixel interval that should hold the truth with probability ``level``.

        If the truth were one more draw from the same distribution as the ``S`` samples, and that
        distribution Gaussian, ``(truth - mean) / (std sqrt(1 + 1/S))`` would follow Student's t with
        ``S - 1`` degrees of freedom: the prediction interval ``mean +- t std sqrt(1 + 1/S)``. Its width
        allows for estimating the mean and the spread from a few samples, which empirical quantiles of
        8 or 16 samples cannot (their range holds a new draw with probability ``(S - 1) / (S + 1)`` only).
        """
        from scipy.stats import t as student

        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, got {level}")
        s = self.samples.shape[0]
        half = float(student.ppf((1 + level) / 2, s - 1)) * np.sqrt(1 + 1 / s) * self.std
        return (self.mean - half).astype(np.float32), (self.mean + half).astype(np.float32)


def interval_score(truth: Any, low: Any, high: Any, level: float = 0.9, region: Any = None) -> float:
    """The mean interval score of central ``level`` intervals ``[low, high]`` (inside ``region`` where given).

    ``(high - low) + (2 / alpha) (low - truth)_+ + (2 / alpha) (truth - high)_+`` with ``alpha = 1 - level``
    (Gneiting and Raftery, JASA 2007): the width, plus a penalty for every miss in proportion to how far the
    truth lies outside. It is a proper score: in expectation it is smallest for the true ``alpha / 2`` and
    ``1 - alpha / 2`` quantiles, so neither too narrow intervals (coverage alone would punish those) nor
    needlessly wide ones (coverage alone would reward those) can win. Lower is better.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    truth, low, high = _interval_arrays(truth, low, high)
    alpha = 1 - level
    score = (high - low) + 2 / alpha * (np.clip(low - truth, 0, None) + np.clip(truth - high, 0, None))
    return _mean_in(score, region)


def coverage(truth: Any, low: Any, high: Any, region: Any = None) -> float:
    """The share of pixels (inside ``region``, a boolean array, where given) whose ``truth`` lies in ``[low, high]``."""
    truth, low, high = _interval_arrays(truth, low, high)
    return _mean_in((truth >= low) & (truth <= high), region)


def _interval_arrays(truth: Any, low: Any, high: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    truth, low, high = (np.asarray(a, dtype=float) for a in (truth, low, high))
    if not truth.shape == low.shape == high.shape:
        raise ValueError(f"truth, low and high must have one shape, got {truth.shape}, {low.shape}, {high.shape}")
    return truth, low, high


def _mean_in(values: np.ndarray, region: Any) -> float:
    """The mean of per-pixel ``values``, over ``region`` (a boolean array of their shape) where given."""
    if region is not None:
        region = np.asarray(region, dtype=bool)
        if region.shape != values.shape or not region.any():
            raise ValueError(f"region must be a boolean array of the shape {values.shape} with a pixel set")
        values = values[region]
    return float(values.mean())


def prior_sample(model: Any, n: int, shape: tuple[int, int] = (128, 128), *, steps: int = 60, sigma_max: float = 1.0,
                 sigma_min: float = POSTERIOR_DEFAULTS["sigma_min"], seed: int = 0) -> np.ndarray:
    """``n`` images drawn from the score model's prior alone: DiffPIR's chain without its data step.

    Pure complex noise of ``sigma_max`` (far above the images' scale), then at each level of the ladder the
    denoiser and DDPM's ancestral step to the next; complex (n, H, W), on the training images' scale.
    """
    import torch

    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n}")
    if not 0 < sigma_min < sigma_max:
        raise ValueError(f"the noise ladder needs 0 < sigma_min < sigma_max, got {sigma_min}, {sigma_max}")
    gen = torch.Generator().manual_seed(int(seed))
    h, w = shape

    def noise():
        return torch.complex(torch.randn(n, h, w, generator=gen), torch.randn(n, h, w, generator=gen))

    ladder = np.geomspace(sigma_max, sigma_min, int(steps))
    with torch.no_grad():
        x = sigma_max * noise()
        for j, sigma in enumerate(ladder):
            x0 = model(x, float(sigma))
            if j + 1 == len(ladder):
                return x0.numpy().astype(np.complex64)
            x = _renoise(x, x0, float(sigma), float(ladder[j + 1]), None, noise)


def _renoise(x, x0, sigma, next_sigma, zeta, noise):
    """DiffPIR's step to the next level: ``x0 + next_sigma (sqrt(1 - zeta) eps_hat + sqrt(zeta) z)``, with
    ``eps_hat = (x - x0) / sigma``; ``zeta=None``: DDPM's ancestral ``1 - next_sigma^2 / sigma^2``."""
    z = 1 - (next_sigma / sigma) ** 2 if zeta is None else zeta
    return x0 + next_sigma * (math.sqrt(1 - z) * (x - x0) / sigma + math.sqrt(z) * noise())


def posterior_sample(kspace: Any, mask: Any, model: Any, *, noise_std: float, maps: Any = None,
                     method: str = POSTERIOR_DEFAULTS["method"], samples: int = POSTERIOR_DEFAULTS["samples"],
                     steps: int = POSTERIOR_DEFAULTS["steps"], sigma_max: float = POSTERIOR_DEFAULTS["sigma_max"],
                     sigma_min: float = POSTERIOR_DEFAULTS["sigma_min"], lam: float | None = None,
                     zeta: float = POSTERIOR_DEFAULTS["zeta"],
                     cg_iterations: int = POSTERIOR_DEFAULTS["cg_iterations"],
                     levels: int = LANGEVIN_DEFAULTS["levels"],
                     steps_per_level: int = LANGEVIN_DEFAULTS["steps_per_level"],
                     epsilon: float = LANGEVIN_DEFAULTS["epsilon"], seed: int = 0,
                     batch: int = 32) -> Posterior:
    """Draw ``samples`` images from the posterior of each measurement (module docstring).

    Parameters
    ----------
    kspace : complex array, (N, H, W) single-coil or (N, C, H, W) with ``maps``
        Measured samples, zero elsewhere.
    mask : bool array, (N, H, W)
    model : NoiseLevelDenoiser (or any ``model(x, sigma) -> denoised x``)
        The score model: its denoising residual gives the score (:func:`tweedie_score`).
    noise_std : float, keyword-only
        The measurements' noise standard deviation per real and imaginary part (0.01 for the realistic data).
        Must be > 0: the likelihood of noise-free data is a constraint, not a density.
    maps : complex array (N, C, H, W), keyword-only
        Coil maps (multi-coil k-space only).
    method : {"diffpir", "langevin"}, keyword-only
    samples : int, keyword-only
        Samples per measurement (>= 2 for a standard deviation).
    steps, lam, zeta : keyword-only
        DiffPIR's levels, data weight (None: ``POSTERIOR_DEFAULTS["lam"]`` for one coil, ``["lam_multicoil"]``
        with maps) and share of fresh noise (None: DDPM's ancestral share at each level).
    levels, steps_per_level, epsilon : keyword-only
        Annealed Langevin's levels, steps at each, and step size relative to ``sigma_i^2``.
    sigma_max, sigma_min : float, keyword-only
        The ladder's ends, on the scaled images (largest magnitude about 1).
    cg_iterations : int, keyword-only
        CG iterations of the multi-coil proximal step (DiffPIR).
    seed : int, keyword-only
        Seeds the noise: the same call gives the same samples.
    batch : int, keyword-only
        Images run through the score model at once.
    """
    import torch  # imported on first use, as everywhere in mrilab

    if method not in ("diffpir", "langevin"):
        raise ValueError(f"method must be 'diffpir' or 'langevin', got {method!r}")
    if not (isinstance(noise_std, (int, float, np.floating)) and math.isfinite(noise_std) and noise_std > 0):
        raise ValueError(f"noise_std must be a number > 0 (the measurements' noise, 0.01 for the realistic data), "
                         f"got {noise_std!r}")
    for name, value in (("samples", samples), ("steps", steps), ("levels", levels),
                        ("steps_per_level", steps_per_level), ("batch", batch)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if samples < 2:
        raise ValueError(f"samples must be >= 2 for a standard deviation, got {samples}")
    if not 0 < sigma_min < sigma_max:
        raise ValueError(f"the noise ladder needs 0 < sigma_min < sigma_max, got sigma_min={sigma_min}, "
                         f"sigma_max={sigma_max}")
    if zeta is not None and not 0 <= zeta <= 1:
        raise ValueError(f"zeta must be between 0 and 1 (the share of fresh noise), got {zeta}")
    if lam is None:
        lam = POSTERIOR_DEFAULTS["lam_multicoil" if maps is not None else "lam"]
    if not lam > 0:
        raise ValueError(f"lam must be > 0 (DiffPIR's data weight), got {lam}")
    if not 0 < epsilon < 2:
        raise ValueError(f"epsilon must be between 0 and 2 (Langevin's step relative to sigma_i^2), got {epsilon}")
    k = np.asarray(kspace)
    m = np.asarray(mask, dtype=bool)
    multicoil = maps is not None
    image_stack_shapes(k.shape, m.shape, multicoil)
    if multicoil and np.shape(maps) != k.shape:
        raise ValueError(f"maps must have the shape {k.shape} of the k-space, got {np.shape(maps)}")
    gen = torch.Generator().manual_seed(int(seed))
    start = time.perf_counter()
    out = []
    with torch.no_grad():
        for i in range(k.shape[0]):    # one measurement at a time, its samples in batches
            chunks = []
            for first in range(0, samples, batch):
                n = min(batch, samples - first)
                chunks.append(_chain(torch, gen, model, k[i], m[i], None if not multicoil else np.asarray(maps)[i],
                                     n, float(noise_std), method, int(steps), sigma_max, sigma_min, lam, zeta,
                                     int(cg_iterations), int(levels), int(steps_per_level), epsilon))
            out.append(np.concatenate(chunks))
    x = np.stack(out, axis=1).astype(np.complex64)                  # (S, N, H, W)
    mags = np.abs(x)
    evaluations = int(steps) if method == "diffpir" else int(levels) * int(steps_per_level) + 1
    return Posterior(samples=x, mean=mags.mean(0).astype(np.float32), std=mags.std(0, ddof=1).astype(np.float32),
                     seconds=time.perf_counter() - start, evaluations=evaluations)


def _chain(torch, gen, model, k, m, s, n, noise_std, method, steps, sigma_max, sigma_min, lam, zeta, cg_iterations,
           levels, steps_per_level, epsilon):
    """``n`` samples for one measurement ``k`` (``[C,] H, W``): complex (n, H, W) on the data's scale."""
    kt = torch.from_numpy(np.array(k, dtype=np.complex64))[None]
    mt = torch.from_numpy(np.array(m, dtype=bool))[None]
    if s is not None:
        from .models.unrolled_multicoil import adjoint_op, forward_op

        st = torch.from_numpy(np.array(s, dtype=np.complex64))[None]
        rhs = adjoint_op(kt, st, mt)

        def normal(v):
            return adjoint_op(forward_op(v, st, mt), st, mt)
    else:
        rhs = ifft2c(kt * mt)

        def normal(v):
            return ifft2c(fft2c(v) * mt)
    scale = float(rhs.abs().max().clamp_min(1e-12))
    rhs, y = rhs / scale, kt / scale
    sn = noise_std / scale
    h, w = rhs.shape[-2:]

    def noise():
        return torch.complex(torch.randn(n, h, w, generator=gen), torch.randn(n, h, w, generator=gen))

    x = rhs.expand(n, h, w) + sigma_max * noise()
    if method == "langevin":
        for sigma in np.geomspace(sigma_max, sigma_min, levels):
            a = epsilon * float(sigma) ** 2
            for _ in range(steps_per_level):
                grad = tweedie_score(model, x, float(sigma)) + (rhs - normal(x)) / (sn ** 2 + float(sigma) ** 2)
                x = x + a * grad + math.sqrt(2 * a) * noise()
        x = model(x, float(sigma_min))
    else:
        ladder = np.geomspace(sigma_max, sigma_min, steps)
        for j, sigma in enumerate(ladder):
            x0 = model(x, float(sigma))
            rho = lam * (sn / float(sigma)) ** 2
            if s is None:   # closed form in k-space: a sampled value becomes (y + rho F x0) / (1 + rho)
                kx = fft2c(x0)
                x0 = ifft2c(torch.where(mt, (y + rho * kx) / (1 + rho), kx))
            else:
                from .conjugate_gradient import conjugate_gradient

                x0 = conjugate_gradient(lambda v: normal(v) + rho * v, rhs + rho * x0, x0, n_iter=cg_iterations)
            x = _renoise(x, x0, float(sigma), float(ladder[j + 1]), zeta, noise) if j + 1 < steps else x0
    return (x * scale).numpy()
