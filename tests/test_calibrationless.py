"""Reconstruction without calibration: NLINV (image and maps together) and SAKE (low-rank block-Hankel completion)."""

from __future__ import annotations

import numpy as np
import pytest

import mrilab
from mrilab.data import generate
from mrilab.fourier import ifft2c
from mrilab.multicoil import (coil_maps, cg_sense, hankel_adjoint, hankel_matrix, map_error, nlinv, rss, sake,
                              sobolev_weight)
from mrilab.sampling import cartesian_mask, variable_density_mask


@pytest.fixture(scope="module")
def split():
    return generate(2, 0, preset="multicoil", seed=11)["train"]


@pytest.fixture(scope="module")
def no_acs():
    return variable_density_mask((128, 128), 4, 0.0, power=2, rng=3)


def test_sobolev_weight():
    w = sobolev_weight((8, 10))
    assert w.shape == (8, 10) and w[4, 5] == 1 and (w >= 1).all()
    assert w[4, 6] == w[4, 4] and w[4, 7] > w[4, 6]        # symmetric about DC, rising with |k|
    np.testing.assert_allclose(w[4, 9], (1 + 220 * (4 / 10) ** 2) ** 16)


def test_nlinv_maps_match_a_library_estimate(split):
    """With a 24-column ACS, NLINV's maps serve CG-SENSE about as well as SigPy's JSENSE maps do (a different
    joint estimator: polynomial maps), and their error against the true maps is small."""
    sigpy_mri = pytest.importorskip("sigpy.mri")
    m = cartesian_mask((128, 128), 4, 24 / 128, pattern="regular")
    y, ref, true = split.kspace_full[0] * m, split.phantoms[0], split.maps[0]
    image, maps, history = nlinv(y, m, return_history=True)
    assert image.shape == (128, 128) and maps.shape == true.shape
    np.testing.assert_allclose(rss(maps)[rss(maps) > 0], 1, atol=1e-4)
    assert history[-1] < 0.1 * history[0] and all(b <= a + 1e-6 for a, b in zip(history, history[1:]))
    assert map_error(maps, true, ref > 0.05 * ref.max()) < 0.08
    js = sigpy_mri.app.JsenseRecon(y, mps_ker_width=12, ksp_calib_width=24, show_pbar=False).run()
    js = js / np.maximum(rss(js), 1e-12)
    ours = mrilab.psnr(ref, np.abs(cg_sense(y, m, maps, n_iter=8)))
    theirs = mrilab.psnr(ref, np.abs(cg_sense(y, m, js, n_iter=8)))
    assert ours > theirs - 1.0


def test_nlinv_without_acs(split, no_acs):
    y, ref = split.kspace_full[1] * no_acs, split.phantoms[1]
    image, _ = nlinv(y, no_acs)
    assert mrilab.psnr(ref, np.abs(image)) > mrilab.psnr(ref, rss(ifft2c(y))) + 5
    # a stack gives the images one by one
    both, maps = nlinv(split.kspace_full * no_acs, no_acs, newton=2)
    one, _ = nlinv(y, no_acs, newton=2)
    assert both.shape == (2, 128, 128) and maps.shape == (2, 8, 128, 128)
    np.testing.assert_allclose(both[1], one, atol=1e-4 * np.abs(one).max())


def test_nlinv_errors(split):
    m = cartesian_mask((128, 128), 4, 0.08, rng=0)
    y = split.kspace_full[0] * m
    with pytest.raises(ValueError, match="reduction"):
        nlinv(y, m, reduction=1.5)
    with pytest.raises(ValueError, match="nothing to reconstruct"):
        nlinv(np.zeros_like(y), m)
    with pytest.raises(ValueError, match="newton"):
        nlinv(y, m, newton=0)


def _hankel_by_loops(x, k):
    c, h, w = x.shape
    return np.array([np.concatenate([x[ci, i:i + k, j:j + k].ravel() for ci in range(c)])
                     for i in range(h - k + 1) for j in range(w - k + 1)])


def test_hankel_matrix_and_its_adjoint():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 9, 11)) + 1j * rng.standard_normal((3, 9, 11))
    a = hankel_matrix(x, 4)
    np.testing.assert_array_equal(a, _hankel_by_loops(x, 4))
    b = rng.standard_normal(a.shape) + 1j * rng.standard_normal(a.shape)
    np.testing.assert_allclose(np.vdot(a, b), np.vdot(x, hankel_adjoint(b, x.shape, 4)))


def test_coil_kspace_is_low_rank(split):
    """Smooth coils: the block-Hankel matrix of fully sampled multi-coil k-space has few large singular
    values; the same matrix of noise-like data has none that stand out."""
    s = np.linalg.svd(hankel_matrix(split.kspace_full[0], 5), compute_uv=False)
    assert s[40] < 0.05 * s[0]
    rng = np.random.default_rng(1)
    noise = rng.standard_normal((8, 128, 128)) + 1j * rng.standard_normal((8, 128, 128))
    sn = np.linalg.svd(hankel_matrix(noise, 5), compute_uv=False)
    assert sn[40] > 0.5 * sn[0]


def test_sake_completes_without_acs(split, no_acs):
    y, ref = split.kspace_full[0] * no_acs, split.phantoms[0]
    full = sake(y, no_acs, return_kspace=True)
    np.testing.assert_allclose(full[:, no_acs], y[:, no_acs], atol=1e-6)       # the measured samples kept
    assert mrilab.psnr(ref, rss(ifft2c(full))) > mrilab.psnr(ref, rss(ifft2c(y))) + 6
    np.testing.assert_allclose(sake(y, no_acs), rss(ifft2c(full)), atol=1e-5)


def test_sake_errors(split, no_acs):
    y = split.kspace_full[0] * no_acs
    with pytest.raises(ValueError, match="rank must be at most"):
        sake(y, no_acs, kernel=3, rank=100)
    with pytest.raises(ValueError, match="kernel"):
        sake(y, no_acs, kernel=1)


def test_registered_and_as_maps(split, no_acs):
    names = mrilab.registry.methods(multicoil=True)
    assert {"nlinv", "sake"} <= set(names)
    y = split.kspace_full[:1] * no_acs
    with pytest.raises(ValueError, match="without maps="):
        mrilab.reconstruct("nlinv", y, no_acs, maps=split.maps[:1])
    with pytest.raises(ValueError, match="without maps="):
        mrilab.reconstruct("sake", y, no_acs, maps=split.maps[:1], n_iter=1)
    maps = coil_maps(y[0], no_acs, "nlinv")
    x = mrilab.reconstruct("cg_sense", y, no_acs, maps="nlinv")
    assert maps.shape == (8, 128, 128) and x.shape == (1, 128, 128)
