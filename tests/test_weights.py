"""The shipped checkpoints load and reproduce the test metrics recorded in them."""

from pathlib import Path

import numpy as np
import pytest

import mrilab
from mrilab.registry import WEIGHTS_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "mri_dataset.h5"


@pytest.fixture(scope="module")
def test_split():
    mrilab.ensure_dataset(DATA)  # the default dataset the weights were trained on
    return mrilab.load_dataset(DATA, "test")


@pytest.mark.parametrize("name, cls", [("kspace_unet", "KSpaceUNet"), ("cascade", "Cascade")])
def test_shipped_weights_reproduce_their_metrics(test_split, name, cls):
    path = WEIGHTS_DIR / f"{name}.pt"
    assert path.stat().st_size < 5 * 2 ** 20, "shipped weights stay small"
    model = mrilab.load_model(path, expected=cls)
    pred = mrilab.reconstruct(name, test_split.kspace_undersampled, test_split.masks)
    scores = mrilab.evaluate(test_split.phantoms, pred)
    for metric in ("psnr", "ssim", "rmse"):
        assert np.isclose(scores[metric].mean(), model.metrics[f"test_{metric}"], rtol=1e-4, atol=1e-5), metric
    assert model.info["dataset"]["seed"] == mrilab.data.DEFAULTS["seed"]
