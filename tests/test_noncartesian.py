"""Part VI: trajectories, the NUFFT, the teaching gridder, density compensation, the Toeplitz normal
operator, the radial data and the non-Cartesian reconstructions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator, cg

import mrilab
from mrilab.data import generate, load_dataset, make_dataset
from mrilab.data.realistic import crop_kspace
from mrilab.fourier import fft2c, ifft2c
from mrilab.noncartesian import (GOLDEN_ANGLE, KaiserBesselGridder, ToeplitzNormal, cg_nufft,
                                 density_compensation, gridding, largest_angular_gap, maps_from_center, ndft,
                                 ndft_matrix, nufft, nufft_adjoint, point_spread_function, radial_nyquist_spokes,
                                 radial_trajectory, sample_finer_grid, spiral_trajectory, spoke_angles, tv_nufft)
from mrilab.registry import methods, reconstruct

RNG = np.random.default_rng(0)


def crandn(*shape, rng=RNG):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def cartesian(h, w):
    u = np.stack(np.meshgrid((np.arange(h) - h // 2) / h, (np.arange(w) - w // 2) / w, indexing="ij"), -1)
    return u.reshape(-1, 2)


def rel(a, b):
    return float(np.linalg.norm(np.ravel(a - b)) / np.linalg.norm(np.ravel(b)))


# trajectories

def test_radial_layout_range_and_angles():
    t = radial_trajectory(10, 64, golden=False)
    assert t.shape == (10, 64, 2)
    assert t.min() >= -0.5 and t.max() < 0.5
    assert np.allclose(t[:, 32], 0)                         # an even spoke length samples the centre
    assert np.allclose(t[0, :, 0], 0) and np.allclose(t[0, 33, 1], 1 / 64)  # spoke 0 runs along kx
    assert largest_angular_gap(spoke_angles(10, golden=False)) == pytest.approx(np.pi / 10)
    assert np.degrees(GOLDEN_ANGLE) == pytest.approx(111.246, abs=1e-3)
    assert radial_nyquist_spokes(128) == 202                     # pi / 2 * 128 = 201.06, rounded up


def test_golden_angle_covers_any_window_nearly_evenly():
    # any window of n consecutive golden-angle spokes leaves no gap larger than twice the uniform pi / n
    # (measured for n up to 300: at most 1.89 times); for a Fibonacci number of spokes the gaps take two
    # values in the ratio phi and the largest is 1.17 times the uniform one
    for first in (0, 17, 101):
        for n in range(5, 300, 7):
            assert largest_angular_gap(spoke_angles(n, first=first)) < 2 * np.pi / n
        for n in (13, 21, 34, 55, 89):
            assert largest_angular_gap(spoke_angles(n, first=first)) < 1.18 * np.pi / n
    # the first 32 of 64 uniform spokes leave half of k-space empty
    assert largest_angular_gap(spoke_angles(64, golden=False)[:32]) > np.pi / 2


def test_spiral_design_and_nyquist_statement():
    t = spiral_trajectory(16, 2000, n_turns=8, alpha=1.0)
    assert t.shape == (16, 2000, 2) and t.min() >= -0.5 and t.max() < 0.5
    r = np.hypot(t[..., 0], t[..., 1])
    assert r.max() == pytest.approx(0.5, abs=1e-3) and r[:, 0].max() == 0
    # interleave j is interleave 0 rotated by 2 pi j / 16
    a = np.angle(t[1, 500, 1] + 1j * t[1, 500, 0]) - np.angle(t[0, 500, 1] + 1j * t[0, 500, 0])
    assert np.mod(a, 2 * np.pi) == pytest.approx(2 * np.pi / 16)
    # samples equally spaced along equally spaced turns: uniform density, so the disc of half the radius
    # holds a quarter of them; variable density (alpha = 2) puts more there
    inner = lambda tr: np.mean(np.hypot(tr[..., 0], tr[..., 1]) < 0.25)
    assert inner(t) == pytest.approx(0.25, abs=0.01)
    assert inner(spiral_trajectory(16, 2000, n_turns=8, alpha=2.0)) > 0.33
    with pytest.raises(ValueError, match="alpha"):
        spiral_trajectory(4, 100, n_turns=8, alpha=0)
    with pytest.raises(ValueError, match="n_turns"):
        spiral_trajectory(4, 100, n_turns=-1)


# the NUFFT

@pytest.mark.parametrize("eps", [1e-4, 1e-6, 1e-9])
def test_nufft_matches_the_exact_dft(eps):
    """FINUFFT's error is a target, not a bound: measured within twice the requested eps."""
    x = crandn(24, 20)
    t = np.concatenate([radial_trajectory(12, 40).reshape(-1, 2), RNG.uniform(-0.5, 0.5, (300, 2))])
    assert rel(nufft(x, t, eps=eps), ndft(x, t)) <= 2 * eps
    y = crandn(len(t))
    exact = (ndft_matrix(t, x.shape).conj().T @ y).reshape(x.shape)
    assert rel(nufft_adjoint(y, t, x.shape, eps=eps), exact) <= 2 * eps


