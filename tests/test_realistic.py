"""The realistic acquisition (mrilab.data.realistic) and the presets of make_dataset."""

import builtins
import subprocess
import sys

import numpy as np
import pytest

import mrilab
from mrilab.data import PRESETS, realistic
from mrilab.data.anatomy import MissingDependencyError
from mrilab.fourier import fft2c, ifft2c
from mrilab.phantom import random_ellipses

SMALL = dict(n_train=4, n_test=3, size=32, seed=5)


def one(**factors):
    rng = np.random.default_rng(3)
    ellipses = random_ellipses(rng)
    draws = realistic.draw_factors(rng, 64, len(ellipses))
    return realistic.simulate(ellipses, draws, 64, **factors)


def test_every_factor_off_is_the_seed_phantom():
    rng = np.random.default_rng(3)
    seed_phantom = mrilab.random_phantom(rng, 64)
    kspace, ref = one()
    np.testing.assert_array_equal(np.abs(ref).astype(np.float32), seed_phantom)
    np.testing.assert_allclose(kspace, fft2c(ref), atol=1e-12)


@pytest.mark.parametrize("factor, value", [("phase", np.pi), ("oversampling", 4), ("gradient", 0.1),
                                           ("bias", 0.1), ("texture", 0.03)])
def test_each_factor_changes_the_image_and_keeps_it_normalised(factor, value):
    kspace, ref = one(**{factor: value})
    base = one()[1]
    assert np.abs(ref).max() == pytest.approx(1.0)
    np.testing.assert_allclose(ifft2c(kspace), ref, atol=1e-6)
    change = np.abs(np.abs(ref) - np.abs(base)).mean()
    if factor == "phase":
        assert np.abs(ref.imag).max() > 0.1  # complex now
        np.testing.assert_allclose(np.abs(ref), np.abs(base), atol=1e-5)  # magnitude unchanged
    else:
        assert change > 1e-3, f"{factor} should change the magnitude"
        # a real object stays real, except that cropped k-space holds the line at -N/2 without its
        # conjugate partner at +N/2 (as an even-sized scan does), which leaves a small imaginary part
        assert np.abs(ref.imag).max() < (0.05 if factor == "oversampling" else 1e-6)


def test_phase_stays_in_its_range():
    _, ref = one(phase=1.0)
    obj = np.abs(ref) > 0.05
    assert np.abs(np.angle(ref[obj])).max() <= 1.0 + 1e-6
    assert np.ptp(np.angle(ref[obj])) > 0.3


def test_cropped_kspace_samples_the_object_at_the_coarse_pixel_centres():
    """A smooth object rasterised on a 4x finer grid and cropped in k-space is the coarse rasterisation."""
    def blob(n):
        c = (np.arange(n) - (n - 1) / 2) / (n / 2)
        return np.exp(-((c[None, :] - 0.1) ** 2 + (-c[:, None] + 0.05) ** 2) / (2 * 0.1 ** 2))
    for fine in (96, 128, 256):
        coarse = ifft2c(realistic.crop_kspace(fft2c(blob(fine)), 64))
        np.testing.assert_allclose(coarse, blob(64), atol=1e-10)


def test_oversampling_gives_gibbs_ringing_and_no_inverse_crime():
    _, seed_ref = one()
    _, fine_ref = one(oversampling=4)
    # the band-limited reference overshoots and undershoots near edges (Gibbs), the rasterised one cannot
    assert np.abs(fine_ref).min() < 1e-3 and (np.abs(seed_ref) - np.abs(fine_ref)).max() > 0.1


