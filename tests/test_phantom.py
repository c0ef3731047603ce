import numpy as np
import pytest
import skimage.data
from scipy.ndimage import binary_fill_holes

import mrilab


def test_shepp_logan_values_and_shape():
    p = mrilab.shepp_logan(128)
    assert p.shape == (128, 128) and p.dtype == np.float32
    assert p.min() == 0.0 and p.max() == 1.0
    levels = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 1.0])
    assert np.all(np.min(np.abs(np.unique(p)[:, None] - levels), axis=1) < 1e-6)


def test_shepp_logan_agrees_with_scikit_image():
    # scikit-image ships the same modified phantom at 400 x 400 (with its own rasterisation)
    ours, ref = mrilab.shepp_logan(400), skimage.data.shepp_logan_phantom()
    assert np.mean(np.abs(ours - ref) > 0.05) < 0.01
    assert np.mean(np.abs(ours - ref)) < 0.01


def test_random_phantom_range_and_determinism():
    a = mrilab.random_phantom(np.random.default_rng(3))
    b = mrilab.random_phantom(np.random.default_rng(3))
    c = mrilab.random_phantom(np.random.default_rng(4))
    assert a.dtype == np.float32 and a.shape == (128, 128)
    assert a.min() == 0.0 and a.max() == 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert mrilab.random_phantom(5, size=64).shape == (64, 64)


def test_random_phantoms_are_all_different_and_plausible():
    rng = np.random.default_rng(0)
    ref = mrilab.shepp_logan(128)
    phantoms = [mrilab.random_phantom(rng) for _ in range(50)]
    assert len({p.tobytes() for p in phantoms}) == 50
    for p in phantoms:
        head = binary_fill_holes(p > 0)
        # a head: the same footprint as the reference to within the allowed stretch,
        # a bright skull rim and a dark background in the corners
        assert 0.8 < head.sum() / binary_fill_holes(ref > 0).sum() < 1.12
        assert p[0, 0] == 0 and p[-1, -1] == 0
        assert np.isclose(p.max(), 1.0)


def test_global_random_state_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    mrilab.random_phantom(1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_phantom_errors():
    with pytest.raises(ValueError, match="size must be an integer >= 8"):
        mrilab.shepp_logan(4)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        mrilab.random_phantom("seed")
