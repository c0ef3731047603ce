"""Chapter 13's inserted features, as mrilab.hallucination places them, and Split.subset."""

import numpy as np
import pytest

import mrilab
from mrilab.hallucination import insert_features


def _heads(n=3, size=96, seed=0):
    split = mrilab.data.generate(n_train=0, n_test=n, preset="realistic", seed=seed, size=size)["test"]
    return split


def test_features_lie_inside_the_head_apart_and_carry_the_local_phase():
    t = _heads()
    out, dots, lines = insert_features(t.images, t.phantoms, np.random.default_rng(0), contrast=0.3)
    assert dots.sum(axis=(1, 2)).tolist() == [3] * len(t) and lines.sum(axis=(1, 2)).tolist() == [12] * len(t)
    assert not np.any(dots & lines)
    from scipy import ndimage

    head = np.stack([ndimage.binary_fill_holes(p > 0.05) for p in t.phantoms])   # the head, dark inside included
    assert np.all(head[dots | lines])
    f = dots | lines
    added = out - t.images
    assert np.allclose(np.abs(added[f]), 0.3, atol=1e-5) and np.allclose(added[~f], 0)
    assert np.allclose(np.angle(added[f]), np.angle(t.images[f]), atol=1e-4)
    again = insert_features(t.images, t.phantoms, np.random.default_rng(0), contrast=0.3)
    assert np.array_equal(again[1], dots) and np.array_equal(again[2], lines)


def test_features_errors():
    t = _heads(1)
    with pytest.raises(ValueError, match="both be"):
        insert_features(t.images, t.phantoms[0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="14 pixels inside"):
        insert_features(t.images * 0, t.phantoms * 0, np.random.default_rng(0))


def test_split_subset_takes_every_array_and_keeps_the_attrs():
    t = _heads(4)
    s = t.subset(range(1, 3))
    assert len(s) == 2 and s.attrs == t.attrs
    for name in ("phantoms", "images", "kspace_full", "kspace_undersampled", "masks"):
        assert np.array_equal(getattr(s, name), getattr(t, name)[1:3])
    assert np.array_equal(t.subset(slice(2, None)).phantoms, t.phantoms[2:])
    with pytest.raises(IndexError, match="0..3"):
        t.subset([5])
