import numpy as np
import pytest

import mrilab
from mrilab.registry import methods


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    x = np.stack([mrilab.random_phantom(rng, 32) for _ in range(2)])
    masks = np.stack([mrilab.cartesian_mask((32, 32), 4, 0.1, rng=rng) for _ in x])
    return x, mrilab.fft2c(x) * masks, masks


def test_all_classical_methods_are_registered():
    assert {"zero_filled", "interp_linear", "interp_cubic", "interp_radial", "tv_denoise",
            "tv_cs", "wavelet_cs"} <= set(methods())


@pytest.mark.parametrize("name", ["zero_filled", "interp_linear", "interp_cubic",
                                  "interp_radial", "tv_denoise", "tv_cs"])
def test_every_method_gives_magnitude_images(batch, name):
    x, y, masks = batch
    params = {"n_iter": 20} if name == "tv_cs" else {}
    out = mrilab.reconstruct(name, y, masks, **params)
    assert out.shape == x.shape and out.dtype == np.float32 and (out >= 0).all()
    single = mrilab.reconstruct(name, y[0], masks[0], **params)
    np.testing.assert_allclose(single, out[0], atol=1e-5)


def test_reconstruct_matches_the_functions(batch):
    x, y, masks = batch
    np.testing.assert_allclose(mrilab.reconstruct("zero_filled", y, masks), mrilab.zero_filled(y))
    np.testing.assert_allclose(mrilab.reconstruct("tv_cs", y, masks, n_iter=30),
                               np.abs(mrilab.tv_cs(y, masks, n_iter=30)), atol=1e-6)
    # one mask for the whole batch is broadcast
    out = mrilab.reconstruct("zero_filled", y, masks[0])
    assert out.shape == x.shape


def test_registry_errors(batch):
    _, y, masks = batch
    with pytest.raises(ValueError, match=r"unknown method 'magic'; known methods: \[.*'tv_cs'"):
        mrilab.reconstruct("magic", y, masks)
    with pytest.raises(ValueError, match=r"method 'zero_filled' takes no parameter\(s\) \['lam'\]"):
        mrilab.reconstruct("zero_filled", y, masks, lam=0.1)
    with pytest.raises(ValueError, match="mask must have shape"):
        mrilab.reconstruct("zero_filled", y, masks[:1, :8])


def test_network_methods_need_their_weights(batch, tmp_path):
    _, y, masks = batch
    with pytest.raises(FileNotFoundError, match="make weights"):
        mrilab.reconstruct("kspace_unet", y, masks, weights=str(tmp_path / "none.pt"))


def test_masks_that_are_not_sampling_patterns_are_refused(batch):
    _, y, masks = batch
    with pytest.raises(ValueError, match=r"mask must hold only True/False or 0/1.*0\.5.*mask > 0\.5"):
        mrilab.reconstruct("zero_filled", y, masks * 0.5)
    empty = masks.copy()
    empty[1] = False
    with pytest.raises(ValueError, match=r"mask samples nothing in 1 of 2 image\(s\) \(index 1\)"):
        mrilab.reconstruct("tv_cs", y, empty)
    # 0/1 integers and floats are fine
    np.testing.assert_array_equal(mrilab.reconstruct("zero_filled", y, masks.astype(float)),
                                  mrilab.reconstruct("zero_filled", y, masks))


def test_tuned_parameters_follow_the_noise():
    from mrilab.registry import tuned_parameters
    from mrilab.tv import TV_CS_BY_NOISE, TV_CS_DEFAULTS
    levels = sorted(TV_CS_BY_NOISE)
    for s in levels:
        assert tuned_parameters(TV_CS_BY_NOISE, s) == TV_CS_BY_NOISE[s]
    mid = tuned_parameters(TV_CS_BY_NOISE, (levels[1] + levels[2]) / 2)["lam"]
    lo, hi = sorted((TV_CS_BY_NOISE[levels[1]]["lam"], TV_CS_BY_NOISE[levels[2]]["lam"]))
    assert lo <= mid <= hi
    top = tuned_parameters(TV_CS_BY_NOISE, 2 * levels[-1])["lam"]
    assert top == pytest.approx(2 * TV_CS_BY_NOISE[levels[-1]]["lam"])
    with pytest.raises(ValueError, match="noise_std must be a number >= 0"):
        tuned_parameters(TV_CS_BY_NOISE, -0.01)
    # a table tuned without noise only has nothing to scale from (it divided by zero once)
    assert tuned_parameters({0.0: dict(lam=0.01)}, 0.0) == dict(lam=0.01)
    with pytest.raises(ValueError, match="tuned at noise 0 only.*tune the method at this noise level"):
        tuned_parameters({0.0: dict(lam=0.01)}, 0.02)
    assert methods()["tv_cs"].defaults["noise_std"] is None  # seed defaults unless noise is given
    assert TV_CS_DEFAULTS["lam"] > 0


def test_tv_cs_uses_the_tuned_parameters_for_noise(batch):
    from mrilab.registry import tuned_parameters
    from mrilab.tv import TV_CS_BY_NOISE
    _, y, masks = batch
    p = tuned_parameters(TV_CS_BY_NOISE, 0.01)
    np.testing.assert_allclose(mrilab.reconstruct("tv_cs", y, masks, noise_std=0.01, n_iter=20),
                               np.abs(mrilab.tv_cs(y, masks, p["lam"], n_iter=20, tau=p["tau"])), atol=1e-6)
    # an explicit parameter wins over the table
    np.testing.assert_allclose(mrilab.reconstruct("tv_cs", y, masks, noise_std=0.01, n_iter=20, lam=0.05),
                               np.abs(mrilab.tv_cs(y, masks, 0.05, n_iter=20, tau=p["tau"])), atol=1e-6)


def test_weight_sets_and_grid_size():
    from mrilab.registry import WEIGHTS_DIR, weights_path
    assert weights_path("cascade") == WEIGHTS_DIR / "cascade.pt"
    assert weights_path("cascade", "realistic") == WEIGHTS_DIR / "cascade_realistic.pt"
    assert str(weights_path("cascade", "/some/where.pt")) == "/some/where.pt"
    assert weights_path("unrolled", "realistic") == WEIGHTS_DIR / "unrolled_realistic.pt"
    with pytest.raises(ValueError, match="the 'seed' weight set has no unrolled; its weight sets are \\['realistic', 'robust', 'self_supervised', 'varied'\\]"):
        weights_path("unrolled", "seed")
    rng = np.random.default_rng(0)
    for size in (64, 100):
        k = mrilab.fft2c(mrilab.random_phantom(rng, size))
        m = mrilab.cartesian_mask((size, size), 4, rng=rng)
        with pytest.raises(ValueError, match=rf"trained on 128 x 128 k-space, got {size} x {size}.*resample"):
            mrilab.reconstruct("kspace_unet", k * m, m)
