"""Part V: coil maps, the multi-coil operator, combination, calibration, SENSE, CG, GRAPPA."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator, cg

from mrilab import cartesian_mask
from mrilab.data import generate, load_dataset, make_dataset
from mrilab.fourier import fft2c, ifft2c
from mrilab.metrics import psnr
from mrilab.multicoil import (MultiCoilFourier, acs_block, ring_maps, cg_sense, cg_sense_tv, coil_noise,
                              estimate_maps, full_noise_std, g_factor, g_factor_unfold, grappa_kspace, map_error,
                              calibration_windows, grappa,
                              noise_covariance, pseudo_replica, roemer, rss, sense, sense_unfold, whitening)
from mrilab.registry import methods, reconstruct
from mrilab.sampling import effective_acceleration


@pytest.fixture(scope="module")
def data():
    test = generate(0, 2, preset="multicoil", seed=3)["test"]
    return test


def noisy(k, mask, rng, std=0.01):
    return (k + coil_noise(rng, k.shape, noise_covariance(k.shape[-3], std))) * mask


def test_maps_are_smooth_normalised_and_distinct():
    s = ring_maps(64, 8)
    assert s.shape == (8, 64, 64) and s.dtype == np.complex64
    np.testing.assert_allclose(np.sum(np.abs(s) ** 2, axis=0), 1, atol=1e-5)
    # each coil is brightest on its own side: the argmax of coil c moves around the ring
    peaks = [np.unravel_index(np.argmax(np.abs(m)), m.shape) for m in s]
    assert len(set(peaks)) == 8
    # the same smooth functions on a finer grid: 2 x 2 blocks average to the coarse map inside the
    # circle that holds the object (the corners of the field of view come close to the coils)
    fine = ring_maps(128, 8)
    c = (np.arange(64) - 31.5) / 32
    inside = c[None, :] ** 2 + c[:, None] ** 2 < 0.9 ** 2
    assert np.abs(fine.reshape(8, 64, 2, 64, 2).mean(axis=(2, 4)) - s)[:, inside].max() < 0.01
    with pytest.raises(ValueError, match="radius"):
        ring_maps(64, 8, radius=0.9)
    with pytest.raises(ValueError, match="n_coils"):
        ring_maps(64, 0)


def test_coil_noise_has_the_requested_covariance():
    psi = noise_covariance(4, 0.5, correlation=0.4)
    n = coil_noise(0, (4, 200, 200), psi)
    measured = np.einsum("chw,dhw->cd", n, np.conj(n)) / (200 * 200)
    np.testing.assert_allclose(measured, psi, atol=0.02)
    # whitening undoes it
    w = whitening(psi)
    white = np.einsum("ij,jhw->ihw", w, n)
    np.testing.assert_allclose(np.einsum("chw,dhw->cd", white, np.conj(white)) / 200 ** 2, np.eye(4), atol=0.02)
    with pytest.raises(ValueError, match="correlation"):
        noise_covariance(4, 1.0, correlation=1.0)


def test_operator_is_adjoint_and_an_isometry_when_fully_sampled():
    rng = np.random.default_rng(0)
    s = ring_maps(32, 6)
    mask = cartesian_mask((32, 32), 3, 0.1, rng=0)
    op = MultiCoilFourier(s, mask)
    x = rng.standard_normal((32, 32)) + 1j * rng.standard_normal((32, 32))
    y = (rng.standard_normal((6, 32, 32)) + 1j * rng.standard_normal((6, 32, 32))) * mask
    lhs = np.vdot(op.forward(x)[0], y)
    rhs = np.vdot(x, op.adjoint(y[None])[0])
    assert abs(lhs - rhs) < 1e-4 * abs(lhs)
    full = MultiCoilFourier(s, np.ones((32, 32), bool))
    np.testing.assert_allclose(full.normal(x)[0], x, atol=1e-4)


def test_bad_multicoil_input_gets_clear_errors(data):
    k, m, s = data.kspace_undersampled[0], data.masks[0], data.maps[0]
    with pytest.raises(ValueError, match="maps have 7 coils"):
        reconstruct("sense", k, m, maps=s[:7])
    with pytest.raises(ValueError, match="image shape"):
        reconstruct("cg_sense", k, m, maps=s[:, :64])
    no_acs = cartesian_mask((128, 128), 4, 0.0, pattern="regular")
    no_acs[:, 64] = False
    with pytest.raises(ValueError, match="ACS"):
        reconstruct("grappa", k * no_acs, no_acs)
    with pytest.raises(ValueError, match="single-coil method"):
        reconstruct("tv_cs", data.kspace_undersampled, data.masks)
    with pytest.raises(ValueError, match="mask must have shape"):
        reconstruct("sense", k, m[:64])


def test_roemer_recovers_the_object_and_rss_its_magnitude(data):
    coil_images = ifft2c(data.kspace_full[0])
    ref = data.images[0]
    obj = np.abs(ref) > 0.1
    # the maps multiply the object on the fine grid: combination is exact up to that truncation
    assert np.abs(roemer(coil_images, data.maps[0]) - ref)[obj].mean() < 2e-3
    assert np.abs(rss(coil_images) - np.abs(ref))[obj].mean() < 2e-3


def test_maps_from_the_acs_are_close_to_the_true_maps(data):
    est = estimate_maps(data.kspace_undersampled, data.masks)
    obj = np.abs(data.images) > 0.1
    for i in range(2):
        assert map_error(est[i], data.maps[i], obj[i]) < 0.15
    # a map of one coil for another is far off: the error measure can fail
    assert map_error(np.roll(est[0], 1, axis=0), data.maps[0], obj[0]) > 0.5


def test_acs_block_finds_the_centre_run():
    m = cartesian_mask((64, 64), 4, 0.125, pattern="regular")
    # the ACS (28-35) and the lattice column 36 next to it form one sampled run
    assert list(acs_block(m)) == list(range(28, 37))
    with pytest.raises(ValueError, match="whole columns"):
        acs_block(np.eye(64, dtype=bool))


def test_sense_equals_the_pixelwise_unfolding_and_cg_on_a_lattice(data):
    k, s = data.kspace_full[0], data.maps[0]
    rng = np.random.default_rng(1)
    for r in (2, 4):
        lattice = np.broadcast_to((np.arange(128) - 64) % r == 0, (128, 128))
        y = noisy(k, lattice, rng)
        direct = sense(y, lattice, s, tikhonov=0)
        np.testing.assert_allclose(sense_unfold(ifft2c(y), s, r), direct, atol=1e-4)
        np.testing.assert_allclose(g_factor(s, lattice), g_factor_unfold(s, r), rtol=1e-3)
        # CG-SENSE run to convergence reaches the same least-squares solution
        np.testing.assert_allclose(cg_sense(y, lattice, s, n_iter=200, tol=1e-9), direct, atol=2e-3)


def test_our_cg_matches_scipy_cg(data):
    k, s = data.kspace_full[1], data.maps[1]
    m = cartesian_mask((128, 128), 3, 0.08, rng=2)
    y = noisy(k, m, np.random.default_rng(2))
    op = MultiCoilFourier(s, m)
    a = LinearOperator((128 * 128,) * 2, dtype=np.complex128,
                       matvec=lambda v: op.normal(v.reshape(128, 128))[0].ravel())
    b = op.adjoint(y[None])[0].ravel()
    x_scipy, info = cg(a, b, rtol=1e-8, maxiter=40)
    ours = cg_sense(y, m, s, n_iter=40, tol=1e-8)
    assert np.linalg.norm(ours.ravel() - x_scipy) < 1e-3 * np.linalg.norm(x_scipy)


def test_g_factor_predicts_the_noise_of_sense(data):
    s = data.maps[0]
    mask = cartesian_mask((128, 128), 2, 0.08, pattern="regular")
    psi = noise_covariance(8, 0.01)
    y = data.kspace_full[0] * mask
    std = pseudo_replica(lambda kk: sense(kk, mask, s), y, mask, psi, n_replicas=30, rng=0)
    predicted = g_factor(s, mask) * np.sqrt(effective_acceleration(mask)) * full_noise_std(s, 0.01)
    obj = np.abs(data.images[0]) > 0.1
    assert abs(np.mean(std[obj] / predicted[obj]) - 1) < 0.1
    # and g itself is above 1 where coils overlap: the unfolding amplifies noise
    r4 = cartesian_mask((128, 128), 4, 0.0, pattern="regular")
    assert g_factor(s, r4)[obj].mean() > 1.5 * g_factor(s, mask)[obj].mean()


def test_grappa_matches_pygrappa(data):
    pygrappa = pytest.importorskip("pygrappa")
    mask = cartesian_mask((128, 128), 4, 0.08, pattern="regular")
    y = noisy(data.kspace_full[0], mask, np.random.default_rng(4))
    ours = grappa_kspace(y, mask, kernel=(5, 5), lam=0.01, padded_calibration=True)
    theirs = pygrappa.grappa(y, y[:, :, acs_block(mask)], kernel_size=(5, 5), coil_axis=0, lamda=0.01)
    assert np.linalg.norm(ours - theirs) < 1e-4 * np.linalg.norm(theirs)
    # the filled k-space is an image, not the aliased one
    ref = np.abs(data.images[0])
    assert psnr(ref, rss(ifft2c(ours))) > psnr(ref, rss(ifft2c(y))) + 5


def test_grappa_calibrates_inside_the_acs_by_default(data):
    mask = cartesian_mask((128, 128), 4, 0.08, pattern="regular")      # an ACS of 10 columns
    calib = data.kspace_full[0][:, :, acs_block(mask)]
    windows = calibration_windows(calib, (5, 5))
    assert windows.shape == ((128 - 4) * (10 - 4), 5, 5, calib.shape[0])
    assert np.count_nonzero(np.abs(windows) == 0) == 0                  # no padded zero among them
    padded = calibration_windows(calib, (5, 5), padded=True)
    assert len(padded) == 128 * 10 and np.count_nonzero(np.abs(padded) == 0) > 0
    with pytest.raises(ValueError, match="padded_calibration=True"):
        calibration_windows(calib, (5, 11))
    # the default and the padded calibration fill the same k-space differently
    y = data.kspace_full[0] * mask
    assert not np.allclose(grappa_kspace(y, mask), grappa_kspace(y, mask, padded_calibration=True))
    # kernel=None is 2 floor(R/2) + 1 columns wide: every hole reaches a measured column
    for R in (4, 5, 6, 8):
        m = cartesian_mask((128, 128), R, 0.08, pattern="regular")
        filled = grappa(data.kspace_full[0] * m, m)
        first, last = np.flatnonzero(m[0])[[0, -1]]      # beyond the outermost measured columns nothing is reachable
        assert np.all(np.abs(filled).sum(axis=(0, 1))[first:last + 1] > 0), R


def test_sense_tv_beats_sense_at_r4_and_converges(data):
    mask = cartesian_mask((128, 128), 4, 0.08, pattern="regular")
    y = noisy(data.kspace_full[0], mask, np.random.default_rng(5))
    ref = np.abs(data.images[0])
    s = estimate_maps(y, mask)
    tv = cg_sense_tv(y, mask, s, 0.003, n_iter=150)
    assert psnr(ref, np.abs(tv)) > psnr(ref, np.abs(sense(y, mask, s))) + 3
    longer = cg_sense_tv(y, mask, s, 0.003, n_iter=400)
    assert np.abs(np.abs(longer) - np.abs(tv)).mean() < 2e-3
    assert abs(psnr(ref, np.abs(longer)) - psnr(ref, np.abs(tv))) < 0.3
    with pytest.raises(ValueError, match="normalised"):
        cg_sense_tv(y, mask, 2 * s, 0.003)


def test_registry_runs_every_multicoil_method_on_a_stack(data):
    names = set(methods(multicoil=True, special=False))
    assert {"zero_filled_rss", "sense", "cg_sense", "cg_sense_tv", "grappa"} <= names
    both = names & set(methods(multicoil=False))  # a method that takes both has a multi-coil function of its own
    assert both == {name for name in both if methods()[name].multicoil_fn is not None}
    assert "pnp" in both
    ref = data.phantoms
    zf = reconstruct("zero_filled_rss", data.kspace_undersampled, data.masks)
    for name in names - {"zero_filled_rss"}:
        out = reconstruct(name, data.kspace_undersampled, data.masks)
        assert out.shape == (2, 128, 128) and out.dtype == np.float32
        if name in both:  # (C, H, W) would be read as a stack of single-coil images: one image is (1, C, H, W)
            one = reconstruct(name, data.kspace_undersampled[:1], data.masks[:1])[0]
        else:
            one = reconstruct(name, data.kspace_undersampled[0], data.masks[0])
        np.testing.assert_allclose(one, out[0], atol=1e-5)
        assert np.mean([psnr(r, x) for r, x in zip(ref, out)]) > np.mean([psnr(r, x) for r, x in zip(ref, zf)])
    with_true = reconstruct("sense", data.kspace_undersampled, data.masks, maps=data.maps)
    assert with_true.shape == (2, 128, 128)


def test_multicoil_dataset_round_trip(tmp_path):
    path = make_dataset(tmp_path / "mc.h5", 1, 1, preset="multicoil", n_coils=4, seed=2)
    test = load_dataset(path, "test")
    assert test.kspace_full.shape == (1, 4, 128, 128) and test.maps.shape == (1, 4, 128, 128)
    assert test.attrs["n_coils"] == 4 and test.attrs["pattern"] == "regular"
    # the measured samples are the full k-space plus noise on the mask, zero elsewhere
    m = test.masks[0]
    assert not test.kspace_undersampled[0][:, ~m].any()
    noise = (test.kspace_undersampled[0] - test.kspace_full[0])[:, m]
    assert 0.007 < noise.real.std() < 0.013
    # the same seed gives the same phantoms as the single-coil realistic preset
    single = generate(1, 1, preset="realistic", seed=2, pattern="regular")["test"]
    np.testing.assert_allclose(test.images, single.images, atol=1e-6)
    with pytest.raises(ValueError, match="multicoil preset"):
        generate(1, 1, preset="realistic", n_coils=4)


def test_simulate_coils_sees_images_through_random_rings():
    from mrilab.multicoil import simulate_coils

    x = np.stack([np.ones((32, 32)), 2 * np.ones((32, 32))]).astype(complex)
    k, maps = simulate_coils(x, 4, rng=1)
    assert k.shape == maps.shape == (2, 4, 32, 32)
    np.testing.assert_allclose(ifft2c(k), maps * x[:, None], atol=1e-5)
    assert not np.allclose(maps[0], maps[1]), "each image gets its own rotation of the ring"
    with pytest.raises(ValueError, match="square images"):
        simulate_coils(np.ones((2, 32, 16)), 4)


def test_numpy_and_torch_multicoil_operators_and_solvers_agree(data):
    """The numpy operator (MultiCoilFourier, used by SENSE and CG-SENSE) and the torch one of the
    network (forward_op, adjoint_op) are the same E; the network's CG data step solves the same
    system as SciPy's conjugate gradients on MultiCoilFourier."""
    torch = pytest.importorskip("torch")
    from mrilab.models import UnrolledMulticoil
    from mrilab.models.unrolled_multicoil import adjoint_op, forward_op

    mask = cartesian_mask((128, 128), 4, 0.08, pattern="regular")
    maps = data.maps[0].astype(np.complex64)
    x = ifft2c(data.kspace_full[0][0]).astype(np.complex64)
    y = (data.kspace_full[0] * mask).astype(np.complex64)
    E = MultiCoilFourier(maps, mask)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    tm, ts = t(mask[None]), t(maps[None])
    assert np.allclose(forward_op(t(x[None]), ts, tm).numpy(), E.forward(x), atol=1e-5 * np.abs(y).max())
    assert np.allclose(adjoint_op(t(y[None]), ts, tm).numpy(), E.adjoint(y), atol=1e-5 * np.abs(x).max())
    mu, z = 2.0, np.zeros_like(x)
    net = UnrolledMulticoil(cg_iterations=60)
    with torch.no_grad():
        ours = net._data_step(t(z[None]), t(E.adjoint(y)), ts, tm, mu).numpy()[0]
    n = x.size
    A = LinearOperator((n, n), dtype=np.complex128,
                       matvec=lambda v: (mu * E.normal(v.reshape(x.shape)) + v.reshape(x.shape)).ravel())
    ref, info = cg(A, (mu * E.adjoint(y)[0]).ravel().astype(np.complex128), rtol=1e-8, maxiter=200)
    assert info == 0
    assert np.linalg.norm(ours - ref.reshape(x.shape)) < 1e-4 * np.linalg.norm(ref)


