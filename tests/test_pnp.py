"""Part VII's plug-and-play reconstruction: the noise-level denoiser, its training, and HQS."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mrilab
from mrilab.data import generate
from mrilab.fourier import fft2c, ifft2c
from mrilab.models import NoiseLevelDenoiser
from mrilab.pnp import pnp_hqs
from mrilab.train import load_model, save_checkpoint
from mrilab.train.denoiser import NoisyPatches, fit_denoiser


@pytest.fixture(scope="module")
def split():
    return generate(12, 0, preset="realistic", size=32, seed=2)["train"]


class Blur(torch.nn.Module):
    """A stand-in denoiser that smooths more at higher noise levels (a 3 x 3 mean, blended)."""

    def forward(self, x, sigma):
        w = min(1.0, 10 * float(sigma))
        ch = torch.view_as_real(x).permute(0, 3, 1, 2)
        smooth = torch.nn.functional.avg_pool2d(ch, 3, stride=1, padding=1, count_include_pad=False)
        out = (1 - w) * ch + w * smooth
        return torch.view_as_complex(out.permute(0, 2, 3, 1).contiguous())


def test_untrained_denoiser_is_the_identity_and_checks_its_input(tmp_path):
    model = NoiseLevelDenoiser(chans=4, levels=2)
    x = torch.randn(2, 16, 16, dtype=torch.complex64)
    torch.testing.assert_close(model(x, 0.05), x)
    torch.testing.assert_close(model(x, torch.tensor([0.0, 0.1])), x)
    with pytest.raises(ValueError, match="multiples of 4"):
        model(torch.randn(1, 18, 16, dtype=torch.complex64), 0.1)
    with pytest.raises(ValueError, match="levels must be an integer >= 0"):
        NoiseLevelDenoiser(levels=-1)
    # the noise level is an input: after a step of training the output depends on it
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(1)))
    assert not torch.allclose(model(x, 0.0), model(x, 0.2))
    path = save_checkpoint(model, tmp_path / "d.pt")
    again = load_model(path, expected="NoiseLevelDenoiser")
    torch.testing.assert_close(again(x, 0.1), model(x, 0.1))


def test_patches_are_reproducible_noisy_crops(split):
    data = NoisyPatches(split, patch=16, noise_range=(0.05, 0.05), gain_range=(1.0, 1.0), seed=3)
    noisy, sigma, clean = data[2]
    assert noisy.shape == clean.shape == (16, 16) and float(sigma) == pytest.approx(0.05)
    assert float(torch.std(torch.view_as_real(noisy - clean))) == pytest.approx(0.05, rel=0.25)
    image = torch.from_numpy(split.images[2])
    found = [(t, l) for t in range(17) for l in range(17)
             if torch.allclose(image[t:t + 16, l:l + 16], clean) or torch.allclose(image[t:t + 16, l:l + 16].flip(-1), clean)]
    assert len(found) == 1  # a crop (perhaps mirrored) of its own image
    np.testing.assert_array_equal(NoisyPatches(split, patch=16, seed=3)[5][0].numpy(),
                                  NoisyPatches(split, patch=16, seed=3)[5][0].numpy())
    with pytest.raises(ValueError, match="patch must be an integer between 4 and the image side 32"):
        NoisyPatches(split, patch=64)


def test_training_lowers_the_denoising_error(split):
    torch.manual_seed(0)
    model = NoiseLevelDenoiser(chans=8, levels=1)
    data = NoisyPatches(split, patch=32, noise_range=(0.1, 0.1), gain_range=(1.0, 1.0), seed=0)
    history = fit_denoiser(model, data, epochs=30, batch_size=4, lr=5e-3, progress=False)
    assert np.mean(history["loss"][-3:]) < 0.85 * history["loss"][0]  # below the identity's error
    noisy, sigma, clean = data[0]
    with torch.no_grad():
        out = model(noisy[None], sigma[None])[0]
    assert torch.mean(torch.abs(out - clean)) < 0.9 * torch.mean(torch.abs(noisy - clean))


def test_hqs_with_noise_free_data_keeps_every_measured_sample(split):
    k, m = (split.kspace_full[:3] * split.masks[:3]).astype(np.complex64), split.masks[:3]
    out, iterates = pnp_hqs(k, m, Blur(), noise_std=0.0, iterations=5, return_iterates=True, magnitude=False,
                            final="data")
    assert len(iterates) == 5 and out.shape == (3, 32, 32)
    np.testing.assert_allclose(fft2c(out)[m], k[m], atol=1e-5)  # exact data consistency at sigma_n = 0
    zf = np.abs(ifft2c(k))
    assert not np.allclose(np.abs(out), zf, atol=1e-3)  # the denoiser filled in the rest
    # a denoiser that does nothing (Blur at a tiny sigma) leaves the zero-filled image
    same = pnp_hqs(k, m, Blur(), noise_std=0.0, iterations=3, sigma_max=1e-4, sigma_min=1e-5)
    np.testing.assert_allclose(same, zf, atol=1e-3)


def test_hqs_data_step_is_the_proximal_step_and_multicoil_with_one_coil_agrees(split):
    rng = np.random.default_rng(0)
    k = split.kspace_full[:2] + 0.02 * (rng.standard_normal((2, 32, 32)) + 1j * rng.standard_normal((2, 32, 32)))
    m = split.masks[:2]
    y = (k * m).astype(np.complex64)
    single = pnp_hqs(y, m, Blur(), noise_std=0.02, iterations=4)
    maps = np.ones((2, 1, 32, 32), dtype=np.complex64)
    multi = pnp_hqs(y[:, None], m, Blur(), noise_std=0.02, maps=maps, iterations=4, cg_iterations=30)
    np.testing.assert_allclose(multi, single, atol=2e-4)
    with pytest.raises(ValueError, match="maps must have the shape"):
        pnp_hqs(y[:, None], m, Blur(), maps=np.ones((2, 2, 32, 32)))
    with pytest.raises(ValueError, match="noise_std must be a number >= 0"):
        pnp_hqs(y, m, Blur(), noise_std=-1.0)
    with pytest.raises(ValueError, match="sigma_min <= sigma_max"):
        pnp_hqs(y, m, Blur(), sigma_min=0.2, sigma_max=0.1)


def test_registry_runs_pnp_single_and_multicoil(split, tmp_path):
    model = NoiseLevelDenoiser(chans=4, levels=2)
    path = save_checkpoint(model, tmp_path / "d.pt")
    y, m = split.kspace_undersampled[:2], split.masks[:2]
    out = mrilab.registry.reconstruct("pnp", y, m, weights=str(path), noise_std=0.01)
    # an untrained (identity) denoiser: HQS is then a weighted average of data and zero filling
    assert out.shape == (2, 32, 32) and np.all(np.isfinite(out))
    mc = generate(1, 0, preset="multicoil", size=32, seed=1)["train"]
    out = mrilab.registry.reconstruct("pnp", mc.kspace_undersampled, mc.masks, weights=str(path), noise_std=0.01,
                                      maps=mc.maps)
    assert out.shape == (1, 32, 32)


def test_ending_with_the_denoiser_gives_up_exact_consistency(split):
    k, m = (split.kspace_full[:2] * split.masks[:2]).astype(np.complex64), split.masks[:2]
    data_end = pnp_hqs(k, m, Blur(), noise_std=0.0, iterations=4, magnitude=False, final="data")
    denoised_end = pnp_hqs(k, m, Blur(), noise_std=0.0, iterations=4, magnitude=False, final="denoiser")
    assert np.abs(fft2c(denoised_end)[m] - k[m]).max() > 10 * np.abs(fft2c(data_end)[m] - k[m]).max()
    with pytest.raises(ValueError, match="final must be 'data' or 'denoiser'"):
        pnp_hqs(k, m, Blur(), final="prior")


def test_registry_takes_the_schedule_of_the_weight_set(monkeypatch):
    """reconstruct("pnp", weights=set) runs that set's schedule; given parameters go on top."""
    from mrilab import pnp, registry
    from mrilab.pnp import PNP_DEFAULTS, PNP_SCHEDULES

    assert PNP_SCHEDULES["realistic"] == PNP_DEFAULTS
    assert set(PNP_SCHEDULES) <= set(registry.WEIGHT_SETS)
    assert PNP_SCHEDULES["randomized"]["sigma_min"] != PNP_DEFAULTS["sigma_min"]
    seen = []
    monkeypatch.setattr(registry, "_denoiser", lambda weights: Blur())
    monkeypatch.setattr(pnp, "pnp_hqs", lambda k, m, model, **kw: seen.append(kw) or np.zeros(k.shape[-2:]))
    y, m = np.zeros((8, 8), dtype=np.complex64), np.ones((8, 8), dtype=bool)
    registry.reconstruct("pnp", y, m, weights="randomized")
    registry.reconstruct("pnp", y, m, weights="realistic")
    registry.reconstruct("pnp", y, m, weights="randomized", sigma_min=0.05)
    registry.reconstruct("pnp", y, m, weights="/some/checkpoint.pt")
    assert [kw["sigma_min"] for kw in seen] == [PNP_SCHEDULES["randomized"]["sigma_min"],
                                                PNP_DEFAULTS["sigma_min"], 0.05, PNP_DEFAULTS["sigma_min"]]
    assert all(kw["iterations"] == PNP_DEFAULTS["iterations"] for kw in seen)
