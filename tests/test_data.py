import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import mrilab
from mrilab.data import KEYS


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "mri_dataset.h5"
    return mrilab.make_dataset(path, n_train=6, n_test=3, size=32, seed=11)


def test_round_trip(small):
    train, test = mrilab.load_dataset(small, "train"), mrilab.load_dataset(small, "test")
    assert len(train) == 6 and len(test) == 3
    assert train.phantoms.shape == (6, 32, 32) and train.phantoms.dtype == np.float32
    assert train.kspace_full.dtype == np.complex64 and train.kspace_undersampled.dtype == np.complex64
    assert train.masks.dtype == bool
    np.testing.assert_allclose(train.kspace_full, mrilab.fft2c(train.phantoms), atol=1e-5)
    np.testing.assert_array_equal(train.kspace_undersampled, train.kspace_full * train.masks)
    assert all(m[0].sum() == 8 for m in train.masks)
    assert train.attrs == dict(n_train=6, n_test=3, size=32, acceleration=4.0,
                               center_fraction=0.08, pattern="random", seed=11, preset="seed",
                               phase=0.0, oversampling=1, gradient=0.0, bias=0.0, texture=0.0,
                               noise_std=0.0)
    # the seed preset is the study's data: real images, k-space their FFT, no noise
    np.testing.assert_array_equal(train.images, train.phantoms)
    assert train.images.dtype == np.complex64
    one = mrilab.load_dataset(small, "train", index=2)
    np.testing.assert_array_equal(one.phantoms[0], train.phantoms[2])
    part = mrilab.load_dataset(small, "test", index=slice(1, 3))
    np.testing.assert_array_equal(part.masks, test.masks[1:])


def test_determinism_and_independent_test_split(tmp_path, small):
    again = mrilab.make_dataset(tmp_path / "again.h5", n_train=6, n_test=3, size=32, seed=11)
    more = mrilab.make_dataset(tmp_path / "more.h5", n_train=9, n_test=3, size=32, seed=11)
    other = mrilab.make_dataset(tmp_path / "other.h5", n_train=6, n_test=3, size=32, seed=12)
    for split in ("train", "test"):
        a, b = mrilab.load_dataset(small, split), mrilab.load_dataset(again, split)
        for key in KEYS:
            np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    np.testing.assert_array_equal(mrilab.load_dataset(small, "test").phantoms,
                                  mrilab.load_dataset(more, "test").phantoms)
    assert not np.array_equal(mrilab.load_dataset(small, "test").phantoms,
                              mrilab.load_dataset(other, "test").phantoms)


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "d.h5"
    mrilab.make_dataset(path, n_train=2, n_test=1, size=16)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(mrilab.data, "random_ellipses", boom)
    with pytest.raises(KeyboardInterrupt):
        mrilab.make_dataset(path, n_train=2, n_test=1, size=16, seed=1)
    assert path.read_bytes() == before, "the old file survives an interrupted write"
    assert os.listdir(tmp_path) == ["d.h5"], "no temporary file is left behind"


def test_ensure_dataset_reuses_and_regenerates(tmp_path):
    path = tmp_path / "d.h5"
    mrilab.ensure_dataset(path, n_train=2, n_test=1, size=16)
    mtime = path.stat().st_mtime_ns
    mrilab.ensure_dataset(path, n_train=2, n_test=1, size=16)
    assert path.stat().st_mtime_ns == mtime
    mrilab.ensure_dataset(path, n_train=3, n_test=1, size=16)
    assert len(mrilab.load_dataset(path, "train")) == 3


def test_seed_phantoms_are_random_phantom(small):
    """The seed preset draws its phantoms exactly as random_phantom does."""
    seq = np.random.SeedSequence(11).spawn(2)[1]
    rng = np.random.default_rng(seq)
    first = mrilab.random_phantom(rng, 32)
    np.testing.assert_array_equal(mrilab.load_dataset(small, "test").phantoms[0], first)


def test_corrupt_file_gets_a_clear_error(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"this is not HDF5" * 100)
    with pytest.raises(ValueError, match=r"not a readable HDF5 file.*--force"):
        mrilab.load_dataset(bad, "test")


def test_missing_file_group_and_key(tmp_path, small):
    with pytest.raises(FileNotFoundError, match="python -m mrilab.data --out"):
        mrilab.load_dataset(tmp_path / "nope.h5", "train")
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\), got 'val'"):
        mrilab.load_dataset(small, "val")
    broken = tmp_path / "broken.h5"
    with h5py.File(broken, "w") as f:
        f.create_group("train").create_dataset("phantoms", data=np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match=r"has no group 'test/'.*--force"):
        mrilab.load_dataset(broken, "test")
    with pytest.raises(ValueError, match=r"group 'train/' lacks \['images', 'kspace_full'.*regenerate"):
        mrilab.load_dataset(broken, "train")


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_train=-1), "n_train must be an integer >= 0, got -1"),
    (dict(n_test=2.5), "n_test must be an integer >= 0"),
    (dict(n_train=0, n_test=0), "ask for at least one sample"),
    (dict(acceleration=0), "acceleration must be a number >= 1"),
    (dict(center_fraction=0.5), "wider than the line budget"),
])
def test_make_dataset_errors(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mrilab.make_dataset(tmp_path / "x.h5", **{"n_train": 2, "n_test": 1, "size": 16, **kwargs})
    assert not (tmp_path / "x.h5").exists()


def test_command_line(tmp_path):
    out = tmp_path / "cli.h5"
    cmd = [sys.executable, "-m", "mrilab.data", "--out", str(out), "--n-train", "3",
           "--n-test", "2", "--size", "16", "--seed", "4"]
    first = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "wrote" in first.stdout and first.stderr == ""
    second = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "up to date" in second.stdout
    assert len(mrilab.load_dataset(out, "train")) == 3
    bad = subprocess.run(cmd + ["--acceleration", "0.5"], capture_output=True, text=True)
    assert bad.returncode == 2 and "acceleration must be a number >= 1" in bad.stderr


def test_book_dataset_resolves_against_the_checkout_not_the_working_directory(tmp_path, monkeypatch):
    import mrilab.data as data

    monkeypatch.setattr(data, "ensure_dataset", lambda path, **params: path)  # the path, nothing generated
    monkeypatch.delenv("MRILAB_SEED", raising=False)
    monkeypatch.chdir(tmp_path)  # anywhere but notebooks/
    path = data.book_dataset(preset="realistic")
    assert path == Path(data.__file__).resolve().parents[2] / "data" / "mri_dataset_realistic.h5"
    assert data.book_dataset(tmp_path, preset="realistic") == tmp_path / "mri_dataset_realistic.h5"