@pytest.mark.parametrize("shape", [(32, 32), (31, 24)])
def test_nufft_on_grid_points_is_fft2c(shape):
    x = crandn(*shape)
    k = nufft(x, cartesian(*shape)).reshape(shape)
    assert np.abs(k - fft2c(x)).max() <= 1e-5 * np.abs(fft2c(x)).max()
    back = nufft_adjoint(fft2c(x).ravel(), cartesian(*shape), shape)
    assert np.abs(back - x).max() <= 1e-5 * np.abs(x).max()      # on the full grid the adjoint is the inverse


def test_nufft_adjoint_and_stacks():
    t = radial_trajectory(16, 64)
    x, y = crandn(2, 3, 32, 32), crandn(2, 3, 16 * 64)
    a = nufft(x, t)
    assert a.shape == (2, 3, 1024)
    assert abs(np.vdot(a, y) - np.vdot(x, nufft_adjoint(y, t, (32, 32)))) <= 1e-5 * abs(np.vdot(a, y))
    assert np.allclose(a[1, 2], nufft(x[1, 2], t))


def test_nufft_agrees_with_sigpy():
    """SigPy's independent NUFFT (Kaiser-Bessel, oversampling 1.25, width 4) on pixel coordinates."""
    sigpy = pytest.importorskip("sigpy")
    x = crandn(32, 32)
    t = radial_trajectory(20, 64).reshape(-1, 2)
    ours = nufft(x, t)
    theirs = sigpy.nufft(x, t * 32)
    assert rel(theirs, ours) < 1e-2


def test_nufft_errors_name_the_fix():
    x = crandn(16, 16)
    with pytest.raises(ValueError, match=r"\[-0.5, 0.5\)"):
        nufft(x, radial_trajectory(4, 16) * 2)
    with pytest.raises(ValueError, match=r"\(\.\.\., M, 2\)"):
        nufft(x, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="M = 64"):
        nufft_adjoint(crandn(63), radial_trajectory(4, 16), (16, 16))
    with pytest.raises(ValueError, match="2-D image shape"):
        nufft_adjoint(crandn(64), radial_trajectory(4, 16), (16, 16, 2))


def test_sample_finer_grid_equals_the_cropped_spectrum():
    fine = crandn(128, 128)
    k = sample_finer_grid(fine, cartesian(32, 32), 32).reshape(32, 32)
    ref = crop_kspace(fft2c(fine), 32)
    assert np.abs(k - ref).max() <= 1e-5 * np.abs(ref).max()
    with pytest.raises(ValueError, match="multiple of size"):
        sample_finer_grid(crandn(100, 100), cartesian(32, 32), 32)


# the teaching gridder

def test_gridder_error_falls_with_width_and_oversampling():
    x = crandn(32, 32)
    t = radial_trajectory(24, 64)
    exact = ndft(x, t)
    err = {(os_, w): rel(KaiserBesselGridder(t, x.shape, oversampling=os_, width=w).forward(x), exact)
           for os_ in (1.25, 2.0) for w in (2, 4, 6)}
    for os_ in (1.25, 2.0):
        assert err[os_, 2] > err[os_, 4] > err[os_, 6]
    for w in (2, 4, 6):
        assert err[1.25, w] > err[2.0, w]
    assert err[2.0, 6] < 1e-4 and err[2.0, 4] < 2e-3


