"""Chapter 24's retraining variation: what a single-coil scan varies that the phantoms do not."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mrilab.phantom import shepp_logan
from mrilab.train.variation import ScannerVariation


def _pair(size=64):
    target = torch.from_numpy(np.asarray(shepp_logan(size), dtype=np.float32))
    phase = torch.from_numpy(np.exp(1j * np.linspace(0, 1, size))[None, :].astype(np.complex64))
    return target.to(torch.complex64) * phase, target


def test_nothing_drawn_changes_nothing():
    image, target = _pair()
    none = ScannerVariation(zoom=(1, 1), shading=(0, 0), orient=False, phase=(0, 0))
    out_image, out_target = none(image, target, np.random.default_rng(0))
    assert torch.allclose(out_target, target / target.max()) and torch.allclose(out_image, image / target.max())


def test_each_draw_is_scaled_to_a_maximum_of_one_and_keeps_its_shape():
    image, target = _pair()
    vary = ScannerVariation()
    for seed in range(5):
        out_image, out_target = vary(image, target, np.random.default_rng(seed))
        assert out_image.shape == image.shape and out_image.dtype == image.dtype
        assert out_target.dtype == target.dtype and float(out_target.max()) == pytest.approx(1.0, abs=1e-6)
        assert float(out_target.min()) >= 0


def test_the_reference_is_the_image_magnitude_without_phase_or_noise():
    """Shading and phase act on the image and its reference alike: the reference is |image| wherever the
    object is (up to the antialiasing of the shrink, which acts on both alike)."""
    image, target = _pair()
    vary = ScannerVariation(zoom=(1, 1))
    out_image, out_target = vary(image, target, np.random.default_rng(3))
    assert torch.allclose(out_image.abs(), out_target, atol=1e-5)


def test_shrinking_shrinks_the_object():
    image, target = _pair()
    small = ScannerVariation(zoom=(0.5, 0.5), shading=(0, 0), orient=False, phase=(0, 0))
    _, out_target = small(image, target, np.random.default_rng(1))
    before, after = (target > 0.05 * target.max()).float().mean(), (out_target > 0.05).float().mean()
    assert 0.2 < float(after / before) < 0.32  # a quarter of the area, give or take the antialiasing


def test_shading_darkens_one_side_and_draws_are_reproducible():
    image, target = _pair()
    coil = ScannerVariation(zoom=(1, 1), shading=(1, 1), coil_radius=(1.1, 1.1), orient=False, phase=(0, 0))
    a = coil(image, target, np.random.default_rng(7))
    b = coil(image, target, np.random.default_rng(7))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    ratio = a[1][target > 0.5] / target[target > 0.5]
    assert float(ratio.max() / ratio.min()) > 4  # a surface coil shades steeply


@pytest.mark.parametrize("kwargs, word", [(dict(zoom=(0.5, 1.5)), "zoom"), (dict(shading=(0.5, 0.2)), "shading"),
                                          (dict(coil_radius=(0.8, 1.5)), "coil_radius"),
                                          (dict(phase=(-1, 1)), "phase"), (dict(zoom=3), "zoom")])
def test_bad_ranges_are_refused_by_name(kwargs, word):
    with pytest.raises(ValueError, match=word):
        ScannerVariation(**kwargs)


def test_noisy_bands_apply_the_variation_to_image_and_target():
    from mrilab.data import generate
    from mrilab.fourier import ifft2c
    from mrilab.train.unrolled import NoisyBands

    split = generate(n_train=2, n_test=0, preset="realistic", size=32, seed=0)["train"]
    plain = NoisyBands(split, band=32, noise_range=(0, 0))
    varied = NoisyBands(split, band=32, noise_range=(0, 0),
                        variation=ScannerVariation(zoom=(0.5, 0.5), shading=(0, 0), orient=False, phase=(0, 0)))
    k0, m0, t0 = plain[0]
    k1, m1, t1 = varied[0]
    assert torch.equal(m0, m1) and (t1 > 0.1 * t1.max()).sum() < 0.5 * (t0 > 0.1 * t0.max()).sum()
    full = NoisyBands(split, band=32, noise_range=(0, 0.05), variation=ScannerVariation(zoom=(1, 1), orient=False))
    assert torch.equal(full[0][0], full[0][0])  # the same sample in the same epoch
    first = full[0][0]
    full.set_epoch(1)
    assert not torch.equal(first, full[0][0])  # a fresh draw in the next
    assert float(ifft2c(first).abs().max()) > 0
