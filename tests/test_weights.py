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


CLASSES = {"kspace_unet": "KSpaceUNet", "cascade": "Cascade", "unrolled": "Unrolled",
           "unrolled_multicoil": "UnrolledMulticoil"}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_shipped_weights_reproduce_their_metrics(weight_set, name):
    preset, test = weight_set
    if name not in WEIGHT_SETS[preset]:
        pytest.skip(f"the {preset} weight set has no {name}")
    cls = CLASSES[name]
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


def test_the_ablations_are_shipped_and_differ_from_the_reference_in_one_setting():
    from mrilab.registry import ablation_path
    from mrilab.train.unrolled import ABLATION_EPOCHS, ABLATIONS

    reference = mrilab.load_model(ablation_path("k5"), expected="Unrolled")
    for name, args in ABLATIONS.items():
        path = ablation_path(name)
        assert path.stat().st_size < 2 ** 20
        model = mrilab.load_model(path, expected="Unrolled")
        assert model.info["epochs"] == ABLATION_EPOCHS and model.info["dataset"]["preset"] == "realistic"
        changed = {k for k in model.config if model.config[k] != reference.config[k]}
        changed |= {k for k in ("seed", "noise_range", "loss", "band") if model.info[k] != reference.info[k]}
        assert len(changed) == (0 if name == "k5" else 1), (name, changed)
