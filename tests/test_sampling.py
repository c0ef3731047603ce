import numpy as np
import pytest

import mrilab


@pytest.mark.parametrize("R", [1, 2, 3, 4, 5, 6, 8, 12])
@pytest.mark.parametrize("pattern", ["random", "equispaced"])
def test_exact_column_count_and_acs(R, pattern):
    m = mrilab.cartesian_mask((64, 128), R, 0.08, pattern=pattern, rng=0)
    assert m.shape == (64, 128) and m.dtype == bool
    assert (m == m[0]).all(), "whole columns are sampled"
    assert m[0].sum() == round(128 / R)
    assert np.isclose(mrilab.effective_acceleration(m), 128 / round(128 / R))
    acs = mrilab.sampling.acs_columns(128, 0.08)
    assert len(acs) == round(128 * 0.08) and 64 in acs
    assert m[0, acs].all(), "the ACS is fully sampled and contains the DC column"


def test_acs_on_odd_width_contains_dc():
    m = mrilab.cartesian_mask((32, 33), 3, 0.1, rng=1)
    assert m[0, 33 // 2]
    assert m[0].sum() == 11


def test_same_rng_same_mask_and_different_otherwise():
    a = mrilab.cartesian_mask((128, 128), 4, rng=np.random.default_rng(5))
    b = mrilab.cartesian_mask((128, 128), 4, rng=np.random.default_rng(5))
    c = mrilab.cartesian_mask((128, 128), 4, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(a, mrilab.cartesian_mask((128, 128), 4, rng=5))


@pytest.mark.parametrize("R", [2, 3, 4, 6])
def test_equispaced_spacing_is_regular(R):
    m = mrilab.cartesian_mask((128, 128), R, 0.08, pattern="equispaced")
    acs = set(mrilab.sampling.acs_columns(128, 0.08))
    outer = np.array([c for c in np.flatnonzero(m[0]) if c not in acs])
    left, right = outer[outer < 64], outer[outer > 64]
    gaps = np.concatenate([np.diff(left), np.diff(right)])
    assert len(set(gaps.tolist())) == 1, gaps  # one constant spacing on each side of the ACS
    np.testing.assert_array_equal(m, mrilab.cartesian_mask((128, 128), R, 0.08,
                                                           pattern="equispaced", rng=3))


def test_effective_acceleration_of_stack():
    masks = np.stack([mrilab.cartesian_mask((16, 16), 4, 0.1, rng=i) for i in range(3)])
    assert mrilab.effective_acceleration(masks) == 4.0


def test_point_spread_function():
    full = np.ones((16, 16), dtype=bool)
    psf = mrilab.point_spread_function(full)
    expected = np.zeros((16, 16))
    expected[8, 8] = 1
    np.testing.assert_allclose(psf, expected, atol=1e-6)
    m = mrilab.cartesian_mask((32, 32), 4, 0.1, rng=0)
    assert np.isclose(mrilab.point_spread_function(m)[16, 16], 1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(acceleration=0.5), r"acceleration must be a number >= 1 .*got 0.5"),
    (dict(acceleration=float("nan")), "acceleration must be a number >= 1"),
    (dict(center_fraction=1.0), r"center_fraction must be in \[0, 1\), got 1.0"),
    (dict(center_fraction=-0.1), r"center_fraction must be in \[0, 1\)"),
    (dict(acceleration=14), r"ACS of 10 columns, wider than the line budget .* = 9 .*lower center_fraction"),
    (dict(pattern="spiral"), "pattern must be one of"),
])
def test_mask_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mrilab.cartesian_mask((128, 128), **{"acceleration": 4, "center_fraction": 0.08, **kwargs})


@pytest.mark.parametrize("shape", [(128,), (1, 128, 128), (128, 0), ("a", 3), 128])
def test_mask_shape_errors(shape):
    with pytest.raises(ValueError, match=r"shape must be a 2-D shape \(H, W\)"):
        mrilab.cartesian_mask(shape)


def test_effective_acceleration_errors():
    with pytest.raises(ValueError, match="mask samples nothing"):
        mrilab.effective_acceleration(np.zeros((4, 4), dtype=bool))
    with pytest.raises(ValueError, match="mask must have at least 2 dimensions"):
        mrilab.effective_acceleration(np.ones(4, dtype=bool))


def test_regular_lattice_offsets_keep_the_acceleration_and_move_the_folding():
    cartesian_mask = mrilab.cartesian_mask
    base = cartesian_mask((8, 64), 4, 0.08, pattern="regular")
    for offset in range(1, 4):
        m = cartesian_mask((8, 64), 4, 0.08, pattern="regular", offset=offset)
        cols = np.flatnonzero(m[0] & ~base[0])
        assert np.all((cols - 32 - offset) % 4 == 0)  # the lattice moved by the offset
        assert abs(int(m[0].sum()) - int(base[0].sum())) <= 2  # the ACS may swallow a lattice column
    np.testing.assert_array_equal(cartesian_mask((8, 64), 4, 0.08, pattern="regular", offset=4), base)
    with pytest.raises(ValueError, match="offset moves the lattice of pattern='regular' only"):
        cartesian_mask((8, 64), 4, 0.08, offset=1)
