"""The cine presets of Part XI: the beating heart, its files and its k-t masks."""

from __future__ import annotations

import numpy as np
import pytest

from mrilab.data import main as data_main
from mrilab.data.cine import (LABELS, cine_params, cine_phantom, contraction, generate_cine, load_cine,
                              make_cine_dataset, remeasure_cine, systolic_fraction)
from mrilab.noncartesian import golden_angle_frames
from mrilab.sampling import kt_mask

SMALL = dict(n_frames=6, size=32, oversampling=2)


def test_contraction_curve():
    c = contraction(np.linspace(0, 1, 41, endpoint=False), 0.4)
    assert c[0] == 0 and np.isclose(contraction(0.4, 0.4), 1) and (c >= 0).all() and (c <= 1).all()
    assert np.all(np.diff(c[:16]) > 0) and np.all(np.diff(c[17:]) <= 1e-12)  # up in systole, down after
    assert systolic_fraction(60) == pytest.approx(0.35) and systolic_fraction(100) == pytest.approx(0.45)


@pytest.mark.parametrize("family", ["study", "other"])
def test_the_drawn_ejection_fraction_is_the_lv_cavitys(family):
    frames, labels, motion = cine_phantom(3, 20, 256, family=family)
    # the cavity inside the endocardium: the blood and the papillary muscles in it
    area = np.isin(labels, [LABELS["lv_blood"], LABELS["papillary"]]).sum(axis=(1, 2)).astype(float)
    # frame 0 is end-diastole; the smallest cavity is the nearest frame to end-systole
    measured = 1 - area.min() / area[0]
    assert measured == pytest.approx(motion["ejection_fraction"], abs=0.04)
    myo = (labels == LABELS["myocardium"]).sum(axis=(1, 2))
    assert myo.max() > myo.min() > 0
    lo, hi = (0.5, 0.7) if family == "study" else (0.25, 0.45)
    assert lo <= motion["ejection_fraction"] <= hi
    assert frames.dtype == np.float32 and frames.max() <= 1.0
    # the static surroundings do not move: far from the heart every frame is the first
    assert np.array_equal(frames[:, 10:40, 10:40], np.broadcast_to(frames[0, 10:40, 10:40], (20, 30, 30)))


def test_presets_are_deterministic_and_shaped():
    a = generate_cine(1, 1, preset="cine_multicoil", **SMALL)
    b = generate_cine(1, 1, preset="cine_multicoil", **SMALL)
    for key in ("images", "kspace_full", "kspace_undersampled", "masks", "maps", "labels", "motion"):
        np.testing.assert_array_equal(getattr(a["test"], key), getattr(b["test"], key))
    t = a["test"]
    assert t.images.shape == (1, 6, 32, 32) and t.kspace_full.shape == (1, 6, 8, 32, 32)
    assert t.masks.shape == (1, 6, 32, 32) and t.maps.shape == (1, 8, 32, 32)
    assert np.abs(t.images).max() == pytest.approx(1.0, abs=1e-6)
    assert not np.array_equal(a["train"].images, t.images)
    # the measurement is the noise-free k-space plus noise, where the masks sample, and zero elsewhere
    m = t.masks[:, :, None]
    assert np.all(t.kspace_undersampled[~np.broadcast_to(m, t.kspace_full.shape)] == 0)
    noise = (t.kspace_undersampled - t.kspace_full)[np.broadcast_to(m, t.kspace_full.shape)]
    assert noise.real.std() == pytest.approx(0.01, rel=0.1)
    single = generate_cine(0, 1, preset="cine", **SMALL)["test"]
    assert single.kspace_full.shape == (1, 6, 32, 32) and single.maps is None
    other = generate_cine(0, 1, preset="cine", family="other", **SMALL)["test"]
    assert not np.allclose(other.motion, single.motion)


def test_radial_preset_continues_the_golden_angle_sequence():
    t = generate_cine(0, 1, preset="cine_radial", spokes_per_frame=5, n_samples=64, **SMALL)["test"]
    assert t.kdata.shape == (1, 6, 8, 5, 64) and t.trajectory.shape == (6, 5, 64, 2)
    np.testing.assert_allclose(t.trajectory, golden_angle_frames(6, 5, 64))
    every = golden_angle_frames(1, 30, 64)[0]
    np.testing.assert_allclose(t.trajectory.reshape(30, 64, 2), every)


def test_file_round_trip_and_command_line(tmp_path):
    path = make_cine_dataset(tmp_path / "c.h5", 1, 1, preset="cine_multicoil", **SMALL)
    loaded = load_cine(path)
    made = generate_cine(1, 1, preset="cine_multicoil", **SMALL)
    for key in ("images", "kspace_undersampled", "masks", "maps", "labels"):
        np.testing.assert_array_equal(getattr(loaded["test"], key), getattr(made["test"], key))
    assert loaded["test"].attrs["preset"] == "cine_multicoil"
    out = tmp_path / "r.h5"
    assert data_main(["--preset", "cine_radial", "--out", str(out), "--n-train", "0", "--n-test", "1",
                      "--n-frames", "4", "--size", "32", "--oversampling", "2", "--spokes-per-frame", "3",
                      "--n-samples", "64"]) == 0
    assert load_cine(out)["test"].kdata.shape == (1, 4, 8, 3, 64)
    with pytest.raises(ValueError, match="not a cine dataset"):
        from mrilab.data import make_dataset
        load_cine(make_dataset(tmp_path / "s.h5", 1, 1))


def test_remeasure_changes_masks_and_noise_only():
    t = generate_cine(0, 1, preset="cine_multicoil", **SMALL)["test"]
    again = remeasure_cine(t, 4, pattern="shifted", seed=5)
    np.testing.assert_array_equal(again.images, t.images)
    assert again.masks[0, :, 0].sum(axis=1).tolist() == [8] * 6 and again.attrs["pattern"] == "shifted"
    with pytest.raises(ValueError, match="radial"):
        remeasure_cine(generate_cine(0, 1, preset="cine_radial", spokes_per_frame=3, n_samples=64, **SMALL)["test"], 4)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="family"):
        cine_params("cine", family="sheep")
    with pytest.raises(ValueError, match="unknown cine parameter"):
        cine_params("cine", n_spokes=3)
    with pytest.raises(ValueError, match="preset"):
        cine_params("multicoil")


def test_kt_masks():
    m = kt_mask((10, 16, 64), 8, rng=0)
    assert m.shape == (10, 16, 64) and (m.sum(axis=(1, 2)) == 16 * 8).all()
    assert (m == m[:, :1]).all()                                      # whole columns
    assert m[:, 0, 31:33].all()                                       # the small centre in every frame
    assert len({tuple(np.flatnonzero(f[0])) for f in m}) == 10       # a new draw every frame
    s = kt_mask((10, 16, 64), 4, pattern="shifted")
    assert (s.sum(axis=(1, 2)) == 16 * 16).all() and s[:4].any(axis=0).all()  # R frames cover every column
    assert s[0, 0, 32] and s[1, 0, 33] and s[4, 0, 32]                # the lattice moves one column a frame
    with pytest.raises(ValueError, match="integer"):
        kt_mask((4, 8, 8), 2.5, pattern="shifted")
    with pytest.raises(ValueError, match=r"\(T, H, W\)"):
        kt_mask((8, 8), 2)
