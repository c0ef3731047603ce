"""Chapter 19's calibration: noise covariance and prewhitening, ESPIRiT (against SigPy), coil compression."""

from __future__ import annotations

import numpy as np
import pytest

import mrilab
from mrilab.fourier import fft2c
from mrilab.multicoil import (ring_maps, calibration_matrix, coil_noise, compress_coils, compression_matrix,
                              espirit_maps, estimate_maps, estimate_noise_covariance, map_error, noise_covariance,
                              prewhiten, prewhitening_matrix)
from mrilab.phantom import shepp_logan


@pytest.fixture(scope="module")
def coils():
    image = shepp_logan(96).astype(np.complex64)
    maps = ring_maps(96, 8, rotation=0.3)
    return image, maps, fft2c(maps * image).astype(np.complex64)


def test_noise_covariance_and_whitening():
    psi = noise_covariance(8, 0.01, 0.5)
    noise = coil_noise(0, (8, 64, 256), psi).reshape(8, -1)
    est = estimate_noise_covariance(noise)
    assert np.abs(est - psi).max() < 0.05 * psi.max()
    w = prewhitening_matrix(est)
    white = w @ est @ w.conj().T
    assert np.allclose(white, np.trace(est).real / 8 * np.eye(8), atol=1e-12)  # white, same mean variance
    assert np.allclose(prewhitening_matrix(est, keep_scale=False) @ est @ prewhitening_matrix(
        est, keep_scale=False).conj().T, np.eye(8), atol=1e-10)
    out = prewhiten(noise, est, axis=-2)
    assert np.abs(estimate_noise_covariance(out) - np.trace(est).real / 8 * np.eye(8)).max() < 1e-6
    with pytest.raises(ValueError, match="more samples"):
        estimate_noise_covariance(noise[:, :10])
    with pytest.raises(ValueError, match="coils"):
        prewhiten(np.zeros((4, 8, 8), complex), est)


def test_whitening_gains_what_roemer_predicts_when_fully_sampled(coils):
    """Fully sampled, SENSE with Psi (whitened) has less noise than without, by Roemer's factor."""
    from mrilab.multicoil import sense

    image, maps, full = coils
    psi = noise_covariance(8, 0.01, 0.5)
    mask = np.ones((96, 96), bool)
    obj = np.abs(image) > 0.05
    rng = np.random.default_rng(0)
    plain, white = [], []
    for _ in range(40):
        n = coil_noise(rng, (8, 96, 96), psi)
        plain.append(sense(n, mask, maps))
        white.append(sense(n, mask, maps, covariance=psi))
    gain = (np.std(plain, axis=0) / np.std(white, axis=0))[obj]
    s = maps.reshape(8, -1)
    opt = np.einsum("cp,cd,dp->p", s.conj(), np.linalg.inv(psi), s).real
    naive = np.einsum("cp,cp->p", s.conj(), s).real / np.sqrt(np.einsum("cp,cd,dp->p", s.conj(), psi, s).real)
    predicted = (np.sqrt(opt) / naive).reshape(96, 96)[obj]
    assert predicted.mean() > 1.05
    assert abs(np.median(gain) / np.median(predicted) - 1) < 0.05


def test_calibration_matrix_rows_are_windows():
    calib = np.arange(2 * 5 * 4).reshape(2, 5, 4).astype(complex)
    a = calibration_matrix(calib, 3)
    assert a.shape == (3 * 2, 2 * 9)
    assert np.array_equal(a[0], np.concatenate([calib[0, :3, :3].ravel(), calib[1, :3, :3].ravel()]))
    with pytest.raises(ValueError, match="kernel"):
        calibration_matrix(calib, 6)


def test_espirit_matches_sigpy(coils):
    sigpy_mri = pytest.importorskip("sigpy.mri")
    image, maps, full = coils
    mask = mrilab.cartesian_mask((96, 96), 2, 0.3, pattern="regular")   # ACS of 29 columns
    y = (full + coil_noise(0, full.shape, noise_covariance(8, 0.002))) * mask
    ours = espirit_maps(y, mask, kernel=6, calib_rows=24, calib_cols=24)
    theirs = sigpy_mri.app.EspiritCalib(y, calib_width=24, show_pbar=False).run()
    support = np.abs(image) > 0.05
    assert map_error(ours, theirs, support) < 1e-4
    assert map_error(ours, maps, support) < 0.05