def test_gridder_adjoint_is_exact():
    t = spiral_trajectory(4, 300, n_turns=6)
    g = KaiserBesselGridder(t, (24, 28), oversampling=1.5, width=4)
    x, y = crandn(24, 28), crandn(1200)
    assert abs(np.vdot(g.forward(x), y) - np.vdot(x, g.adjoint(y))) <= 1e-10 * np.linalg.norm(y) * np.linalg.norm(x)
    with pytest.raises(ValueError, match="too narrow"):
        KaiserBesselGridder(t, (24, 28), oversampling=1.0, width=1)


# density compensation

def test_density_weights_agree_and_cover_the_disc():
    t = radial_trajectory(202, 128, golden=False)   # Nyquist for 64 x 64 (ceil(pi / 2 * 64) = 101), twice over
    shape = (64, 64)
    ramp = density_compensation(t, shape, "ramp")
    vor = density_compensation(t, shape, "voronoi")
    pipe = density_compensation(t, shape, "pipe")
    assert ramp.sum() / (64 * 64) == pytest.approx(np.pi / 4, rel=1e-3)   # the disc of radius 1/2, in cells
    r = np.hypot(t[..., 0], t[..., 1]).ravel()
    inner = (r > 0.05) & (r < 0.45)
    for w in (vor, pipe):
        assert np.median(np.abs(w[inner] / ramp[inner] - 1)) < 0.05
    # PSF: the weights' centre value is the area covered; without weights the centre is overweighted
    psf = point_spread_function(t, shape, ramp)
    assert abs(psf[32, 32]) == pytest.approx(np.pi / 4, rel=1e-3)
    assert abs(point_spread_function(t, shape)[32, 32]) == pytest.approx(t.size / 2 / (64 * 64))  # M / (H W)


def test_density_on_a_cartesian_grid_is_one():
    shape = (32, 32)
    t = cartesian(*shape)
    interior = np.all(np.abs(t) < 0.4, axis=1)
    assert np.allclose(density_compensation(t, shape, "voronoi")[interior], 1, atol=1e-6)
    # Pipe-Menon's weights are even, but its scale, exact for dense samples, is 9 % low at the Cartesian
    # spacing, where the kernel's autocorrelation is sampled too coarsely for its sum to be its integral
    pipe = density_compensation(t, shape, "pipe")[interior]
    assert np.std(pipe) < 1e-3 * np.mean(pipe) and 0.88 < np.mean(pipe) < 0.95


def test_pipe_menon_agrees_with_sigpy():
    sigpy = pytest.importorskip("sigpy")
    import sigpy.mri

    t = radial_trajectory(101, 64, golden=False)
    ours = density_compensation(t, (64, 64), "pipe")
    theirs = np.abs(sigpy.mri.pipe_menon_dcf(t.reshape(-1, 2) * 64, img_shape=(64, 64), show_pbar=False))
    r = np.hypot(t[..., 0], t[..., 1]).ravel()
    inner = (r > 0.05) & (r < 0.45)
    # SigPy's scale is its own: compare the shapes of the two weightings
    ratio = theirs[inner] / ours[inner]
    assert np.std(ratio) / np.mean(ratio) < 0.1


def test_density_errors():
    with pytest.raises(ValueError, match="n_spokes, n_samples"):
        density_compensation(radial_trajectory(8, 32).reshape(-1, 2), (32, 32), "ramp")
    with pytest.raises(ValueError, match="method must be one of"):
        density_compensation(radial_trajectory(8, 32), (32, 32), "area")


# the Toeplitz normal operator

def test_toeplitz_equals_nufft_then_adjoint():
    shape = (40, 36)
    t = radial_trajectory(30, 80).reshape(-1, 2)
    w = density_compensation(t.reshape(30, 80, 2), shape, "ramp")
    maps = crandn(4, *shape)
    maps /= np.sqrt(np.sum(np.abs(maps) ** 2, axis=0))
    x = crandn(*shape)
    assert rel(ToeplitzNormal(t, shape)(x), nufft_adjoint(nufft(x, t), t, shape)) < 1e-4
    assert rel(ToeplitzNormal(t, shape, w)(x), nufft_adjoint(w * nufft(x, t), t, shape)) < 1e-4
    direct = np.sum(np.conj(maps) * nufft_adjoint(nufft(maps * x, t), t, shape), axis=0)
    assert rel(ToeplitzNormal(t, shape, maps=maps)(x), direct) < 1e-4
    with pytest.raises(ValueError, match="maps must have shape"):
        ToeplitzNormal(t, shape, maps=maps[:, :10])


