"""The score model and the posterior samplers (Part XII): Tweedie's denoiser, exact sampling of a Gaussian
posterior, determinism, the coil path, errors, and the shipped weights."""

from pathlib import Path

import numpy as np
import pytest
import torch

import mrilab
from mrilab.fourier import fft2c
from mrilab.posterior import POSTERIOR_DEFAULTS, Posterior, coverage, interval_score, posterior_sample, tweedie_score

ROOT = Path(__file__).resolve().parents[1]
SD = 0.14


class LinearDenoiser:
    """The MMSE denoiser of a white complex Gaussian prior of std ``s`` per part: ``s^2 / (s^2 + sigma^2) x``."""

    def __init__(self, s):
        self.s = s

    def __call__(self, x, sigma):
        return self.s ** 2 / (self.s ** 2 + sigma ** 2) * x


def _gaussian_problem(seed=0, n=16, noise=0.05, fraction=0.4):
    """A white complex Gaussian image of std SD per part, measured on a random mask with noise."""
    rng = np.random.default_rng(seed)
    x = SD * (rng.standard_normal((1, n, n)) + 1j * rng.standard_normal((1, n, n)))
    mask = rng.random((1, n, n)) < fraction
    y = (fft2c(x) + noise * (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape))) * mask
    return y.astype(np.complex64), mask


def test_tweedie_score_of_the_gaussian_prior():
    x = torch.randn(2, 16, 16, dtype=torch.complex64)
    for sigma in (0.01, 0.3, 2.0):   # the score of N(0, (SD^2 + sigma^2) I) per part: -x / (SD^2 + sigma^2)
        assert torch.allclose(tweedie_score(LinearDenoiser(SD), x, sigma), -x / (SD ** 2 + sigma ** 2), rtol=1e-4)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        tweedie_score(LinearDenoiser(SD), x, 0.0)


@pytest.mark.parametrize("method, schedule", [("langevin", dict(levels=100, steps_per_level=3, epsilon=0.5)),
                                              ("diffpir", dict(steps=120, lam=1.0, zeta=None))])
def test_samplers_draw_the_posterior_of_a_gaussian_prior(method, schedule):
    # LinearDenoiser is the exact MMSE denoiser of a white Gaussian prior of std SD per part (in the
    # sampler's scaled units). Then the posterior is known in k-space: at a sampled point mean
    # SD^2 / (SD^2 + sn^2) y and variance SD^2 sn^2 / (SD^2 + sn^2) per part; elsewhere mean 0, variance SD^2.
    # Both samplers approach it as their steps shrink (measured: Langevin's spread 6 % too wide at these
    # settings, 14 % with 40 levels of 4; DiffPIR's 8 % too narrow at 120 levels, 25 % at 30).
    noise = 0.05
    y, mask = _gaussian_problem(noise=noise)
    scale = float(np.abs(np.fft.ifft2(np.fft.ifftshift(y[0]), norm="ortho")).max())
    model = LinearDenoiser(SD / scale)   # SD on the data's scale
    post = posterior_sample(y, mask, model, noise_std=noise, method=method, samples=200, sigma_max=3.0 / scale,
                            sigma_min=0.002, seed=0, **schedule)
    k = fft2c(post.samples[:, 0])                         # (S, H, W)
    m = mask[0]
    var = np.mean(np.abs(k - k.mean(0)) ** 2, axis=0) / 2   # per part
    post_var = SD ** 2 * noise ** 2 / (SD ** 2 + noise ** 2)
    assert abs(var[~m].mean() / SD ** 2 - 1) < 0.1
    assert abs(var[m].mean() / post_var - 1) < 0.2
    post_mean = SD ** 2 / (SD ** 2 + noise ** 2) * y[0][m]
    assert np.abs(k.mean(0)[m] - post_mean).mean() < 0.1 * np.abs(post_mean).mean()
    assert np.abs(k.mean(0)[~m]).mean() < 0.15 * SD       # 200 samples: the mean's own scatter is 0.06 SD


def test_diffpir_ancestral_step_keeps_the_spread_a_constant_zeta_halves():
    noise = 0.05
    y, mask = _gaussian_problem(noise=noise)
    scale = float(np.abs(np.fft.ifft2(np.fft.ifftshift(y[0]), norm="ortho")).max())
    model = LinearDenoiser(SD / scale)
    spread = {}
    for zeta in (None, 1.0):
        post = posterior_sample(y, mask, model, noise_std=noise, samples=100, steps=60, sigma_max=3.0 / scale,
                                sigma_min=0.002, zeta=zeta, seed=0)
        k = fft2c(post.samples[:, 0])
        spread[zeta] = np.mean((np.abs(k - k.mean(0)) ** 2)[:, ~mask[0]]) / 2 / SD ** 2
    assert 0.75 < spread[None] < 1.1 and 0.35 < spread[1.0] < 0.6


