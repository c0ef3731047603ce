"""Issue 33's sampling patterns: variable-density columns, Poisson disc, the TPSF, names."""

import numpy as np
import pytest

import mrilab
from mrilab.sampling import (mask, peak_sidelobe, poisson_disc_mask, poisson_disc_radius, tpsf,
                             variable_density_mask, variable_density_pdf)
from mrilab.sampling.poisson_disc import _radius_map


# ---------------------------------------------------------------- variable-density columns
@pytest.mark.parametrize("R", [3, 4, 8, 12])
@pytest.mark.parametrize("power", [0, 2, 4])
def test_variable_density_has_the_exact_line_count_and_the_acs(R, power):
    m = variable_density_mask((32, 128), R, 0.08, power=power, rng=1)
    assert m.dtype == bool and (m == m[0]).all()
    assert m[0].sum() == round(128 / R)
    assert m[0, mrilab.sampling.acs_columns(128, 0.08)].all()
    pdf = variable_density_pdf(128, R, 0.08, power=power)
    assert np.isclose(pdf.sum(), round(128 / R)) and pdf.min() >= 0 and pdf.max() <= 1


def test_a_higher_power_samples_nearer_the_centre_and_the_draws_follow_the_density():
    def mean_distance(power):
        cols = [np.flatnonzero(variable_density_mask((1, 128), 6, 0.08, power=power, rng=s)[0]) for s in range(200)]
        return np.mean([np.abs(c - 64).mean() for c in cols])

    d = [mean_distance(p) for p in (0, 2, 4)]
    assert d[0] > d[1] > d[2]
    pdf = variable_density_pdf(128, 6, 0.08, power=3)
    freq = np.mean([variable_density_mask((1, 128), 6, 0.08, power=3, rng=s)[0] for s in range(2000)], axis=0)
    assert np.abs(freq - pdf).max() < 0.12 and np.corrcoef(freq, pdf)[0, 1] > 0.97


def test_variable_density_errors_name_the_parameter():
    with pytest.raises(ValueError, match="power must be a number >= 0"):
        variable_density_mask((8, 64), 4, power=-1)
    with pytest.raises(ValueError, match="ACS of 26 columns"):
        variable_density_mask((8, 64), 8, 0.4)


# ---------------------------------------------------------------- Poisson disc
@pytest.mark.parametrize("shape, R, calib, seed", [((96, 96), 3, 0, 0), ((128, 128), 4, 16, 3), ((128, 128), 8, 24, 0),
                                                   ((64, 96), 5, 8, 1), ((96, 64), 10, (12, 8), 2)])
def test_poisson_disc_reaches_the_acceleration_and_keeps_its_minimum_distance(shape, R, calib, seed):
    m, slope = poisson_disc_mask(shape, R, seed=seed, calib=calib, return_slope=True)
    assert m.shape == shape and m.dtype == bool
    assert abs(m.size / m.sum() - R) <= 0.02 * R
    cy, cx = (calib, calib) if np.isscalar(calib) else calib
    y0, x0 = int(shape[0] / 2 - cy / 2), int(shape[1] / 2 - cx / 2)
    assert m[y0:y0 + cy, x0:x0 + cx].all()
    assert not m[_radius_map(shape, (cy, cx)) >= 1].any()            # the corners are cropped
    # every two points outside the box are a minimum distance apart, up to the rounding to the grid
    ry, rx = poisson_disc_radius(shape, slope, calib)
    box = np.zeros(shape, dtype=bool)
    box[y0:y0 + cy, x0:x0 + cx] = True
    ys, xs = np.nonzero(m)
    keep = ~box[ys, xs]
    ys, xs = ys[keep], xs[keep]
    dy = np.abs(ys[:, None] - ys[None]) + 0.5      # the drawn point lay within half a pixel
    dx = np.abs(xs[:, None] - xs[None]) + 0.5
    ry_min = np.minimum(ry[ys, xs][:, None], ry[ys, xs][None])
    rx_min = np.minimum(rx[ys, xs][:, None], rx[ys, xs][None])
    d = (dy / ry_min) ** 2 + (dx / rx_min) ** 2
    np.fill_diagonal(d, np.inf)
    assert d.min() >= 1 - 1e-9
    # and, without the rounding's allowance, no two points are closer than half the distance
    d0 = ((ys[:, None] - ys[None]) / ry_min) ** 2 + ((xs[:, None] - xs[None]) / rx_min) ** 2
    np.fill_diagonal(d0, np.inf)
    assert d0.min() >= 0.25