def test_birdcage_maps_is_a_deprecated_alias_of_ring_maps():
    import mrilab.multicoil as mc

    with pytest.warns(DeprecationWarning, match="ring_maps"):
        old = mc.birdcage_maps(32, 4, rotation=0.2)
    assert np.array_equal(old, ring_maps(32, 4, rotation=0.2))


def test_shift_lattice_keeps_the_acs_and_the_acceleration():
    from mrilab.train.unrolled import shift_lattice

    mask = cartesian_mask((8, 128), 4, 0.08, pattern="regular")
    acs = acs_block(mask)
    for offset in range(4):
        shifted = shift_lattice(mask, offset)
        assert shifted[0, acs].all() and (shifted == shifted[:1]).all()       # the ACS stays, whole columns
        assert abs(shifted[0].sum() - mask[0].sum()) <= 1        # a lattice column may join or leave the ACS
        outer = np.flatnonzero(shifted[0] & ~np.isin(np.arange(128), acs))
        assert np.all(np.diff(outer) % 4 == 0)                    # still every 4th column outside the ACS
    assert not np.array_equal(shift_lattice(mask, 1), mask) and np.array_equal(shift_lattice(mask, 4), mask)


def test_grappa_pads_the_calibration_only_where_the_kernel_needs_it(data):
    regular = cartesian_mask((128, 128), 4, 0.19, pattern="regular")    # a 5-column kernel fits the ACS
    drawn = cartesian_mask((128, 128), 4, 0.19, rng=3)                  # its widest gap needs a wider kernel
    y = data.kspace_full[0]
    assert np.array_equal(grappa(y * regular, regular, padded_calibration="auto"), grappa(y * regular, regular))
    with pytest.raises(ValueError, match="padded_calibration=True"):
        grappa(y * drawn, drawn)
    assert np.array_equal(grappa(y * drawn, drawn, padded_calibration="auto"),
                          grappa(y * drawn, drawn, padded_calibration=True))
    with pytest.raises(ValueError, match="padded_calibration must be"):
        grappa(y * regular, regular, padded_calibration="yes")