def test_intervals_of_gaussian_draws_cover_their_level_and_the_interval_score_prefers_them():
    # eight draws per pixel of N(mu, 1) and one more as the truth: the Student-t prediction interval holds it at its
    # nominal level; the interval score (a proper score) is lowest for the right interval, not a narrower or wider one
    rng = np.random.default_rng(3)
    mu = rng.standard_normal((1, 200, 200))
    draws = (mu + rng.standard_normal((8, 1, 200, 200))).astype(np.complex64)
    truth = mu + rng.standard_normal(mu.shape)
    post = Posterior(samples=draws, mean=draws.real.mean(0), std=draws.real.std(0, ddof=1), seconds=0, evaluations=1)
    for level in (0.5, 0.9):
        assert coverage(truth, *post.interval(level)) == pytest.approx(level, abs=0.01)
    low, high = post.interval(0.9)
    mid, half = (low + high) / 2, (high - low) / 2
    right = interval_score(truth, low, high, 0.9)
    assert right < interval_score(truth, mid - 0.6 * half, mid + 0.6 * half, 0.9)
    assert right < interval_score(truth, mid - 1.6 * half, mid + 1.6 * half, 0.9)
    region = np.zeros(truth.shape, dtype=bool)
    region[0, :10] = True
    assert interval_score(truth, low, high, 0.9, region) == pytest.approx(
        interval_score(truth[region], low[region], high[region], 0.9))
    with pytest.raises(ValueError, match="level"):
        interval_score(truth, low, high, 1.0)
    with pytest.raises(ValueError, match="region"):
        interval_score(truth, low, high, 0.9, np.zeros(truth.shape, dtype=bool))


def test_sampling_is_seeded_and_one_coil_of_ones_is_the_single_coil_path():
    y, mask = _gaussian_problem(seed=1)
    model = LinearDenoiser(0.3)
    a = posterior_sample(y, mask, model, noise_std=0.05, samples=3, steps=8, seed=4)
    b = posterior_sample(y, mask, model, noise_std=0.05, samples=3, steps=8, seed=4)
    c = posterior_sample(y, mask, model, noise_std=0.05, samples=3, steps=8, seed=5)
    assert np.array_equal(a.samples, b.samples) and not np.allclose(a.samples, c.samples)
    assert a.samples.shape == (3, 1, 16, 16) and a.mean.shape == a.std.shape == (1, 16, 16)
    assert np.allclose(a.mean, np.abs(a.samples).mean(0)) and np.allclose(a.std, np.abs(a.samples).std(0, ddof=1))
    lo, hi = a.interval(0.9)
    assert np.all(lo <= hi)
    # with one coil of ones, the CG proximal step converges (two eigenvalues) to the closed form
    multi = posterior_sample(y[:, None], mask, model, noise_std=0.05, samples=3, steps=8, seed=4,
                             maps=np.ones_like(y[:, None]), lam=POSTERIOR_DEFAULTS["lam"])   # the single-coil weight
    assert np.allclose(multi.samples, a.samples, atol=2e-4)


def test_posterior_errors_name_the_parameter():
    y, mask = _gaussian_problem()
    model = LinearDenoiser(SD)
    for kwargs, match in ((dict(noise_std=0.0), "noise_std must be a number > 0"),
                          (dict(noise_std=0.01, samples=1), "samples must be >= 2"),
                          (dict(noise_std=0.01, method="dps"), "method must be"),
                          (dict(noise_std=0.01, sigma_min=1.0, sigma_max=0.5), "0 < sigma_min < sigma_max"),
                          (dict(noise_std=0.01, zeta=1.5), "zeta must be between"),
                          (dict(noise_std=0.01, maps=np.ones((1, 2, 16, 16))), "kspace must be")):
        with pytest.raises(ValueError, match=match):
            posterior_sample(y, mask, model, **kwargs)
    with pytest.raises(ValueError, match="mask must have the shape"):
        posterior_sample(y, mask[:, :8], model, noise_std=0.01)
    with pytest.raises(ValueError, match="noise_std="):
        mrilab.reconstruct("posterior", y, mask)


def _realistic(split):
    path = mrilab.ensure_dataset(ROOT / "data/mri_dataset_realistic.h5", preset="realistic")
    return mrilab.load_dataset(path, split)


def test_shipped_score_model_reproduces_its_validation_denoising():
    from mrilab.registry import weights_path

    model = mrilab.load_model(weights_path("score", "realistic"), expected="NoiseLevelDenoiser")
    info = model.info
    train = _realistic("train")
    n_fit = len(train) - info["n_val"]
    clean = torch.from_numpy(np.ascontiguousarray(train.images[n_fit:], dtype=np.complex64))
    gen = torch.Generator().manual_seed(info["seed"])
    with torch.no_grad():
        for key, stored in info["validation"].items():   # the training command's loop, in its order
            sigma = float(key.rsplit("_", 1)[1])
            noise = torch.randn(clean.shape, generator=gen) + 1j * torch.randn(clean.shape, generator=gen)
            out = model(clean + sigma * noise.to(clean.dtype), sigma).abs().numpy()
            assert abs(float(mrilab.psnr(train.phantoms[n_fit:], out).mean()) - stored) < 0.05
    assert info["noise_draw"] == "log-uniform" and info["loss"] == "score" and info["train_seconds"] < 30 * 60
    assert Path(info["init"]).name == "denoiser_realistic.pt"    # a warm start from chapter 22's denoiser


def test_shipped_posterior_mean_beats_zero_filling():
    test = _realistic("test")
    t = mrilab.data.remeasure(test.subset(range(2)), 4, 0.01, seed=0)
    mean = mrilab.reconstruct("posterior", t.kspace_undersampled, t.masks, noise_std=0.01, samples=4, steps=15)
    zf = mrilab.zero_filled(t.kspace_undersampled)
    assert mrilab.psnr(t.phantoms, mean).mean() > mrilab.psnr(t.phantoms, zf).mean() + 3