def test_espirit_beats_division_at_8_percent(coils):
    image, maps, full = coils
    mask = mrilab.cartesian_mask((96, 96), 4, 0.08, pattern="regular")
    y = (full + coil_noise(1, full.shape, noise_covariance(8, 0.005))) * mask
    support = np.abs(image) > 0.05
    esp, eig = espirit_maps(y, mask, return_eigenvalues=True)
    assert esp.shape == maps.shape and eig.shape == (96, 96)
    assert map_error(esp, maps, support) < map_error(estimate_maps(y, mask), maps, support)
    # unit norm where kept, zero where cropped
    norm = np.sum(np.abs(esp) ** 2, axis=0)
    assert np.allclose(norm[eig >= 0.95], 1, atol=1e-4) and np.all(norm[eig < 0.95] == 0)
    stack = espirit_maps(np.stack([y, y]), mask)
    assert np.allclose(stack[1], esp)
    with pytest.raises(ValueError, match="calib_cols"):
        espirit_maps(y, mask, calib_cols=40)
    with pytest.raises(ValueError, match="threshold"):
        espirit_maps(y, mask, threshold=2)


def test_maps_by_name_in_the_registry(coils):
    image, maps, full = coils
    mask = mrilab.cartesian_mask((96, 96), 3, 0.1, pattern="regular")
    y = full * mask
    a = mrilab.reconstruct("cg_sense", y, mask, maps="espirit")
    b = mrilab.reconstruct("cg_sense", y, mask, maps=espirit_maps(y, mask))
    assert np.allclose(a, b)
    with pytest.raises(ValueError, match="espirit"):
        mrilab.reconstruct("cg_sense", y, mask, maps="walsh")


def test_coil_compression(coils):
    image, maps, full = coils
    u, s = compression_matrix(full, 4)
    assert u.shape == (4, 8) and np.allclose(u @ u.conj().T, np.eye(4), atol=1e-5)
    assert np.all(np.diff(s) <= 0)
    k8, m8 = compress_coils(full, 8, maps=maps)
    # all virtual coils: a unitary change of basis, images unchanged
    assert np.allclose(np.sum(np.abs(k8) ** 2, axis=0), np.sum(np.abs(full) ** 2, axis=0), rtol=1e-3)
    k4, m4 = compress_coils(full, 4, maps=maps)
    assert k4.shape == (4, 96, 96) and m4.shape == (4, 96, 96)
    # the forward model holds for the compressed data with compressed maps
    assert np.allclose(k4, fft2c(m4 * image), atol=1e-3 * np.abs(k4).max())
    kept = (s[:4] ** 2).sum() / (s ** 2).sum()
    assert np.isclose(np.linalg.norm(k4) ** 2 / np.linalg.norm(full) ** 2, kept, rtol=1e-3)
    with pytest.raises(ValueError, match="n_virtual"):
        compress_coils(full, 9)


def test_espirit_calibration_region_and_whitening(coils):
    """The default region is the central 24 readout rows: with a wide ACS, all rows (mostly noise) keep the maps
    over more of the background; calibrating on whitened data gives maps of the recorded coils."""
    image, maps, full = coils
    support = np.abs(image) > 0.05
    mask = mrilab.cartesian_mask((96, 96), 2, 0.3, pattern="regular")
    psi = noise_covariance(8, 0.01, 0.5)
    y = (full + coil_noise(2, full.shape, psi)) * mask
    default, every_row = espirit_maps(y, mask), espirit_maps(y, mask, calib_rows=None)
    assert np.allclose(default, espirit_maps(y, mask, calib_rows=24))
    kept = [np.mean(np.abs(s).sum(axis=0) > 0) for s in (default, every_row)]
    assert kept[1] > kept[0] + 0.05
    white = espirit_maps(y, mask, covariance=psi)
    assert map_error(white, maps, support) < 0.05 and map_error(default, maps, support) < 0.05
    norm = np.sum(np.abs(white) ** 2, axis=0)
    assert np.allclose(norm[norm > 0], 1, atol=1e-4)
    # white noise of any level: whitening is a scaling, and the maps do not change
    assert np.allclose(espirit_maps(y, mask, covariance=0.3 * np.eye(8)), default, atol=1e-5)
    with pytest.raises(ValueError, match="covariance"):
        espirit_maps(y, mask, covariance=np.eye(4))
    with pytest.raises(ValueError, match="calib_rows"):
        espirit_maps(y, mask, calib_rows=0)


def test_espirit_kernel_images_are_the_padded_inverse_fft():
    from mrilab.fourier import ifft2c
    from mrilab.multicoil.espirit import _kernel_images

    rng = np.random.default_rng(0)
    for h, w, k in ((16, 16, 6), (15, 16, 5), (14, 19, 6)):
        kernels = rng.standard_normal((3, 2, k, k)) + 1j * rng.standard_normal((3, 2, k, k))
        padded = np.zeros((3, 2, h, w), complex)
        padded[..., h // 2 - k // 2:h // 2 - k // 2 + k, w // 2 - k // 2:w // 2 - k // 2 + k] = kernels
        np.testing.assert_allclose(_kernel_images(kernels, (h, w)), ifft2c(padded), atol=1e-12)