def test_texture_is_band_limited_unit_field():
    white = np.random.default_rng(0).standard_normal((64, 64))
    field = realistic.texture_field(white)
    assert field.std() == pytest.approx(1.0, abs=1e-6) and abs(field.mean()) < 1e-6
    # correlated over about a pixel: neighbours alike, distant pixels not
    near = np.corrcoef(field[:, :-1].ravel(), field[:, 1:].ravel())[0, 1]
    far = np.corrcoef(field[:, :-8].ravel(), field[:, 8:].ravel())[0, 1]
    assert near > 0.5 and abs(far) < 0.1
    fine = realistic.texture_field(white, 4)
    back = ifft2c(realistic.crop_kspace(fft2c(fine.astype(complex)), 64)).real
    np.testing.assert_allclose(back, field, atol=0.02)  # the same field on the finer grid


def test_bias_field_range():
    f = realistic.smooth_field(np.random.default_rng(1).uniform(-1, 1, 6), 64)
    assert np.abs(f).max() == pytest.approx(1.0)


def test_presets_share_geometry_masks_and_factor_draws(tmp_path):
    seed = mrilab.load_dataset(mrilab.make_dataset(tmp_path / "s.h5", **SMALL), "test")
    phase = mrilab.load_dataset(mrilab.make_dataset(tmp_path / "p.h5", phase=np.pi, **SMALL), "test")
    real = mrilab.load_dataset(mrilab.make_dataset(tmp_path / "r.h5", preset="realistic", **SMALL), "test")
    np.testing.assert_array_equal(seed.masks, real.masks)
    np.testing.assert_allclose(np.abs(phase.images), seed.phantoms, atol=1e-6)  # same magnitude
    quiet = mrilab.load_dataset(mrilab.make_dataset(tmp_path / "q.h5", preset="realistic", noise_std=0.0,
                                                    **SMALL), "test")
    np.testing.assert_array_equal(quiet.kspace_full, real.kspace_full)  # noise changes nothing else
    assert real.attrs["preset"] == "realistic" and real.attrs["oversampling"] == 4


def test_realistic_split_layout_and_noise(tmp_path):
    path = mrilab.make_dataset(tmp_path / "r.h5", preset="realistic", noise_std=0.02, n_train=2, n_test=6,
                               size=64, seed=1)
    test = mrilab.load_dataset(path, "test")
    assert test.images.dtype == np.complex64 and test.phantoms.dtype == np.float32
    np.testing.assert_allclose(test.phantoms, np.abs(test.images), atol=1e-6)
    assert np.allclose(test.phantoms.max(axis=(1, 2)), 1.0, atol=1e-5)
    np.testing.assert_allclose(ifft2c(test.kspace_full), test.images, atol=1e-5)
    noise = (test.kspace_undersampled - test.kspace_full)[test.masks]
    assert np.std(noise.real) == pytest.approx(0.02, rel=0.05)
    assert np.std(noise.imag) == pytest.approx(0.02, rel=0.05)
    assert np.all(test.kspace_undersampled[~test.masks] == 0)
    snr = mrilab.data.snr_db(test.images, 0.02)
    assert 15 < snr < 35 and mrilab.data.snr_db(test.images, 0.0) == float("inf")