# reconstruction

@pytest.fixture(scope="module")
def radial():
    return generate(2, 2, preset="radial", n_spokes=48, seed=5)


def test_radial_preset_has_no_inverse_crime_and_round_trips(radial, tmp_path):
    test = radial["test"]
    assert test.kdata.shape == (2, 48 * 256) and test.trajectory.shape == (48, 256, 2)
    assert test.masks is None and test.kspace_undersampled is None
    # without noise, the samples differ from the NUFFT of the reference (the inverse crime) by far more
    # than the NUFFT's accuracy, most at the edge of k-space: they come from the finer grid
    clean = generate(0, 1, preset="radial", n_spokes=48, seed=5, noise_std=0)["test"]
    t = clean.trajectory.reshape(-1, 2)
    r = np.hypot(t[:, 0], t[:, 1])
    crime = nufft(clean.images[0], t)
    outer, inner = r > 0.3, r < 0.1
    assert rel(clean.kdata[0][outer], crime[outer]) > 5e-3
    assert rel(clean.kdata[0][inner], crime[inner]) < 1e-3
    path = make_dataset(tmp_path / "radial.h5", 1, 1, preset="radial", n_spokes=8, n_samples=64, size=32)
    back = load_dataset(path, "test")
    again = generate(1, 1, preset="radial", n_spokes=8, n_samples=64, size=32)["test"]
    assert np.array_equal(back.kdata, again.kdata) and np.array_equal(back.trajectory, again.trajectory)
    with pytest.raises(ValueError, match="non-Cartesian presets"):
        generate(1, 1, preset="realistic", n_spokes=8)


def test_spiral_preset_samples_its_interleaves_and_round_trips(tmp_path):
    from mrilab.data import SPIRAL_DEFAULTS

    split = generate(0, 2, preset="spiral", seed=3)["test"]
    n = SPIRAL_DEFAULTS["n_interleaves"]
    assert split.trajectory.shape == (n, 1600, 2) and split.kdata.shape == (2, n * 1600)
    assert np.array_equal(split.trajectory, spiral_trajectory(n, 1600, n_turns=SPIRAL_DEFAULTS["n_turns"]))
    # the design samples the Nyquist spacing between turns, and finer along the curve
    assert SPIRAL_DEFAULTS["n_turns"] * n >= SPIRAL_DEFAULTS["alpha"] * 0.5 * 128
    assert np.linalg.norm(np.diff(split.trajectory[0], axis=0), axis=1).max() < 1 / 128
    # every other interleave is a spiral of half as many: the image degrades as interleaves are dropped
    t, y = split.trajectory, split.kdata.reshape(2, n, -1)
    psnr = [reconstruct("gridding", y[:, ::k].reshape(2, -1), t[::k].reshape(-1, 2), shape=(128, 128))
            for k in (1, 4)]
    assert np.all(mrilab.psnr(split.phantoms, psnr[0]) > mrilab.psnr(split.phantoms, psnr[1]) + 3)
    path = make_dataset(tmp_path / "spiral.h5", 1, 1, preset="spiral", size=32, n_interleaves=4, n_turns=4,
                        n_samples=300, alpha=1.5)
    back = load_dataset(path, "test")
    assert back.attrs["n_interleaves"] == 4 and back.attrs["alpha"] == 1.5 and back.trajectory.shape == (4, 300, 2)
    with pytest.raises(ValueError, match="pass n_interleaves"):
        generate(1, 1, preset="spiral", n_spokes=8)
    with pytest.raises(ValueError, match="belong to the spiral preset"):
        generate(1, 1, preset="radial", n_interleaves=8)
    with pytest.raises(ValueError, match="alpha must be positive"):
        generate(1, 1, preset="spiral", alpha=0)


