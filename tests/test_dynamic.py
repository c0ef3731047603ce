"""Part XI's dynamic reconstruction: the k-t operators, L + S, temporal TV, view sharing and the registry."""

from __future__ import annotations

import numpy as np
import pytest
import pywt
from skimage.restoration import denoise_tv_chambolle

import mrilab
from mrilab.data.cine import generate_cine
from mrilab.dynamic import (KTOperator, RadialKTOperator, l_plus_s, sliding_window, soft_threshold, svt,
                            temporal_fft, temporal_ifft, temporal_tv, time_average, time_averaged_maps,
                            time_difference, time_difference_adjoint)
from mrilab.dynamic.operator import fft2c as fast_fft2c, ifft2c as fast_ifft2c
from mrilab.dynamic.tuned import tuned
from mrilab.fourier import fft2c, ifft2c
from mrilab.metrics import movie_psnr, movie_ssim, psnr
from mrilab.noncartesian import density_compensation, golden_angle_frames
from mrilab.registry import methods, reconstruct
from mrilab.sampling import kt_mask

RNG = np.random.default_rng(0)


def crandn(*shape):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)


@pytest.fixture(scope="module")
def movie():
    return generate_cine(0, 1, preset="cine_multicoil", n_frames=12, size=64, oversampling=2, seed=3)["test"]


@pytest.mark.parametrize("shape", [(3, 16, 16), (2, 16, 18), (2, 15, 16), (2, 14, 14)])
def test_fast_fft_matches_the_books(shape):
    x = crandn(*shape)
    np.testing.assert_allclose(fast_fft2c(x), fft2c(x), atol=1e-5)
    np.testing.assert_allclose(fast_ifft2c(x), ifft2c(x), atol=1e-5)


def test_cartesian_operator_is_adjoint_and_normal(movie):
    masks = kt_mask((12, 64, 64), 4, rng=1)
    op = KTOperator(masks, movie.maps[0])
    x, y = crandn(12, 64, 64), crandn(12, 8, 64, 64)
    assert np.vdot(op.forward(x), y) == pytest.approx(np.vdot(x, op.adjoint(y)), rel=1e-4)
    np.testing.assert_allclose(op.normal(x), op.adjoint(op.forward(x)), atol=1e-4)
    assert op.norm() == pytest.approx(1.0, abs=0.03)          # maps of unit root-sum-of-squares
    single = KTOperator(masks)
    np.testing.assert_allclose(single.normal(x), single.adjoint(single.forward(x)), atol=1e-4)


def test_radial_operator_toeplitz_normal_is_the_nufft_one(movie):
    traj = golden_angle_frames(12, 5, 128).reshape(12, -1, 2)
    w = np.stack([density_compensation(t, (64, 64), "pipe") for t in traj])
    op = RadialKTOperator(traj, (64, 64), movie.maps[0], w)
    x, y = crandn(12, 64, 64), crandn(12, 8, traj.shape[1])
    assert np.vdot(op.forward(x), y) == pytest.approx(np.vdot(x, op.adjoint(y)), rel=1e-4)
    a, b = op.adjoint(op.forward(x)), op.normal(x)
    assert np.linalg.norm(a - b) / np.linalg.norm(a) < 1e-4
    with pytest.raises(ValueError, match="weights"):
        RadialKTOperator(traj, (64, 64), None, w[:, :5])


def test_thresholds_agree_with_libraries():
    z = crandn(50)
    np.testing.assert_allclose(soft_threshold(z, 0.7), pywt.threshold(z, 0.7, mode="soft"), atol=1e-6)
    m = crandn(30, 6)
    u, s, vh = np.linalg.svd(m, full_matrices=False)
    out = svt(m, s[2])
    assert np.linalg.matrix_rank(out) == 2
    np.testing.assert_allclose(np.linalg.svd(out, compute_uv=False)[:2], s[:2] - s[2], rtol=1e-4)
    np.testing.assert_allclose(svt(m, 0.0), m, atol=1e-5)
    f = crandn(8, 3, 3)
    np.testing.assert_allclose(temporal_ifft(temporal_fft(f)), f, atol=1e-6)
    x, p = crandn(7, 2, 2), crandn(7, 2, 2)
    for cyclic in (True, False):
        assert np.vdot(time_difference(x, cyclic), p) == pytest.approx(np.vdot(x, time_difference_adjoint(p, cyclic)))


