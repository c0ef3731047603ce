import numpy as np
import pytest
from skimage.restoration import denoise_tv_chambolle

import mrilab
from mrilab.tv import tv_cs_objective


@pytest.fixture
def noisy():
    rng = np.random.default_rng(0)
    clean = mrilab.shepp_logan(64).astype(np.float64)
    return clean, np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1)


@pytest.mark.parametrize("lam", [0.02, 0.1, 0.3])
def test_tv_denoise_matches_scikit_image(noisy, lam):
    _, x = noisy
    ours = mrilab.tv_denoise(x, lam)
    ref = denoise_tv_chambolle(x, weight=lam)
    assert np.abs(ours - ref).max() < 1e-3
    ours_short = mrilab.tv_denoise(x, lam, max_iter=20, tol=0)
    ref_short = denoise_tv_chambolle(x, weight=lam, max_num_iter=20, eps=0)
    assert np.abs(ours_short - ref_short).max() < 1e-3


def test_tv_denoise_batch_equals_one_by_one(noisy):
    clean, x = noisy
    stack = np.stack([x, clean, 0.5 * x])
    batch = mrilab.tv_denoise(stack, 0.1)
    for img, out in zip(stack, batch):
        np.testing.assert_allclose(out, mrilab.tv_denoise(img, 0.1), atol=1e-12)


def test_tv_denoise_reduces_objective_and_handles_complex(noisy):
    _, x = noisy
    lam = 0.1
    u = mrilab.tv_denoise(x, lam)

    def objective(v):
        return 0.5 * np.sum(np.abs(v - x) ** 2) + lam * mrilab.total_variation(v)

    assert objective(u) < objective(x)
    # a complex image with a constant phase is denoised like its magnitude
    phase = np.exp(1j * 0.7)
    uc = mrilab.tv_denoise(x * phase, lam)
    assert np.iscomplexobj(uc)
    np.testing.assert_allclose(uc * np.conj(phase), u, atol=1e-6)
    assert mrilab.tv_denoise(x.astype(np.float32), lam).dtype == np.float32


def test_tv_cs_recovers_a_phantom_and_decreases_the_objective():
    x = mrilab.shepp_logan(64)
    mask = mrilab.cartesian_mask((64, 64), 3, 0.1, rng=0)
    y = mrilab.fft2c(x) * mask
    objective = []
    out = mrilab.tv_cs(y, mask, 5e-4, n_iter=300,
                       callback=lambda i, xi: objective.append(tv_cs_objective(xi, y, mask, 5e-4)))
    assert len(objective) == 300 and out.dtype == np.complex64
    zf = mrilab.zero_filled(y)
    assert mrilab.psnr(x, np.abs(out)) > mrilab.psnr(x, zf) + 10
    start = tv_cs_objective(mrilab.ifft2c(y), y, mask, 5e-4)
    truth = tv_cs_objective(x, y, mask, 5e-4)  # the minimum is at most this
    assert objective[-1] < 0.8 * start
    assert objective[-1] < 1.01 * truth
    # data consistency: measured samples are reproduced closely
    residual = np.linalg.norm((mrilab.fft2c(out) - y) * mask) / np.linalg.norm(y)
    assert residual < 0.01


def test_tv_cs_batch_equals_one_by_one():
    rng = np.random.default_rng(3)
    xs = np.stack([mrilab.random_phantom(rng, 32) for _ in range(3)])
    masks = np.stack([mrilab.cartesian_mask((32, 32), 3, 0.1, rng=rng) for _ in xs])
    ys = mrilab.fft2c(xs) * masks
    batch = mrilab.tv_cs(ys, masks, 1e-3, n_iter=50)
    for y, m, b in zip(ys, masks, batch):
        np.testing.assert_allclose(b, mrilab.tv_cs(y, m, 1e-3, n_iter=50), atol=1e-5)


@pytest.mark.parametrize("call, match", [
    (lambda x: mrilab.tv_denoise(x, 0), "lam must be a positive number"),
    (lambda x: mrilab.tv_denoise(x, -1.0), r"lam must be a positive number .*got -1.0"),
    (lambda x: mrilab.tv_denoise(x, 0.1, max_iter=0), "max_iter must be an integer >= 1"),
    (lambda x: mrilab.tv_denoise(x[0], 0.1), "image must have 2 to 3 dimensions"),
    (lambda x: mrilab.tv_cs(x, np.ones((8, 8), bool), 0.1), r"mask must have shape \(64, 64\)"),
    (lambda x: mrilab.tv_cs(x, np.ones((64, 64), bool), 0.1, tau=0), "tau must be a positive number"),
    (lambda x: mrilab.tv_cs(x, np.ones((64, 64), bool), 0.1, n_iter=2.5), "n_iter must be an integer"),
])
def test_tv_errors(noisy, call, match):
    with pytest.raises(ValueError, match=match):
        call(noisy[1])


def test_tv_cs_with_full_sampling_is_rof_denoising_as_in_scikit_image():
    # With every sample measured, 1/2 ||F x - y||^2 = 1/2 ||x - F^H y||^2 (F is unitary), so
    # TV compressed sensing is ROF denoising of the inverse FFT: PDHG must agree with
    # scikit-image's Chambolle solver on the same problem.
    rng = np.random.default_rng(2)
    noisy = mrilab.shepp_logan(64) + 0.1 * rng.standard_normal((64, 64))
    y = mrilab.fft2c(noisy)
    full = np.ones((64, 64), dtype=bool)
    ours = mrilab.tv_cs(y, full, 0.1, n_iter=1000, tau=1.0)
    ref = denoise_tv_chambolle(noisy, weight=0.1, max_num_iter=2000, eps=1e-9)
    assert np.abs(ours.imag).max() < 1e-3
    assert np.abs(ours.real - ref).max() < 1e-2
    assert np.mean(np.abs(ours.real - ref)) < 1e-3
