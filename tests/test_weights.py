"""The shipped checkpoints load and reproduce the test metrics recorded in them."""

from pathlib import Path

import numpy as np
import pytest

import mrilab
from mrilab.data import DEFAULT_PATHS
from mrilab.registry import WEIGHT_SETS, weights_path

ROOT = Path(__file__).resolve().parents[1]


CLASSES = {"kspace_unet": "KSpaceUNet", "cascade": "Cascade", "unrolled": "Unrolled",
           "unrolled_multicoil": "UnrolledMulticoil", "denoiser": "NoiseLevelDenoiser", "unrolled_nufft": "UnrolledNUFFT"}
# the network for movies is scored on cine movies: tests/test_unrolled_dynamic.py reproduces its metrics
# and the score model of posterior sampling in tests/test_posterior.py
SHIPPED = [(weight_set, name) for weight_set in sorted(WEIGHT_SETS) for name in sorted(WEIGHT_SETS[weight_set])
           if weight_set != "dynamic" and name != "score"]
_SPLITS = {}


def _test_split(preset):
    """The test split of a preset's default dataset (made once)."""
    if preset not in _SPLITS:
        path = mrilab.ensure_dataset(ROOT / DEFAULT_PATHS[preset], preset=preset)
        _SPLITS[preset] = mrilab.load_dataset(path, "test")
    return _SPLITS[preset]


@pytest.mark.parametrize("weight_set, name", SHIPPED)
def test_shipped_weights_reproduce_their_metrics(weight_set, name):
    path = weights_path(name, weight_set)
    assert path.stat().st_size < 5 * 2 ** 20, "shipped weights stay small"
    model = mrilab.load_model(path, expected=CLASSES[name])
    dataset = model.info["dataset"]
    preset = dataset.get("preset", "seed")
    # scored on the data of its own set (the robust network and the randomized denoiser: on the realistic
    # data; the randomized denoiser was trained on randomized objects drawn in memory)
    coils = "multicoil" if name == "unrolled_multicoil" else "realistic"
    expected = {"robust": coils, "randomized": "realistic", "self_supervised": coils, "varied": "realistic"}
    assert preset == expected.get(weight_set, weight_set)
    if weight_set == "robust":  # mixed accelerations; the multi-coil one started from chapter 16's weights
        assert model.info["accelerations"] == [3.0, 8.0]
        if name == "unrolled_multicoil":
            assert Path(model.info["init"]).name == "unrolled_multicoil.pt"
    if weight_set == "randomized":
        assert model.info["family"] == "randomized"
    if weight_set == "varied":  # the robust recipe with a scanner's variation drawn per sample (chapter 24)
        from mrilab.train.recipes import UNROLLED_VARIED

        assert model.info["accelerations"] == [3.0, 8.0] and model.info["noise_range"] == list(UNROLLED_VARIED["noise"])
        from mrilab.train.variation import ScannerVariation

        assert model.info["variation"] == ScannerVariation(**UNROLLED_VARIED["variation"]).record()
    if weight_set == "self_supervised":  # trained on the measurements alone, with the k-space loss
        assert model.info["loss"] == "kspace" and 0 < model.info["split_ratio"] < 1
        if name == "unrolled_multicoil":  # its denoiser started from the single-coil SSDU network's, no reference
            assert Path(model.info["init_denoiser"]).name == "unrolled_ssdu.pt"
            assert mrilab.load_model(weights_path("unrolled", "self_supervised")).info["loss"] == "kspace"
    if weight_set == "robust":  # a denoiser per iteration (chapter 21)
        assert not model.config["shared"]
    assert dataset["seed"] == mrilab.data.DEFAULTS["seed"]
    test = _test_split(preset)
    if name == "unrolled_nufft":  # scored on the first spokes of the radial test split, fewest first
        n = min(model.info["spokes"])
        traj = test.trajectory[:n]
        pred = mrilab.reconstruct(name, test.kdata[..., :n * traj.shape[1]], traj, shape=test.phantoms.shape[1:],
                                  weights=weight_set)
        if weight_set == "radial_multicoil":  # started from the single-coil network
            assert Path(model.info["init"]).name == "unrolled_nufft.pt"
    elif name == "denoiser":  # its test metrics are plug-and-play's with the registry's schedule
        pred = mrilab.reconstruct("pnp", test.kspace_undersampled, test.masks, weights=weight_set,
                                  noise_std=float(test.attrs["noise_std"]))
    else:
        pred = mrilab.reconstruct(name, test.kspace_undersampled, test.masks, weights=weight_set)
    scores = mrilab.evaluate(test.phantoms, pred)
    for metric in ("psnr", "ssim", "rmse"):
        assert np.isclose(scores[metric].mean(), model.metrics[f"test_{metric}"], rtol=1e-4, atol=1e-5), metric


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


def test_chapter_23s_ablations_are_shipped_with_their_options():
    from mrilab.registry import ablation_path
    from mrilab.train.recipes import UNROLLED_SSDU
    from mrilab.train.unrolled import SELF_SUPERVISION_ABLATIONS

    for name, (command, args, epochs) in SELF_SUPERVISION_ABLATIONS.items():
        path = ablation_path(name)
        assert path.stat().st_size < 2 ** 20
        multicoil = "--multicoil" in args
        info = mrilab.load_model(path, expected="UnrolledMulticoil" if multicoil else "Unrolled").info
        pairs = [a for a in args if a != "--multicoil"]
        options = dict(zip(pairs[::2], pairs[1::2]))
        assert info["dataset"]["preset"] == ("multicoil" if multicoil else "realistic"), name
        if "--lr" in options:
            assert info["lr"] == float(options["--lr"]), name
        if options.get("--init-denoiser") == "none":
            assert info.get("init_denoiser") is None, name
        assert info["network"] == command and info["epochs"] == epochs, name
        assert info.get("unsampled_edge", 0) == int(options.get("--unsampled-edge", 0)), name
        if command == "unrolled-ssdu":
            assert info["loss"] == "kspace", name
            assert info["split_ratio"] == float(options.get("--split-ratio", UNROLLED_SSDU["split_ratio"])), name


def test_chapter_21s_capacity_ablations_differ_from_the_shipped_networks_in_the_sharing_only():
    from mrilab.registry import ablation_path
    from mrilab.train.unrolled import PROTOCOL_ABLATIONS

    shipped = {"unrolled-robust": "robust", "unrolled": "realistic"}
    for name, (command, args, epochs) in PROTOCOL_ABLATIONS.items():
        path = ablation_path(name)
        assert path.stat().st_size < 2 ** 20
        model = mrilab.load_model(path, expected="Unrolled")
        reference = mrilab.load_model(weights_path("unrolled", shipped[command]), expected="Unrolled")
        assert model.info["network"] == command and model.info["epochs"] == epochs, name
        assert model.config == {**reference.config, "shared": not reference.config["shared"]}, name
        assert model.config["shared"] == ("--shared" in args), name
        for key in ("accelerations", "noise_range", "loss", "seed", "band", "lr", "batch_size"):
            assert model.info.get(key) == reference.info.get(key), (name, key)