def test_temporal_and_spatial_tv_are_scikit_images_tv_when_fully_sampled():
    # identity measurement (one coil, every sample): TV reconstruction is TV denoising, which scikit-image
    # solves by Chambolle's algorithm; its weight is our lam on data whose zero-filled maximum is 1
    t = np.linspace(0, 1, 16)
    signal = (np.where(t > 0.5, 1.0, 0.2)[:, None, None] + 0.1 * RNG.standard_normal((16, 1, 3)))
    signal /= np.abs(signal).max()
    op = KTOperator(np.ones((16, 1, 3), dtype=bool))
    ours = temporal_tv(op, fft2c(signal.astype(np.complex64)), lam_t=0.05, n_iter=3000, cyclic=False).real
    for j in range(3):
        ref = denoise_tv_chambolle(signal[:, 0, j], weight=0.05, eps=1e-8, max_num_iter=20000)
        np.testing.assert_allclose(ours[:, 0, j], ref, atol=2e-3)
    image = mrilab.shepp_logan(32)[None] + 0.05 * RNG.standard_normal((2, 32, 32))
    image /= np.abs(image).max()
    op = KTOperator(np.ones((2, 32, 32), dtype=bool))
    ours = temporal_tv(op, fft2c(image.astype(np.complex64)), lam_t=0.0, lam_s=0.04, n_iter=3000).real
    ref = denoise_tv_chambolle(image, weight=0.04, channel_axis=0, eps=1e-8, max_num_iter=20000)
    np.testing.assert_allclose(ours, ref, atol=3e-3)
    dual = temporal_tv(op, fft2c(image.astype(np.complex64)), lam_t=0.0, lam_s=0.04, n_iter=3000, tau=8.0).real
    np.testing.assert_allclose(dual, ref, atol=3e-3)            # the all-dual solver of frame_tv, the same answer
    with pytest.raises(ValueError, match="both 0"):
        temporal_tv(op, fft2c(image.astype(np.complex64)), lam_t=0.0, lam_s=0.0)
    with pytest.raises(ValueError, match="tau"):
        temporal_tv(op, fft2c(image.astype(np.complex64)), lam_t=0.01, tau=-1.0)


def test_l_plus_s_separates_the_background_and_beats_zero_filling(movie):
    k, m, ref = movie.kspace_undersampled[0], movie.masks[0], movie.phantoms[0]
    op = KTOperator(m, movie.maps[0])
    low, sparse = l_plus_s(op, k, lam_l=0.03, lam_s=0.01)
    zero = np.abs(op.adjoint(k))
    assert movie_psnr(ref, np.abs(low + sparse)) > movie_psnr(ref, zero) + 8
    # the static surroundings are in L; what S holds is where the heart moves
    heart = (movie.labels[0] >= 2).any(axis=0)
    s_energy = (np.abs(sparse) ** 2).sum(axis=0)
    assert s_energy[heart].mean() > 3 * s_energy[~heart].mean()
    # full sampling, no thresholds: the data themselves
    full = KTOperator(np.ones_like(m), movie.maps[0])
    y = full.forward(movie.images[0])
    low, sparse = l_plus_s(full, y, lam_l=0.0, lam_s=0.0, n_iter=3)
    np.testing.assert_allclose(low + sparse, full.adjoint(y), atol=1e-4)
    with pytest.raises(ValueError, match="below 1"):
        l_plus_s(op, k, lam_l=1.0)


def test_sliding_window_takes_the_nearest_frame():
    masks = kt_mask((6, 4, 12), 3, pattern="shifted")
    k = np.zeros((6, 4, 12), dtype=np.complex64)
    for t in range(6):
        k[t][masks[t]] = t + 1
    shared, covered = sliding_window(k, masks, 1)
    assert covered.all()                                  # R = 3 frames cover every column
    # frame 0's neighbours are 5 (earlier, cyclic) and 1: each fills the columns it measured
    assert set(np.unique(shared[0].real)) == {1, 2, 6}
    not_cyclic, cov = sliding_window(k, masks, 1, cyclic=False)
    assert not cov[0].all() and set(np.unique(not_cyclic[0].real)) == {0, 1, 2}
    same, _ = sliding_window(k, masks, 0)
    np.testing.assert_array_equal(same, k)