def test_poisson_disc_is_reproducible_and_varies_with_the_seed():
    a = poisson_disc_mask((64, 64), 4, seed=5, calib=8)
    np.testing.assert_array_equal(a, poisson_disc_mask((64, 64), 4, seed=5, calib=8))
    assert not np.array_equal(a, poisson_disc_mask((64, 64), 4, seed=6, calib=8))


def test_poisson_disc_density_agrees_with_sigpy():
    sigpy_mri = pytest.importorskip("sigpy.mri")
    shape = (128, 128)
    bins = np.linspace(0, 1, 6)
    for R, c in ((4, 0), (8, 16)):
        ours = poisson_disc_mask(shape, R, seed=0, calib=c)
        theirs = np.abs(sigpy_mri.poisson(shape, R, calib=(c, c), seed=0)) > 0
        r = _radius_map(shape, (c, c))
        prof = [np.array([m[(r >= a) & (r < b)].mean() for a, b in zip(bins[:-1], bins[1:])]) for m in (ours, theirs)]
        assert all(np.all(np.diff(p) < 0) for p in prof)                  # both fall from the centre outwards
        assert np.abs(prof[0] - prof[1]).max() < 0.15 and np.abs(prof[0] - prof[1]).mean() < 0.08
        assert abs(ours.size / ours.sum() - theirs.size / theirs.sum()) < 0.1 * R


@pytest.mark.parametrize("kwargs, match", [
    (dict(acceleration=1), "acceleration must be a number > 1"),
    (dict(acceleration=1.2), "below the densest Poisson-disc pattern"),
    (dict(acceleration=100, calib=8), "the calibration box \\(8, 8\\) alone samples 64"),
    (dict(acceleration=4, calib=(3, 80)), "calib must be an integer or a pair"),
    (dict(acceleration=4, tol=0), "tol must be a relative tolerance"),
])
def test_poisson_disc_errors_name_the_parameter_and_the_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        poisson_disc_mask((64, 64), **kwargs)


# ---------------------------------------------------------------- incoherence
def test_the_image_tpsf_is_the_point_spread_function():
    m = mrilab.cartesian_mask((64, 64), 4, 0.08, rng=0)
    t, index = tpsf(m, domain="image")
    psf = mrilab.point_spread_function(m)
    np.testing.assert_allclose(t / t[index], psf, atol=1e-6)
    assert np.isclose(abs(t[index]), m.mean())                      # the sampled fraction


def test_a_full_mask_has_no_side_lobe_in_either_domain_and_the_wavelet_tpsf_matches_pywavelets():
    import pywt

    full = np.ones((64, 64), dtype=bool)
    for domain in ("image", "wavelet"):
        assert peak_sidelobe(full, domain=domain) < 1e-10
    m = mrilab.cartesian_mask((64, 64), 4, 0.08, rng=0)
    t, (i, j) = tpsf(m, domain="wavelet", wavelet="db2", level=2, scale=1, band="diagonal")
    # the same coefficient by PyWavelets directly: unit coefficient, image, k-space, mask, back
    coeffs = pywt.wavedec2(np.zeros((64, 64)), "db2", mode="periodization", level=2)
    arr, slices = pywt.coeffs_to_array(coeffs)
    arr[i, j] = 1
    image = pywt.waverec2(pywt.array_to_coeffs(arr, slices, output_format="wavedec2"), "db2", mode="periodization")
    k = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(image), norm="ortho"))
    aliased = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k * m), norm="ortho"))
    ref = pywt.coeffs_to_array(pywt.wavedec2(aliased, "db2", mode="periodization", level=2))[0]
    np.testing.assert_allclose(t, ref, atol=1e-10)
    assert slices[-1]["dd"][0].start <= i < slices[-1]["dd"][0].stop


