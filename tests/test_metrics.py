import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

import mrilab


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    target = 2.0 + 3.0 * mrilab.shepp_logan(64)          # range [2, 5], not [0, 1]
    pred = target + 0.1 * rng.standard_normal(target.shape)
    return target, pred


def test_metrics_match_scikit_image_on_target_normalised_inputs(pair):
    target, pred = pair
    t, p = (target - 2.0) / 3.0, (pred - 2.0) / 3.0
    assert np.isclose(mrilab.psnr(target, pred), peak_signal_noise_ratio(t, p, data_range=1))
    assert np.isclose(mrilab.ssim(target, pred), structural_similarity(t, p, data_range=1))
    assert np.isclose(mrilab.rmse(target, pred), np.sqrt(np.mean((t - p) ** 2)))


def test_hand_computed_values():
    target = np.zeros((8, 8))
    target[0, 0] = 1.0                    # range [0, 1]
    pred = target + 0.1                   # every pixel off by 0.1
    assert np.isclose(mrilab.rmse(target, pred), 0.1)
    assert np.isclose(mrilab.psnr(target, pred), 20.0)  # 10 log10(1 / 0.01)
    assert np.isclose(mrilab.ssim(target, target), 1.0)
    # the target's range is used for both: scaling the target scales the errors with it
    assert np.isclose(mrilab.rmse(10 * target, 10 * pred), 0.1)


def test_prediction_is_not_renormalised():
    # a prediction with the right shape but half the intensity must score badly,
    # which independent [0, 1] normalisation would hide
    target = mrilab.shepp_logan(64)
    half = 0.5 * target
    assert mrilab.rmse(target, half) > 0.1
    indep = (half - half.min()) / (half.max() - half.min())
    assert np.isclose(mrilab.rmse(target, indep), 0.0)


def test_stack_gives_per_image_values(pair):
    target, pred = pair
    stack_t, stack_p = np.stack([target, target]), np.stack([pred, target])
    psnr = mrilab.psnr(stack_t, stack_p)
    assert psnr.shape == (2,) and np.isclose(psnr[0], mrilab.psnr(target, pred))
    scores = mrilab.evaluate(stack_t, stack_p)
    assert set(scores) == {"psnr", "ssim", "rmse"}
    assert np.allclose(scores["ssim"], mrilab.ssim(stack_t, stack_p))
    assert np.allclose(scores["rmse"], [mrilab.rmse(target, pred), 0.0])
    single = mrilab.evaluate(target, pred)
    assert single["psnr"].shape == (1,)


def test_metric_errors(pair):
    target, pred = pair
    with pytest.raises(ValueError, match="pred must be a real magnitude image, got complex"):
        mrilab.psnr(target, pred.astype(complex))
    with pytest.raises(ValueError, match=r"target and pred must have the same shape, got \(64, 64\) and \(32, 32\)"):
        mrilab.ssim(target, pred[:32, :32])
    bad = pred.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="pred contains 1 NaN or infinite"):
        mrilab.rmse(target, bad)
    with pytest.raises(ValueError, match="target is constant"):
        mrilab.psnr(np.ones((8, 8)), np.ones((8, 8)))
    with pytest.raises(ValueError, match="target must have 2 to 3 dimensions"):
        mrilab.evaluate(target[0], pred[0])


def test_zero_filled():
    x = mrilab.shepp_logan(32)
    k = mrilab.fft2c(x)
    np.testing.assert_allclose(mrilab.zero_filled(k), x, atol=1e-6)
    assert mrilab.zero_filled(k).dtype == np.float32
    with pytest.raises(ValueError, match="kspace contains"):
        mrilab.zero_filled(np.full((4, 4), np.inf))
    import torch
    out = mrilab.zero_filled(torch.from_numpy(k))
    np.testing.assert_allclose(out.numpy(), x, atol=1e-6)
