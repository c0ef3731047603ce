import numpy as np
import pytest
import torch

import mrilab


@pytest.mark.parametrize("shape", [(8, 8), (7, 9), (5, 6), (3, 4, 5), (2, 3, 16, 15)])
def test_fft2c_matches_numpy_with_shifts(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    expected = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x, axes=(-2, -1)), norm="ortho"),
                               axes=(-2, -1))
    np.testing.assert_allclose(mrilab.fft2c(x), expected, atol=1e-12)
    expected_inv = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(x, axes=(-2, -1)), norm="ortho"),
                                   axes=(-2, -1))
    np.testing.assert_allclose(mrilab.ifft2c(x), expected_inv, atol=1e-12)


@pytest.mark.parametrize("shape", [(16, 16), (15, 17), (4, 9, 11)])
def test_round_trip_and_parseval(shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    np.testing.assert_allclose(mrilab.ifft2c(mrilab.fft2c(x)), x, atol=1e-12)
    np.testing.assert_allclose(mrilab.fft2c(mrilab.ifft2c(x)), x, atol=1e-12)
    axes = (-2, -1)
    np.testing.assert_allclose(np.sum(np.abs(mrilab.fft2c(x)) ** 2, axis=axes),
                               np.sum(np.abs(x) ** 2, axis=axes), rtol=1e-12)


def test_dc_at_centre_for_odd_and_even():
    for h, w in [(8, 8), (7, 9)]:
        k = mrilab.fft2c(np.ones((h, w)))
        assert np.argmax(np.abs(k)) == np.ravel_multi_index((h // 2, w // 2), (h, w))
        assert np.isclose(k[h // 2, w // 2], np.sqrt(h * w))


def test_single_precision_is_kept():
    x = np.ones((8, 8), dtype=np.float32)
    assert mrilab.fft2c(x).dtype == np.complex64
    assert mrilab.ifft2c(mrilab.fft2c(x)).dtype == np.complex64


@pytest.mark.parametrize("shape", [(8, 8), (2, 7, 9)])
def test_torch_matches_numpy(shape):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    kt = mrilab.fft2c(torch.from_numpy(x))
    assert isinstance(kt, torch.Tensor)
    np.testing.assert_allclose(kt.numpy(), mrilab.fft2c(x), atol=1e-5)
    np.testing.assert_allclose(mrilab.ifft2c(kt).numpy(), x, atol=1e-5)
    # real tensors work too, and gradients flow
    xr = torch.from_numpy(rng.standard_normal(shape).astype(np.float32)).requires_grad_()
    mrilab.fft2c(xr).abs().sum().backward()
    assert xr.grad is not None and xr.grad.shape == xr.shape


def test_fft_rejects_vectors():
    with pytest.raises(ValueError, match="image must have at least 2 dimensions"):
        mrilab.fft2c(np.ones(8))
    with pytest.raises(ValueError, match="kspace must have at least 2 dimensions"):
        mrilab.ifft2c(torch.ones(8))
    with pytest.raises(ValueError, match="numeric"):
        mrilab.fft2c(np.array([["a", "b"], ["c", "d"]]))