def test_incoherent_patterns_have_smaller_side_lobes_than_equispaced_ones():
    shape = (128, 128)
    equi = mrilab.cartesian_mask(shape, 4, 0.08, pattern="equispaced")
    rand = mrilab.cartesian_mask(shape, 4, 0.08, rng=0)
    disc = poisson_disc_mask(shape, 4, seed=0, calib=10)
    s = [peak_sidelobe(m, domain="image") for m in (equi, rand, disc)]
    assert s[0] > 1.5 * s[1] and s[1] > s[2], s           # the ghost of an equispaced mask is the peak side lobe
    for scale in (2, 3):                                    # at coarse wavelet scales the disc's density pays most
        s = [peak_sidelobe(m, domain="wavelet", scale=scale) for m in (equi, rand, disc)]
        assert s[0] > s[1] > 2 * s[2], (scale, s)


def test_tpsf_errors():
    with pytest.raises(ValueError, match="domain must be one of"):
        tpsf(np.ones((8, 8), bool), domain="fourier")
    with pytest.raises(ValueError, match="scale must be an integer from 1"):
        tpsf(np.ones((16, 16), bool), domain="wavelet", level=2, scale=3)
    with pytest.raises(ValueError, match="one 2-D mask"):
        tpsf(np.ones((2, 8, 8), bool))


# ---------------------------------------------------------------- by name
def test_every_pattern_by_its_name():
    for name in mrilab.sampling.PATTERNS:
        options = dict(seed=0, calib=8) if name == "poisson_disc" else ({} if name == "equispaced" or name == "regular"
                                                                          else dict(rng=0))
        m = mask(name, (64, 64), 4, **options)
        assert m.shape == (64, 64) and m.dtype == bool
    np.testing.assert_array_equal(mask("random", (64, 64), 4, rng=3), mrilab.cartesian_mask((64, 64), 4, rng=3))
    with pytest.raises(ValueError, match="pattern must be one of"):
        mask("spiral", (64, 64), 4)


def test_the_bands_are_named_as_pywavelets_dwt2_names_them():
    import pywt

    image = np.zeros((32, 32))
    image[:, 13:] = 1                                   # a vertical edge: vertical detail (cV) only
    _, (ch, cv, _) = pywt.dwt2(image, "haar", mode="periodization")
    assert abs(cv).sum() > 0 and abs(ch).sum() == 0
    from mrilab.sampling.incoherence import _BANDS, _coefficient

    coeffs = pywt.wavedec2(np.zeros((32, 32)), "haar", mode="periodization", level=1)
    _, slices = pywt.coeffs_to_array(coeffs)
    arr = pywt.coeffs_to_array(pywt.wavedec2(image, "haar", mode="periodization", level=1))[0]
    assert abs(arr[slices[1][_BANDS["vertical"]]]).sum() > 0 and abs(arr[slices[1][_BANDS["horizontal"]]]).sum() == 0
    for band in ("horizontal", "vertical", "diagonal"):    # every band's centre, the ones that start at 0 too
        i, j = _coefficient((32, 32), "haar", 1, 1, band)
        rows, cols = slices[1][_BANDS[band]]
        assert i in range(*rows.indices(32)) and j in range(*cols.indices(32))
        assert peak_sidelobe(np.ones((32, 32), bool), domain="wavelet", wavelet="haar", level=1, band=band) < 1e-10
