"""The shipped checkpoints load and reproduce the test metrics recorded in them."""

from pathlib import Path

import numpy as np
import pytest

import mrilab
from mrilab.data import DEFAULT_PATHS
from mrilab.registry import WEIGHT_SETS, weights_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=sorted(WEIGHT_SETS))
def weight_set(request):
    """Each weight set with the test split of the dataset it was trained on (default seed)."""
    preset = request.param
    path = mrilab.ensure_dataset(ROOT / DEFAULT_PATHS[preset], preset=preset)
    return preset, mrilab.load_dataset(path, "test")


@pytest.mark.parametrize("name, cls", [("kspace_unet", "KSpaceUNet"), ("cascade", "Cascade")])
def test_shipped_weights_reproduce_their_metrics(weight_set, name, cls):
    preset, test = weight_set
    path = weights_path(name, preset)
    assert path.stat().st_size < 5 * 2 ** 20, "shipped weights stay small"
    model = mrilab.load_model(path, expected=cls)
    pred = mrilab.reconstruct(name, test.kspace_undersampled, test.masks, weights=preset)
    scores = mrilab.evaluate(test.phantoms, pred)
    for metric in ("psnr", "ssim", "rmse"):
        assert np.isclose(scores[metric].mean(), model.metrics[f"test_{metric}"], rtol=1e-4, atol=1e-5), metric
    dataset = model.info["dataset"]
    assert dataset["seed"] == mrilab.data.DEFAULTS["seed"]
    assert dataset.get("preset", "seed") == preset  # trained on the data of its own set