def test_time_averaged_maps_are_the_true_ones(movie):
    k, m = movie.kspace_undersampled[0], movie.masks[0]
    avg, union = time_average(k, m)
    assert union[:, 26:38].all()                          # the frames together cover the centre
    np.testing.assert_allclose(avg[:, :, 32], np.mean(k[:, :, :, 32], axis=0) * len(m) / m[:, 0, 32].sum(),
                               rtol=1e-4)
    maps = time_averaged_maps(k, m)
    obj = np.abs(movie.images[0]).mean(axis=0) > 0.1
    corr = np.abs(np.sum(maps.conj() * movie.maps[0], axis=0))[obj]   # 1 where the maps agree up to a phase
    assert np.median(corr) > 0.95


def test_registry_runs_every_dynamic_method(movie):
    k, m = movie.kspace_undersampled, movie.masks
    found = methods(dynamic=True)
    assert {"kt_zero_filled", "sliding_window", "frame_tv", "temporal_tv", "l_plus_s"} <= set(found)
    assert not set(found) & set(methods(multicoil=True))        # not in the 2-D lists
    scores = {}
    for name in found:
        if "weights" in found[name].defaults:             # the network (trained at 128 x 128): tests/test_unrolled_dynamic.py
            continue
        out = reconstruct(name, k, m, maps=movie.maps)
        assert out.shape == (1, 12, 64, 64) and out.dtype == np.float32
        scores[name] = movie_psnr(movie.phantoms, out)[0]
    assert scores["temporal_tv"] > scores["kt_zero_filled"] + 5 and scores["l_plus_s"] > scores["kt_zero_filled"] + 5
    est = reconstruct("temporal_tv", k, m)                         # maps from the time-averaged k-space
    assert movie_psnr(movie.phantoms, est)[0] > scores["kt_zero_filled"] + 5
    single = generate_cine(0, 1, preset="cine", n_frames=12, size=64, oversampling=2, seed=3)["test"]
    assert reconstruct("l_plus_s", single.kspace_undersampled, single.masks).shape == (1, 12, 64, 64)
    assert movie_ssim(movie.phantoms, est)[0] > movie_ssim(movie.phantoms, reconstruct("kt_zero_filled", k, m))[0]


def test_registry_radial_movies():
    r = generate_cine(0, 1, preset="cine_radial", n_frames=8, size=64, oversampling=2, spokes_per_frame=13,
                      n_samples=128, seed=2)["test"]
    grid = reconstruct("kt_gridding", r.kdata, r.trajectory, shape=(64, 64))
    grasp = reconstruct("grasp", r.kdata, r.trajectory, shape=(64, 64))
    assert grasp.shape == (1, 8, 64, 64)
    assert movie_psnr(r.phantoms, grasp)[0] > movie_psnr(r.phantoms, grid)[0] + 5
    assert "grasp" in methods(dynamic=True, noncartesian=True) and "grasp" not in methods(noncartesian=True)
    with pytest.raises(ValueError, match="spokes per frame"):
        reconstruct("grasp", r.kdata, r.trajectory.reshape(8, -1, 2), shape=(64, 64))


def test_registry_errors_name_the_fix(movie):
    k, m = movie.kspace_undersampled, movie.masks
    with pytest.raises(ValueError, match="time axis"):
        reconstruct("l_plus_s", k[0, 0], m[0, 0])
    with pytest.raises(ValueError, match="masks must be bool k-t masks"):
        reconstruct("temporal_tv", k, m[:, :3])
    with pytest.raises(ValueError, match="maps= does not apply"):
        reconstruct("temporal_tv", k[:, :, 0], m, maps=movie.maps)
    with pytest.raises(ValueError, match="masks .* have no time axis"):   # coil k-space of single frames, (N, C, H, W)
        reconstruct("temporal_tv", k[:, 0], m[:, 0], maps=movie.maps)
    with pytest.raises(ValueError, match="takes no parameter"):
        reconstruct("l_plus_s", k, m, lam_t=1)
    with pytest.raises(ValueError, match="maps must have shape"):
        reconstruct("l_plus_s", k, m, maps=movie.maps[:, :3])


