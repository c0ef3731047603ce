"""Gradient delays of radial k-space: RING estimation, trajectory correction and the consistency residuals
(mrilab.noncartesian.delay), on data simulated with a known delay tensor."""

from __future__ import annotations

import numpy as np
import pytest

from mrilab.multicoil.coils import ring_maps
from mrilab.noncartesian import gridding, nufft, radial_trajectory, spiral_trajectory, spoke_angles
from mrilab.noncartesian.delay import (GradientDelay, correct_trajectory, delay_spokes, delay_tensor,
                                       estimate_gradient_delay,
                                       intersection_residual, opposed_spoke_residual, spoke_geometry)
from mrilab.phantom import pixel_grid, shepp_logan

N = 96                      # image size and samples per spoke (the layout of the real data, smaller)
COILS = 4
ANISOTROPIC = (-0.5, 0.8, 0.2)   # (S_yy, S_xx, S_xy) in samples


def full_circle_trajectory(n_spokes: int, n_samples: int) -> np.ndarray:
    """Uniform spokes over 360 degrees, ``(ky, kx) = r (sin theta, cos theta)`` wrapped into [-0.5, 0.5)."""
    theta = np.arange(n_spokes) * 2 * np.pi / n_spokes
    r = (np.arange(n_samples) - n_samples // 2) / n_samples
    t = np.stack([r[None] * np.sin(theta)[:, None], r[None] * np.cos(theta)[:, None]], axis=-1)
    return np.mod(t + 0.5, 1.0) - 0.5


def trajectory(kind: str, n_spokes: int = 128) -> np.ndarray:
    if kind == "full":
        return full_circle_trajectory(n_spokes, N)
    return radial_trajectory(n_spokes, N, golden=kind == "golden")


def simulate(traj, delay, *, coils=COILS, noise=2e-3, seed=0):
    """Coil data measured with ``delay`` on the nominal ``traj``: (image, maps, data (C, spokes, samples))."""
    rng = np.random.default_rng(seed)
    x, y = pixel_grid(N)
    image = shepp_logan(N) * np.exp(1j * (0.8 * x + 0.5 * y ** 2))        # smooth phase
    maps = ring_maps(N, coils)
    actual = correct_trajectory(traj, delay)                             # where the samples really are
    k = nufft(maps * image, actual.reshape(-1, 2)).reshape(coils, *traj.shape[:2])
    k = k + noise * np.abs(k).max() * (rng.standard_normal(k.shape) + 1j * rng.standard_normal(k.shape)) / np.sqrt(2)
    return image, maps, k


def wrapped(a):
    return np.mod(a + 0.5, 1.0) - 0.5


# geometry and correction

@pytest.mark.parametrize("golden", [False, True])
def test_spoke_geometry_of_radial_trajectory(golden):
    g = spoke_geometry(radial_trajectory(40, 64, golden=golden))
    assert np.allclose(g.angles, spoke_angles(40, golden=golden))
    assert g.spacing == pytest.approx(1 / 64)
    assert np.allclose(g.centre, 32) and np.allclose(g.origin, 0)
    assert np.allclose(g.directions, np.stack([np.sin(g.angles), np.cos(g.angles)], -1))


def test_spoke_geometry_unwraps_spokes_over_360_degrees():
    g = spoke_geometry(full_circle_trajectory(16, 64))                   # spoke 8 (180 degrees) wraps a sample
    assert np.allclose(g.angles, np.arange(16) * 2 * np.pi / 16)
    assert np.allclose(g.centre, 32) and np.allclose(g.origin, 0, atol=1e-12)


def test_correct_trajectory_moves_each_spoke_by_spacing_times_s_e():
    traj = radial_trajectory(12, 64, golden=False)
    moved = correct_trajectory(traj, ANISOTROPIC)
    assert moved.shape == traj.shape and moved.min() >= -0.5 and moved.max() < 0.5
    theta = spoke_angles(12, golden=False)
    e = np.stack([np.sin(theta), np.cos(theta)], -1)                     # (ky, kx)
    s = np.array([[ANISOTROPIC[0], ANISOTROPIC[2]], [ANISOTROPIC[2], ANISOTROPIC[1]]])
    assert np.allclose(wrapped(moved - traj), (e @ s.T)[:, None, :] / 64)
    # one number is a delay along every spoke: the spoke at 0 degrees (along kx) slides by 0.5 samples in kx
    along = correct_trajectory(traj, 0.5)
    assert np.allclose(wrapped(along[0] - traj[0]), [0, 0.5 / 64])
    assert np.allclose(delay_tensor(GradientDelay(*ANISOTROPIC)), s)
    assert np.allclose(GradientDelay(*ANISOTROPIC).shift(theta), e @ s.T)
    # the corrected trajectory is straight spokes that miss the centre by the sideways part of the shift
    g = spoke_geometry(moved, through_centre=False)
    assert np.allclose(g.angles, theta) and not np.allclose(g.origin, 0)


# estimation

@pytest.mark.parametrize("kind", ["uniform", "golden", "full"])
@pytest.mark.parametrize("delay", [ANISOTROPIC, -0.6], ids=["anisotropic", "isotropic"])
def test_ring_recovers_the_delay_and_the_correction_removes_the_inconsistency(kind, delay):
    traj = trajectory(kind)
    _, _, k = simulate(traj, delay)
    est = estimate_gradient_delay(k, traj)
    assert np.allclose(est.tensor, delay_tensor(delay), atol=0.1), est
    assert est.used.all() and est.fit_rms < 0.05 and est.spacing == pytest.approx(1 / N)
    corrected = correct_trajectory(traj, est)
    before, after = intersection_residual(k, traj), intersection_residual(k, corrected)
    assert after < 0.5 * before
    _, _, clean = simulate(traj, 0.0)
    assert intersection_residual(clean, traj) < 0.5 * before               # a delay raises it


def test_zero_delay_estimates_zero_and_simpler_models():
    traj = trajectory("golden")
    _, _, k = simulate(traj, 0.0)
    est = estimate_gradient_delay(k, traj)
    assert np.abs(est.tensor).max() < 0.05
    _, _, k = simulate(traj, -0.6)
    iso = estimate_gradient_delay(k, traj, model="isotropic")
    assert iso.s_xx == iso.s_yy == pytest.approx(-0.6, abs=0.05) and iso.s_xy == 0
    diag = estimate_gradient_delay(k.reshape(COILS, -1), traj, model="diagonal", partners=2)   # (C, M) data
    assert np.allclose([diag.s_yy, diag.s_xx], -0.6, atol=0.05) and diag.s_xy == 0


def test_corrected_trajectory_grids_a_better_image():
    traj = trajectory("golden")
    image, maps, k = simulate(traj, ANISOTROPIC)
    est = estimate_gradient_delay(k, traj)

    def error(t):
        x = gridding(k.reshape(COILS, -1), t.reshape(-1, 2), image.shape, maps=maps)
        x = x * np.vdot(x, image) / np.vdot(x, x)                         # best complex scale
        return np.linalg.norm(x - image) / np.linalg.norm(image)

    nominal, corrected = error(traj), error(correct_trajectory(traj, est))
    assert corrected < 0.5 * nominal


def test_opposed_spoke_residual_needs_spokes_over_360_degrees():
    traj = trajectory("full")
    _, _, k = simulate(traj, -0.6)
    est = estimate_gradient_delay(k, traj)
    assert opposed_spoke_residual(k, correct_trajectory(traj, est)) < 0.5 * opposed_spoke_residual(k, traj)
    half = trajectory("uniform")
    _, _, k = simulate(half, -0.6)
    with pytest.raises(ValueError, match="no opposed spokes"):
        opposed_spoke_residual(k, half)


# input checks

def test_bad_inputs_raise_clear_errors():
    traj = trajectory("uniform", 32)
    _, _, k = simulate(traj, 0.3)
    with pytest.raises(ValueError, match=r"kdata must have shape \(C, n_spokes, n_samples\)"):
        estimate_gradient_delay(k[:, :-1], traj)
    with pytest.raises(ValueError, match=r"traj must have shape \(n_spokes, n_samples, 2\)"):
        estimate_gradient_delay(k, traj.reshape(-1, 2))
    with pytest.raises(ValueError, match="not radial"):
        spiral = spiral_trajectory(32, N, n_turns=4)
        estimate_gradient_delay(k, spiral)
    with pytest.raises(ValueError, match="pass through the centre"):
        estimate_gradient_delay(k, correct_trajectory(traj, ANISOTROPIC))
    with pytest.raises(ValueError, match="model must be one of"):
        estimate_gradient_delay(k, traj, model="anisotropic")
    with pytest.raises(ValueError, match="search must be a positive number"):
        estimate_gradient_delay(k, traj, search=-1.0)
    with pytest.raises(ValueError, match="clearly different angles"):
        estimate_gradient_delay(k, traj, pairs=[[0, 1]])
    with pytest.raises(ValueError, match="spoke indices in"):
        estimate_gradient_delay(k, traj, pairs=[[0, 99]])
    bad = k.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        intersection_residual(bad, traj)
    with pytest.raises(ValueError, match="delay must be"):
        correct_trajectory(traj, (1.0, 2.0))
    with pytest.raises(ValueError, match="symmetric"):
        correct_trajectory(traj, [[0.0, 1.0], [0.0, 0.0]])
    with pytest.warns(RuntimeWarning, match="one coil"):
        estimate_gradient_delay(k[0], traj)


def test_delay_spokes_equals_measuring_with_the_delay():
    """An isotropic delay imposed on undelayed data by resampling each spoke is the data measured with it, away
    from the spokes' ends (the interpolant is periodic); the estimator finds it, and the correction undoes it."""
    traj = trajectory("uniform")
    _, _, clean = simulate(traj, 0.0, noise=0.0)
    _, _, measured = simulate(traj, -1.2, noise=0.0)
    made = delay_spokes(clean, traj, -1.2)
    inner = slice(N // 4, 3 * N // 4)
    err = np.linalg.norm(made[..., inner] - measured[..., inner]) / np.linalg.norm(measured[..., inner])
    assert made.shape == clean.shape and err < 0.02
    found = estimate_gradient_delay(made, traj, model="isotropic")
    assert found.s_xx == pytest.approx(-1.2, abs=0.05)
    assert intersection_residual(made, correct_trajectory(traj, found)) < 0.5 * intersection_residual(made, traj)
