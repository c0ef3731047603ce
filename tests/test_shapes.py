"""The families of objects that are not ellipses (mrilab.data.shapes)."""

import numpy as np
import pytest

from mrilab.data import generate
from mrilab.data.shapes import IMAGE_FAMILIES, PIXEL, gaussian_field, polygon_object, randomized_object
from mrilab.fourier import ifft2c


def test_gaussian_field_is_standardised_and_its_correlation_means_the_same_on_every_grid():
    rng = np.random.default_rng(0)
    for size in (64, 256):
        f = gaussian_field(rng, size, 8 * PIXEL)
        assert abs(f.mean()) < 1e-9 and f.std() == pytest.approx(1.0)
    # the correlation between neighbours one coarse pixel apart is the same on both grids
    def lag_corr(size, lag):
        fs = [gaussian_field(np.random.default_rng(s), size, 4 * PIXEL) for s in range(20)]
        return np.mean([np.mean(f * np.roll(f, lag, axis=1)) for f in fs])
    assert lag_corr(128, 4) == pytest.approx(lag_corr(512, 16), abs=0.03)
    assert lag_corr(128, 4) == pytest.approx(np.exp(-1 / 4), abs=0.05)   # exp(-d^2 / (4 c^2)), d = c


@pytest.mark.parametrize("draw", [polygon_object, randomized_object])
def test_objects_are_reproducible_non_negative_and_differ_between_draws(draw):
    a, b = draw(np.random.default_rng(3), 96), draw(np.random.default_rng(3), 96)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and a.shape == (96, 96) and a.min() >= 0
    assert not np.allclose(a, draw(np.random.default_rng(4), 96))
    assert a[0, 0] == 0 and a[-1, -1] == 0            # background at the corners: a head in a field of view
    assert np.mean(a > 0.05) > 0.2                   # and a head that fills a good part of it


def test_polygon_object_has_edges_no_ellipse_has():
    """Straight edges: a row through a polygon's flat side has long runs of one intensity."""
    img = polygon_object(np.random.default_rng(0), 256)
    grad = np.abs(np.diff(img, axis=1)) > 0.05
    assert grad.any()
    # the skull is a polygon ring thicker than the study's 2 % of the field of view
    inside = img > 0.6
    thick = max(len(run) for row in inside for run in np.split(row, np.flatnonzero(np.diff(row.astype(int))) + 1)
                if run.all())
    assert thick >= 0.05 * 256


@pytest.mark.parametrize("family", sorted(IMAGE_FAMILIES))
def test_image_families_through_the_realistic_acquisition(family):
    t = generate(n_train=0, n_test=2, size=32, preset="realistic", seed=1, family=family)["test"]
    assert t.attrs["family"] == family
    assert t.phantoms.max() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(ifft2c(t.kspace_full), t.images, atol=1e-5)
    assert np.iscomplexobj(t.images) and np.abs(np.angle(t.images[np.abs(t.images) > 0.2])).max() > 0.3
    # the same seed gives the same data; the other family other objects, the same kind of masks
    again = generate(n_train=0, n_test=2, size=32, preset="realistic", seed=1, family=family)["test"]
    np.testing.assert_array_equal(again.kspace_undersampled, t.kspace_undersampled)
    study = generate(n_train=0, n_test=2, size=32, preset="realistic", seed=1)["test"]
    assert not np.allclose(study.phantoms, t.phantoms)
    assert t.masks.mean() == pytest.approx(study.masks.mean(), abs=0.05)


def test_image_families_with_coils():
    t = generate(n_train=0, n_test=1, size=32, preset="multicoil", n_coils=4, seed=2, family="polygons")["test"]
    assert t.kspace_full.shape == (1, 4, 32, 32) and t.maps.shape == (1, 4, 32, 32)
    combined = np.sum(np.conj(t.maps) * ifft2c(t.kspace_full), axis=1)
    inside = np.abs(t.images) > 0.2
    assert np.abs(combined - t.images)[inside].max() < 0.2 * np.abs(t.images).max()
