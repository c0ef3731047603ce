import numpy as np
import pytest

import mrilab


@pytest.fixture
def sample():
    x = mrilab.shepp_logan(64)
    mask = mrilab.cartesian_mask((64, 64), 4, 0.1, rng=0)
    return x, mrilab.fft2c(x), mask


@pytest.mark.parametrize("method", ["linear", "cubic", "radial"])
def test_measured_samples_are_kept(sample, method):
    _, k, mask = sample
    filled = mrilab.interpolate_kspace(k * mask, mask, method=method)
    np.testing.assert_allclose(filled[mask], k[mask], atol=1e-6)
    assert filled.shape == k.shape and np.iscomplexobj(filled)
    assert np.abs(filled[~mask]).sum() > 0, "something is filled in"


def test_linear_and_cubic_are_exact_on_polynomials():
    cols = np.arange(32)
    mask = np.zeros((4, 32), bool)
    mask[:, ::3] = True
    mask[:, 31] = True
    line = np.broadcast_to((2.0 + 0.5j) * cols, (4, 32))
    np.testing.assert_allclose(mrilab.interpolate_kspace(line * mask, mask, method="linear"), line)
    cubic = np.broadcast_to(0.01 * cols ** 3 - cols + 1j, (4, 32))
    out = mrilab.interpolate_kspace(cubic * mask, mask, method="cubic")
    # a not-a-knot cubic spline reproduces a cubic exactly
    np.testing.assert_allclose(out, cubic, atol=1e-9)


def test_radial_is_exact_on_radially_symmetric_kspace():
    h = w = 32
    ky, kx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    r = np.rint(np.hypot(ky, kx))
    k = np.exp(-r / 5).astype(complex)  # constant on each ring
    mask = mrilab.cartesian_mask((h, w), 2, 0.1, rng=1)
    out = mrilab.interpolate_kspace(k * mask, mask, method="radial")
    inner = r < h // 2  # full rings only
    np.testing.assert_allclose(out[inner], k[inner], atol=1e-12)


def test_batch_matches_single(sample):
    _, k, _ = sample
    masks = np.stack([mrilab.cartesian_mask((64, 64), 4, 0.1, rng=i) for i in range(2)])
    ks = np.stack([k, 2 * k]) * masks
    out = mrilab.interpolate_kspace(ks, masks, method="linear")
    np.testing.assert_allclose(out[1], mrilab.interpolate_kspace(ks[1], masks[1], method="linear"))


def test_lowpass_windows(sample):
    _, k, _ = sample
    np.testing.assert_allclose(mrilab.lowpass(k, window="box", width=1.0), k)
    for window in ("hann", "hamming", "tukey"):
        out = mrilab.lowpass(k, window=window, width=0.5)
        assert np.abs(out[32, 32]) == pytest.approx(np.abs(k[32, 32]), rel=1e-3)  # DC kept
        assert not out[:, :10].any()  # zero outside the window
    box = mrilab.zero_filled(mrilab.lowpass(k, window="box", width=0.25))
    hann = mrilab.zero_filled(mrilab.lowpass(k, window="hann", width=0.5))
    assert box.max() > hann.max()  # Gibbs overshoot of the hard cut-off


@pytest.mark.parametrize("call, match", [
    (lambda k, m: mrilab.interpolate_kspace(k, m, method="nearest"), "method must be one of"),
    (lambda k, m: mrilab.interpolate_kspace(k, m[:8]), r"mask must have shape \(64, 64\)"),
    (lambda k, m: mrilab.lowpass(k, window="gauss"), "window must be one of"),
    (lambda k, m: mrilab.lowpass(k, width=0), r"width must be in \(0, 1\]"),
])
def test_interp_errors(sample, call, match):
    _, k, mask = sample
    with pytest.raises(ValueError, match=match):
        call(k, mask)