def test_tuned_tables_interpolate_in_the_log():
    table = {4.0: {"lam": 0.01, "width": 2}, 16.0: {"lam": 0.04, "width": 6}}
    assert tuned(table, 8)["lam"] == pytest.approx(0.02) and tuned(table, 2) == table[4.0]
    assert tuned(table, 5)["width"] == 2 and tuned(table, 12)["width"] == 6
    with pytest.raises(ValueError):
        tuned(table, 0)


def test_movie_metrics():
    ref = RNG.random((2, 5, 16, 16))
    noisy = ref + 0.01 * RNG.standard_normal(ref.shape)
    flat = [psnr(r.reshape(-1, 16), n.reshape(-1, 16)) for r, n in zip(ref, noisy)]  # the same range per movie
    np.testing.assert_allclose(movie_psnr(ref, noisy), flat, atol=0.05)
    region = np.zeros((16, 16), dtype=bool)            # one region for every frame of every movie
    region[4:8, 4:8] = True
    worse = noisy.copy()
    worse[:, :, 4:8, 4:8] += 0.1
    assert (movie_psnr(ref, worse, region=region) < movie_psnr(ref, worse) - 5).all()
    assert movie_ssim(ref[0], ref[0]) == pytest.approx(1.0)
    per_movie = np.stack([region, np.ones_like(region)])  # (N, H, W)
    assert movie_psnr(ref, worse, region=per_movie)[1] == pytest.approx(movie_psnr(ref, worse)[1])
    with pytest.raises(ValueError, match="empty"):
        movie_psnr(ref, noisy, region=np.zeros(ref.shape, dtype=bool))
    with pytest.raises(ValueError, match="region must be"):
        movie_psnr(ref, noisy, region=np.zeros((3, 16, 16), dtype=bool))


def test_casorati_svt_is_the_svd_one():
    from mrilab.dynamic.lowrank import _casorati_svt

    x = crandn(9, 6, 5)
    c = x.reshape(9, -1).T
    top = np.linalg.svd(c, compute_uv=False)[0]
    expected = svt(c, 0.3 * top).T.reshape(x.shape)
    np.testing.assert_allclose(_casorati_svt(x, 0.3), expected, atol=1e-4)


def test_heart_box():
    from mrilab.data.cine import LABELS, heart_box

    labels = np.zeros((3, 20, 20), dtype=np.uint8)
    labels[1, 8:10, 5:7] = LABELS["myocardium"]
    box = heart_box(labels, margin=2)
    assert box.shape == (20, 20) and box.sum() == 6 * 6 and box[6:12, 3:9].all()
    with pytest.raises(ValueError, match="no heart"):
        heart_box(np.zeros((2, 4, 4), dtype=np.uint8))


def test_without_weights_both_solvers_reach_the_least_squares_solution():
    # a tiny undersampled problem written out as a matrix: with no (or a negligible) prior, L + S and the
    # primal-dual TV iteration are gradient descent from E^H d and reach the minimum-norm least-squares movie
    rng = np.random.default_rng(4)
    masks = kt_mask((4, 6, 8), 2, pattern="shifted")
    maps = crandn(2, 6, 8)
    maps /= np.sqrt((np.abs(maps) ** 2).sum(axis=0))
    op = KTOperator(masks, maps)
    cols = np.eye(4 * 6 * 8, dtype=np.complex64).reshape(-1, 4, 6, 8)
    matrix = np.stack([op.forward(c).ravel() for c in cols], axis=1)
    truth = crandn(4, 6, 8)
    y = op.forward(truth) + 0.01 * op.forward(crandn(4, 6, 8))
    best = np.linalg.lstsq(matrix, y.ravel(), rcond=None)[0].reshape(4, 6, 8)
    low, sparse = l_plus_s(op, y, lam_l=0.0, lam_s=0.0, n_iter=3000, tol=0.0)
    np.testing.assert_allclose(low + sparse, best, atol=2e-3 * np.abs(best).max())
    tv = temporal_tv(op, y, lam_t=1e-9, n_iter=6000)
    np.testing.assert_allclose(tv, best, atol=2e-3 * np.abs(best).max())
