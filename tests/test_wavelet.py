"""Wavelet compressed sensing: the transform is orthonormal, the solver decreases its objective."""

import numpy as np
import pytest

import mrilab
from mrilab.registry import tuned_parameters
from mrilab.wavelet import (WAVELET_CS_BY_NOISE, WAVELET_CS_DEFAULTS, Wavelet, soft_threshold, wavelet_cs,
                            wavelet_cs_objective)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    x = np.stack([mrilab.random_phantom(rng, 64) for _ in range(2)]).astype(np.complex64)
    masks = np.stack([mrilab.cartesian_mask((64, 64), 3, 0.1, rng=rng) for _ in x])
    return x, mrilab.fft2c(x) * masks, masks


@pytest.mark.parametrize("name", ["haar", "db2", "db4", "sym4"])
def test_transform_is_orthonormal(name):
    rng = np.random.default_rng(1)
    w = Wavelet((64, 64), name, 3)
    x = rng.standard_normal((2, 64, 64)) + 1j * rng.standard_normal((2, 64, 64))
    c = rng.standard_normal((2, 64, 64))
    assert w.forward(x).shape == x.shape
    assert np.linalg.norm(w.forward(x)) == pytest.approx(np.linalg.norm(x), rel=1e-12)   # Parseval
    np.testing.assert_allclose(w.adjoint(w.forward(x)), x, atol=1e-12)                  # inverse
    assert np.vdot(w.forward(x), c) == pytest.approx(np.vdot(x, w.adjoint(c)), rel=1e-12)  # adjoint
    one = w.forward(x[0])
    np.testing.assert_allclose(one, w.forward(x)[0], atol=1e-12)  # an image and a stack agree
    assert w.approx.sum() == (64 // 8) ** 2


def test_transform_errors():
    with pytest.raises(ValueError, match="not orthogonal"):
        Wavelet((64, 64), "bior2.2")
    with pytest.raises(ValueError, match="divisible by 16"):
        Wavelet((40, 40), "haar", 4)
    with pytest.raises(ValueError, match="discrete PyWavelets wavelet"):
        Wavelet((64, 64), "nonsense")


def test_soft_threshold_keeps_phase():
    c = np.array([3 + 4j, 0.1j, -2.0])
    out = soft_threshold(c, 1.0)
    np.testing.assert_allclose(out, [2.4 + 3.2j, 0, -1.0])


def test_fully_sampled_problem_has_the_closed_form(problem):
    """With every sample measured the minimiser is wavelet soft-thresholding of the image."""
    x, _, _ = problem
    full = np.ones(x.shape, dtype=bool)
    w = Wavelet((64, 64), "haar", 3)
    c = w.forward(x)
    expected = w.adjoint(np.where(w.approx, c, soft_threshold(c, 0.05)))
    out = wavelet_cs(mrilab.fft2c(x), full, 0.05, wavelet="haar", level=3, shift=False, n_iter=5)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_solver_decreases_its_objective(problem):
    x, y, masks = problem
    w = Wavelet((64, 64), "haar", 3)
    obj = []
    wavelet_cs(y, masks, 1e-3, wavelet="haar", level=3, shift=False, n_iter=100,
               callback=lambda i, z: obj.append(wavelet_cs_objective(z, y, masks, 1e-3, w)))
    obj = np.array(obj)
    start = wavelet_cs_objective(mrilab.ifft2c(y), y, masks, 1e-3, w)
    assert np.all(obj[9] < start) and np.all(obj[-1] < obj[9])
    assert np.all(np.diff(obj[::10], axis=0) < 1e-7)  # down at every tenth iteration


def test_recovers_better_than_zero_filling_and_is_seeded(problem):
    x, y, masks = problem
    zf = mrilab.psnr(np.abs(x), mrilab.zero_filled(y))
    out = wavelet_cs(y, masks, 1e-3, wavelet="haar", level=3, n_iter=100)
    assert np.all(mrilab.psnr(np.abs(x), np.abs(out)) > zf + 3)
    np.testing.assert_array_equal(out, wavelet_cs(y, masks, 1e-3, wavelet="haar", level=3, n_iter=100))


def test_registered_with_noise_tuned_parameters(problem):
    _, y, masks = problem
    out = mrilab.reconstruct("wavelet_cs", y, masks, n_iter=10, level=3)
    assert out.shape == y.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, np.abs(wavelet_cs(y, masks, WAVELET_CS_DEFAULTS["lam"], n_iter=10, level=3,
                                                      wavelet=WAVELET_CS_DEFAULTS["wavelet"])), atol=1e-6)
    tuned = tuned_parameters(WAVELET_CS_BY_NOISE, 0.01)
    noisy = mrilab.reconstruct("wavelet_cs", y, masks, n_iter=10, level=3, noise_std=0.01)
    np.testing.assert_allclose(noisy, np.abs(wavelet_cs(y, masks, tuned["lam"], n_iter=10, level=3,
                                                        wavelet=tuned["wavelet"])), atol=1e-6)