@pytest.mark.parametrize("kwargs, match", [
    (dict(noise_std=-0.01), "noise_std must be a number >= 0"),
    (dict(oversampling=0.5), "oversampling must be an integer >= 1"),
    (dict(oversampling=0), "oversampling must be an integer >= 1"),
    (dict(texture=-1), "texture must be a number >= 0"),
    (dict(preset="scanner"), r"preset must be one of \['anatomy', 'multicoil', 'radial', 'radial_multicoil', 'realistic', 'seed', 'spiral'\]"),
    (dict(wobble=1), "unknown factor 'wobble'"),
    (dict(preset="anatomy", n_train=5), "anatomy preset has no training split"),
    (dict(preset="anatomy", n_train=0, texture=0.1), "takes only phase and noise_std"),
])
def test_bad_factors_get_clear_errors(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mrilab.make_dataset(tmp_path / "x.h5", **{"n_train": 2, "n_test": 1, "size": 16, **kwargs})
    assert not (tmp_path / "x.h5").exists()


def test_anatomy_preset(tmp_path):
    path = mrilab.make_dataset(tmp_path / "a.h5", preset="anatomy", seed=2)
    test = mrilab.load_dataset(path, "test")
    assert len(test) == 11 and len(mrilab.load_dataset(path, "train")) == 0
    assert test.phantoms.shape == (11, 128, 128)
    assert np.allclose(test.phantoms.max(axis=(1, 2)), 1.0, atol=1e-5)
    assert np.abs(test.images.imag).max() > 0.1  # a simulated phase
    assert test.attrs["preset"] == "anatomy" and test.attrs["noise_std"] == PRESETS["anatomy"]["noise_std"]
    again = mrilab.load_dataset(mrilab.make_dataset(tmp_path / "b.h5", preset="anatomy", seed=2), "test")
    np.testing.assert_array_equal(again.kspace_undersampled, test.kspace_undersampled)


def test_anatomy_without_dipy_says_what_to_install(tmp_path, monkeypatch):
    from mrilab.data import anatomy
    anatomy._read.cache_clear()
    real_import = builtins.__import__

    def no_dipy(name, *args, **kwargs):
        if name.startswith("dipy"):
            raise ModuleNotFoundError("No module named 'dipy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dipy)
    with pytest.raises(MissingDependencyError, match=r"pip install dipy") as info:
        mrilab.make_dataset(tmp_path / "a.h5", preset="anatomy")
    assert isinstance(info.value, ValueError) and isinstance(info.value, ImportError)
    assert not (tmp_path / "a.h5").exists()
    monkeypatch.undo()
    anatomy._read.cache_clear()


def test_command_line_presets(tmp_path):
    out = tmp_path / "r.h5"
    cmd = [sys.executable, "-m", "mrilab.data", "--preset", "realistic", "--out", str(out),
           "--n-train", "2", "--n-test", "2", "--size", "32", "--noise-std", "0.02"]
    run = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "wrote" in run.stdout and "realistic" in run.stdout and "SNR" in run.stdout
    assert mrilab.load_dataset(out, "test").attrs["noise_std"] == 0.02
    bad = subprocess.run(cmd[:-1] + ["-1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "noise_std must be a number >= 0" in bad.stderr


def test_generate_in_memory_matches_the_file(tmp_path):
    params = dict(preset="realistic", noise_std=0.02, n_train=2, n_test=2, size=32, seed=9)
    splits = mrilab.data.generate(**params)
    path = mrilab.make_dataset(tmp_path / "g.h5", **params)
    for name in ("train", "test"):
        stored = mrilab.load_dataset(path, name)
        for key in mrilab.data.KEYS:
            np.testing.assert_array_equal(getattr(splits[name], key), getattr(stored, key))
        assert splits[name].attrs == stored.attrs


def test_other_family_changes_the_phantoms_only():
    from mrilab.data import generate
    from mrilab.phantom import other_ellipses, other_phantom, rasterise

    np.testing.assert_array_equal(other_phantom(3, 64),
                                  np.clip(rasterise(other_ellipses(3), 64), 0, 1).astype(np.float32))
    study = generate(n_train=0, n_test=3, size=32, preset="realistic", seed=5)["test"]
    other = generate(n_train=0, n_test=3, size=32, preset="realistic", seed=5, family="other")["test"]
    assert other.attrs["family"] == "other" and "family" not in study.attrs
    assert not np.allclose(other.phantoms, study.phantoms)
    assert other.phantoms.max() == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="family must be one of .*'polygons'.*got 'squares'"):
        generate(n_train=0, n_test=1, size=32, family="squares")
    with pytest.raises(ValueError, match="family must be one of"):
        generate(preset="anatomy", family="other")
    with pytest.raises(ValueError, match="family 'other' takes the seed or realistic preset"):
        generate(n_train=0, n_test=1, size=32, preset="multicoil", family="other")