def test_cg_on_a_full_grid_is_the_inverse_fft():
    x = crandn(16, 16)
    t = cartesian(16, 16)
    out = cg_nufft(nufft(x, t), t, (16, 16), n_iter=3)
    assert rel(out, x) < 1e-4


def test_cg_agrees_with_scipy():
    """Our conjugate gradients against scipy's on the same normal equations."""
    shape = (32, 32)
    t = radial_trajectory(24, 64).reshape(-1, 2)
    y = nufft(crandn(*shape), t) + 0.1 * crandn(len(t))
    ours = cg_nufft(y, t, shape, n_iter=15, tol=0)
    normal = ToeplitzNormal(t, shape)
    op = LinearOperator((32 * 32,) * 2, matvec=lambda v: normal(v.reshape(shape)).ravel(), dtype=complex)
    theirs, _ = cg(op, nufft_adjoint(y, t, shape).ravel(), maxiter=15, rtol=0)
    assert rel(ours.ravel(), theirs) < 1e-3


def test_density_weighting_converges_faster(radial):
    test = radial["test"]
    t = test.trajectory.reshape(-1, 2)
    ref = test.phantoms[0]
    plain = [mrilab.psnr(ref, np.abs(cg_nufft(test.kdata[0], t, (128, 128), n_iter=k))) for k in (2, 4)]
    weighted = [mrilab.psnr(ref, np.abs(cg_nufft(test.kdata[0], t, (128, 128), n_iter=k, density_weighted=True)))
                for k in (2, 4)]
    assert weighted[0] > plain[0] + 3 and weighted[1] > plain[1]


def test_tv_beats_gridding_and_cg(radial):
    test = radial["test"]
    t = test.trajectory[:24].reshape(-1, 2)
    y = test.kdata[0].reshape(48, 256)[:24].ravel()
    ref = test.phantoms[0]
    tv = mrilab.psnr(ref, np.abs(tv_nufft(y, t, (128, 128))))
    assert tv > mrilab.psnr(ref, np.abs(gridding(y, t, (128, 128)))) + 3
    assert tv > mrilab.psnr(ref, np.abs(cg_nufft(y, t, (128, 128)))) + 3


def test_multicoil_maps_from_the_centre_and_cg_sense():
    test = generate(0, 1, preset="radial_multicoil", n_spokes=48, seed=2)["test"]
    t = test.trajectory.reshape(-1, 2)
    maps = maps_from_center(test.kdata[0], t, (128, 128))
    assert maps.shape == (8, 128, 128)
    inside = test.phantoms[0] > 0.2
    assert np.allclose(np.sum(np.abs(maps) ** 2, axis=0)[inside], 1, atol=1e-4)
    ref = test.phantoms[0]
    with_maps = mrilab.psnr(ref, np.abs(cg_nufft(test.kdata[0], t, (128, 128), maps=maps)))
    rss = mrilab.psnr(ref, gridding(test.kdata[0], t, (128, 128)))
    assert with_maps > rss
    with pytest.raises(ValueError, match="no maps"):
        cg_nufft(test.kdata[0], t, (128, 128))


def test_registry_shapes_and_errors(radial):
    test = radial["test"]
    t = test.trajectory
    assert set(methods(noncartesian=True)) >= {"gridding", "cg_nufft", "tv_nufft"}
    assert "gridding" not in methods()                      # the Cartesian lists stay Cartesian
    stack = reconstruct("gridding", test.kdata, t, shape=(128, 128))
    assert stack.shape == (2, 128, 128) and stack.dtype == np.float32
    one = reconstruct("cg_nufft", test.kdata[1], t, shape=(128, 128), n_iter=3)
    assert np.allclose(one, reconstruct("cg_nufft", test.kdata, t, shape=(128, 128), n_iter=3)[1], atol=1e-5)
    with pytest.raises(ValueError, match="shape=\\(H, W\\)"):
        reconstruct("gridding", test.kdata, t)
    with pytest.raises(ValueError, match="no parameter"):
        reconstruct("gridding", test.kdata, t, shape=(128, 128), lam=1)
    with pytest.raises(ValueError, match="M = 12288"):
        reconstruct("gridding", test.kdata[:, :100], t, shape=(128, 128))
    with pytest.raises(ValueError, match="maps must have shape"):
        reconstruct("gridding", test.kdata[:, None], t, shape=(128, 128), maps=np.ones((2, 128, 128)))


