"""Retrospective undersampling of a fully sampled scan (mrilab.retrospective) and the chapters' page helpers
(mrilab.book), on simulated coils whose noise covariance and image are known."""

from __future__ import annotations

import numpy as np
import pytest

from mrilab.book import table
from mrilab.fourier import fft2c, ifft2c
from mrilab.multicoil import coil_noise, noise_covariance, ring_maps, rss
from mrilab.phantom import shepp_logan
from mrilab.retrospective import (background_mask, noise_from_background, object_support, prepare_scan,
                                  reconstruct_scan, score, score_methods, tune_on_scan, virtual_coil)
from mrilab.sampling import cartesian_mask

N, C = 96, 6


@pytest.fixture(scope="module")
def scan():
    """A small object in a large field of view, seen by 6 coils with correlated noise of known covariance."""
    image = np.zeros((N, N), np.complex64)
    image[24:72, 24:72] = shepp_logan(48) * np.exp(0.5j)
    maps = ring_maps(N, C)
    psi = noise_covariance(C, 0.01, 0.4)
    k = fft2c(maps * image) + coil_noise(0, (C, N, N), psi)
    return image, maps, psi, k.astype(np.complex64)


def test_background_noise_matches_the_true_covariance(scan):
    image, _, psi, k = scan
    coils = ifft2c(k)
    bg = background_mask(rss(coils))
    assert bg.sum() > 3000 and not bg[40:56, 40:56].any()          # the object's centre is never background
    estimate = noise_from_background(coils, bg)
    assert np.linalg.norm(estimate - psi) < 0.1 * np.linalg.norm(psi)
    with pytest.raises(ValueError, match="too few"):
        noise_from_background(coils, np.zeros((N, N), bool))
    with pytest.raises(ValueError, match="level must be"):
        background_mask(rss(coils), level=2)


def test_prepare_scan_whitens_compresses_and_makes_both_references(scan):
    image, _, psi, k = scan
    full = prepare_scan(k, calibration=16)
    white = noise_from_background(ifft2c(full.kspace), full.background)
    # whitened: uncorrelated coils of equal variance (the mean variance kept)
    assert np.abs(white - np.eye(C) * np.trace(white).real / C).max() < 0.15 * np.trace(white).real / C
    # whitening keeps the coils' mean noise variance; noise_std is its root relative to the reference's maximum
    assert full.noise_std == pytest.approx(np.sqrt(np.trace(psi).real / C) / full.rss.max(), rel=0.1)
    assert full.support[N // 2, N // 2] and not full.support[0, 0]
    assert score(full.rss, full.sense, full.support)["psnr"] > 25     # two estimators of one image
    three = prepare_scan(k, n_virtual=3, calibration=16)
    assert three.kspace.shape == (3, N, N) and 0.9 < three.info["energy_kept"] < 1
    with pytest.raises(ValueError, match="fully sampled complex multi-coil"):
        prepare_scan(np.abs(k))


def test_reconstruct_scan_is_scale_free_and_scores_in_the_support(scan):
    _, maps, _, k = scan
    mask = cartesian_mask((N, N), 3, 0.17, pattern="regular")
    a = reconstruct_scan("cg_sense", k, mask, maps=maps)
    b = reconstruct_scan("cg_sense", 1000 * k, mask, maps=maps)
    assert np.allclose(1000 * a, b, rtol=1e-3, atol=1e-3 * np.abs(b).max())
    one = virtual_coil(k)
    assert one.shape == (N, N)
    assert reconstruct_scan("zero_filled", one, mask).shape == (N, N)
    with pytest.raises(ValueError, match="single-coil method"):
        reconstruct_scan("tv_cs", k, mask)
    ref = rss(ifft2c(k))
    support = object_support(ref)
    inside = score(ref, ref + 0.5 * ref.max() * ~support, support)          # changes outside do not count
    assert inside["psnr"] == np.inf or inside["rmse"] == 0


def test_score_and_tune(scan):
    _, maps, _, k = scan
    ref = rss(ifft2c(k))
    support = object_support(ref)
    masks = np.array([cartesian_mask((N, N), 3, 0.17, pattern="regular", offset=o) for o in range(2)])
    scores, images = score_methods(k, masks, {"zf": ("zero_filled_rss", {}), "cg": ("cg_sense", dict(maps=maps))},
                                   {"rss": ref, "same": ref}, support)
    assert set(scores["cg"]) == {"psnr", "ssim", "rmse", "psnr_rss", "ssim_rss", "rmse_rss", "psnr_same",
                                 "ssim_same", "rmse_same"}
    assert scores["cg"]["psnr"].shape == (2,) and np.array_equal(scores["cg"]["psnr"], scores["cg"]["psnr_same"])
    assert scores["cg"]["psnr"].mean() > scores["zf"]["psnr"].mean()
    assert images["cg"].shape == (N, N)
    best, curve = tune_on_scan(k, masks, "cg_sense", dict(n_iter=[1, 10]), ref, support, maps=maps)
    assert best["psnr"] == {"n_iter": 10} and len(curve) == 2 and set(curve[0][1]) == {"psnr", "ssim", "rmse"}
    assert best["rmse"] == {"n_iter": 10}
    with pytest.raises(ValueError, match="non-empty"):
        tune_on_scan(k, masks, "cg_sense", dict(n_iter=[]), ref, support)


def test_table_renders_html_and_checks_rows():
    html = table([["a", 1.23456, 0.5], ["b", 2.0, float("nan")]], ["method", "PSNR", "SSIM"],
                 formats={"SSIM": ".3f"}, bold={"PSNR": "max"}, caption="x < y").data
    assert "<b>2.00</b>" in html and "1.23" in html and "0.500" in html and "x &lt; y" in html
    assert html.count("<tr>") == 3
    with pytest.raises(ValueError, match="every row must have 3 values"):
        table([["a", 1.0]], ["method", "PSNR", "SSIM"])
