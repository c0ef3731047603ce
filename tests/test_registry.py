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
            "tv_cs"} <= set(methods())


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