def test_tuned_tables_are_complete():
    from mrilab.noncartesian import CG_NUFFT_DEFAULTS, TV_NUFFT_BY_SPOKES, TV_NUFFT_DEFAULTS

    assert set(TV_NUFFT_BY_SPOKES) == {96, 64, 32}
    for row in TV_NUFFT_BY_SPOKES.values():
        assert set(row) == {"lam", "n_iter"} and row["lam"] > 0 and row["n_iter"] >= 1
    assert {k: TV_NUFFT_DEFAULTS[k] for k in ("lam", "n_iter")} == TV_NUFFT_BY_SPOKES[32]
    assert methods(noncartesian=True)["cg_nufft"].defaults["n_iter"] == CG_NUFFT_DEFAULTS["n_iter"]


def test_nyquist_radius_counts_the_spokes_whatever_the_readout():
    from mrilab.noncartesian import nyquist_radius, radial_taper

    for spokes in (16, 32, 96):
        for samples in (128, 256):                      # with and without readout oversampling
            t = radial_trajectory(spokes, samples).reshape(-1, 2)
            assert abs(nyquist_radius(t, (128, 128)) / (spokes / (np.pi * 128)) - 1) < 0.03
    shifted = 0.95 * radial_trajectory(32, 256) + np.array([0.3 / 128, -0.2 / 128])   # a gradient-delay shift
    assert abs(nyquist_radius(shifted.reshape(-1, 2), (128, 128)) / (32 / (np.pi * 128)) - 1) < 0.05
    taper = radial_taper(radial_trajectory(8, 64).reshape(-1, 2), 0.25)
    assert taper.max() <= 1 and taper.min() == 0 and np.isclose(taper.max(), 1, atol=1e-2)
    with pytest.raises(ValueError, match="radius"):
        radial_taper(radial_trajectory(8, 64).reshape(-1, 2), 0)
    with pytest.raises(ValueError, match="acquisition order"):
        nyquist_radius(np.zeros((10, 2)), (32, 32))


def test_off_resonance_model_and_conjugate_phase():
    """The segmented signal model against the exact sum, and conjugate phase undoing a field map."""
    from mrilab.noncartesian import conjugate_phase, ndft_matrix, off_resonance_kdata, spiral_trajectory

    n = 24
    traj = spiral_trajectory(4, 400, n_turns=4)
    times = np.tile(np.arange(400) * 20e-6, 4)                           # 8 ms readouts
    yy, xx = np.mgrid[:n, :n] - n / 2
    field = 60.0 * np.exp(-(yy ** 2 + xx ** 2) / (2 * 5.0 ** 2))            # a bump of 60 Hz
    image = (np.hypot(yy, xx) < 8).astype(float)
    a = ndft_matrix(traj, (n, n))
    exact = np.einsum("mp,mp->m", a, np.exp(-2j * np.pi * np.outer(times, field.ravel()))[:, :] * image.ravel())
    approx = off_resonance_kdata(image, traj, times, field, segments=64)
    assert np.linalg.norm(approx - exact) / np.linalg.norm(exact) < 0.02
    w = mrilab.noncartesian.density_compensation(traj, (n, n), "pipe")
    plain = np.abs(conjugate_phase(approx, traj, times, np.zeros((n, n)), (n, n), weights=w))
    fixed = np.abs(conjugate_phase(approx, traj, times, field, (n, n), weights=w, segments=8))
    reference = np.abs(conjugate_phase(off_resonance_kdata(image, traj, times, 0 * field), traj, times, 0 * field,
                                       (n, n), weights=w))
    assert np.linalg.norm(fixed - reference) < 0.5 * np.linalg.norm(plain - reference)
    with pytest.raises(ValueError, match="times"):
        conjugate_phase(approx, traj, times[:10], field, (n, n))
    with pytest.raises(ValueError, match="field_map"):
        off_resonance_kdata(image, traj, times, field[:3])
