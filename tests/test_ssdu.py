"""Part VII: self-supervised training from undersampled data only (SSDU, mrilab.train.ssdu)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mrilab.data import generate
from mrilab.fourier import fft2c, ifft2c
from mrilab.models import Unrolled, UnrolledMulticoil
from mrilab.multicoil import estimate_maps
from mrilab.multicoil.calibration import acs_block
from mrilab.train.ssdu import KSpaceObjective, SelfSupervisedBands, kspace_loss, split_columns, without_edges
from mrilab.train.unrolled import fit_unrolled
from mrilab.train.zeroshot import zero_shot


@pytest.fixture(scope="module")
def realistic():
    return generate(8, 0, preset="realistic", size=64, seed=3)["train"]


def measured_only(split):
    """What a scanner gives: the undersampled k-space and the masks, nothing else."""
    return SimpleNamespace(kspace_undersampled=split.kspace_undersampled, masks=split.masks)


@pytest.mark.parametrize("rho", [0.2, 0.4, 0.6])
def test_split_columns_partitions_the_measured_columns_and_keeps_the_acs(realistic, rho):
    mask = realistic.masks[0]
    theta, lam = split_columns(mask, rho, np.random.default_rng(0))
    assert not (theta & lam).any() and np.array_equal(theta | lam, mask)
    assert (theta == theta[:1]).all() and (lam == lam[:1]).all()          # whole columns
    assert theta[0, acs_block(mask)].all()                                # the ACS stays with the input
    n_acs, n = len(acs_block(mask)), mask[0].sum()
    assert lam[0].sum() == min(n - n_acs, round(rho * n))
    other, _ = split_columns(mask, rho, np.random.default_rng(1))
    assert not np.array_equal(other, theta)                               # another draw, another split


def test_samples_come_from_the_measurements_alone(realistic):
    data = SelfSupervisedBands(measured_only(realistic), band=64, split_ratio=0.4, seed=1)
    k, theta, lam, target = data[2]
    y = torch.from_numpy(realistic.kspace_undersampled[2].astype(np.complex64))
    scale = ifft2c(y * theta).abs().max()
    # the input is the measurements on Theta, the target the measurements on Lambda, both scaled
    torch.testing.assert_close(k, y * theta / scale, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.view_as_complex(target), y * lam / scale, atol=1e-5, rtol=1e-4)
    assert not (k[lam] != 0).any() and torch.count_nonzero(target) > 0
    # a band of rows: zero on the unmeasured columns, the same split for the same epoch
    band = SelfSupervisedBands(measured_only(realistic), band=16, split_ratio=0.4, seed=1)
    kb, tb, lb, _ = band[2]
    assert kb.shape == (16, 64) and not (kb[:, ~torch.from_numpy(realistic.masks[2][0])] != 0).any()
    torch.testing.assert_close(band[2][0], kb)
    band.set_epoch(1)
    assert not torch.equal(band[2][2], lb)
    with pytest.raises(ValueError, match="split_ratio must be between 0 and 1"):
        SelfSupervisedBands(measured_only(realistic), split_ratio=1.0)


def test_the_objective_predicts_the_held_out_kspace_and_the_loss_measures_it(realistic):
    model = Unrolled(iterations=2, chans=4, layers=3)
    data = SelfSupervisedBands(measured_only(realistic), band=32, split_ratio=0.4)
    k, theta, lam, target = (torch.stack(t) for t in zip(data[0], data[1]))
    out = KSpaceObjective(model)(k, theta, lam)
    assert out.shape == target.shape == (2, 32, 64, 2)
    assert not (torch.view_as_complex(out)[~lam] != 0).any()
    assert kspace_loss(target, target) == 0
    assert kspace_loss(out, target) > 0 and kspace_loss(torch.zeros_like(target), target) == pytest.approx(2.0)


def test_ssdu_training_lowers_the_held_out_loss(realistic):
    torch.manual_seed(0)
    model = Unrolled(iterations=2, chans=8, layers=3)
    data = SelfSupervisedBands(measured_only(realistic), band=32, split_ratio=0.4)
    objective = KSpaceObjective(model)

    def held_out_loss():  # on fixed splits of every scan (epoch 99 is never trained on)
        data.set_epoch(99)
        with torch.no_grad():
            k, theta, lam, target = (torch.stack(t) for t in zip(*(data[i] for i in range(len(data)))))
            return float(kspace_loss(objective(k, theta, lam), target))

    before = held_out_loss()
    fit_unrolled(objective, data, None, epochs=150, batch_size=2, lr=1e-2, loss="kspace", progress=False)
    assert held_out_loss() < 0.9 * before


def test_zero_shot_fits_one_scan_and_stops_on_its_validation_columns(realistic):
    y, mask, ref = realistic.kspace_undersampled[0], realistic.masks[0], realistic.phantoms[0]
    image, info = zero_shot(y, mask, model_config=dict(iterations=2, chans=8, layers=3), max_steps=60,
                            check_every=5, patience=100, lr=1e-2, splits_per_step=2, seed=0)
    assert image.shape == mask.shape and np.isfinite(image).all()
    assert len(info["val_loss"]) == len(info["train_loss"]) == 1 + info["steps"] // 5 == 13
    # the weights kept are those of the best validation check (the first is the start), and
    # training lowered that loss
    assert info["best_step"] == 5 * int(np.argmin(info["val_loss"]))
    assert min(info["val_loss"]) < 0.9 * info["val_loss"][0]
    # the image is the kept network's reconstruction from all of Omega
    with torch.no_grad():
        again = info["model"].reconstruct(torch.from_numpy(y[None].astype(np.complex64)), torch.from_numpy(mask[None]))
    np.testing.assert_allclose(image, again[0].numpy(), rtol=1e-5, atol=1e-6)
    # patience stops early; the model given as init is not changed
    init = Unrolled(iterations=2, chans=8, layers=3)
    before = [p.clone() for p in init.parameters()]
    _, short = zero_shot(y, mask, init=init, max_steps=200, check_every=2, patience=1, lr=0.5, seed=0)
    assert short["steps"] < 200
    assert all(torch.equal(a, b) for a, b in zip(before, init.parameters()))
    with pytest.raises(ValueError, match="validation_ratio must be between 0 and 1"):
        zero_shot(y, mask, validation_ratio=0)
    with pytest.raises(ValueError, match="single-coil scan"):
        zero_shot(y[None], mask)


def test_multicoil_samples_and_objective():
    mc = generate(2, 0, preset="multicoil", size=64, n_coils=4, seed=5)["train"]
    maps = estimate_maps(mc.kspace_undersampled, mc.masks)
    data = SelfSupervisedBands(measured_only(mc), band=64, split_ratio=0.4, maps=maps)   # whole images
    k, theta, m, lam, target = data[0]
    assert k.shape == (4, 64, 64) and m.shape == (4, 64, 64) and target.shape == (4, 64, 64, 2)
    tc = torch.view_as_complex(target)
    assert not (tc[:, ~lam] != 0).any() and not (k[:, lam] != 0).any() and torch.count_nonzero(tc) > 0
    y = torch.from_numpy(mc.kspace_undersampled[0].astype(np.complex64))
    full = y * lam                                       # the measurements on Lambda, unscaled
    ratio = full[tc != 0] / tc[tc != 0]
    torch.testing.assert_close(ratio, ratio[:1].expand_as(ratio), atol=1e-3, rtol=1e-3)   # one scale
    model = UnrolledMulticoil(iterations=1, chans=4, layers=3, cg_iterations=2)
    out = KSpaceObjective(model)(k[None], theta[None], m[None], lam[None])
    assert out.shape == (1, 4, 64, 64, 2)
    with pytest.raises(ValueError, match="maps must have the shape"):
        SelfSupervisedBands(measured_only(mc), maps=maps[:, :2])


def test_without_edges_removes_the_outer_columns_from_masks_and_measurements(realistic):
    cut = without_edges(realistic, 8)
    assert not cut.masks[..., :8].any() and not cut.masks[..., -8:].any()
    assert np.array_equal(cut.masks[..., 8:-8], realistic.masks[..., 8:-8])
    assert not cut.kspace_undersampled[..., :8].any() and not cut.kspace_undersampled[..., -8:].any()
    assert np.array_equal(cut.kspace_undersampled[..., 8:-8], realistic.kspace_undersampled[..., 8:-8])
    assert cut.phantoms is realistic.phantoms and realistic.masks[..., :8].any()   # the original is kept
    with pytest.raises(ValueError, match="columns never sampled at each edge"):
        without_edges(realistic, 32)


def test_the_multicoil_command_takes_its_recipe_and_starts_its_denoiser_from_another_network(tmp_path):
    """`unrolled-ssdu --multicoil`: the multi-coil recipe's defaults where none are given, an explicit option
    wins, and --init-denoiser starts the denoiser from a single-coil network (recorded in the checkpoint)."""
    from mrilab.data import make_dataset
    from mrilab.train import load_model, save_checkpoint
    from mrilab.train.__main__ import UNROLLED_MULTICOIL_SSDU, build_parser, main

    args = build_parser().parse_args(["unrolled-ssdu", "--multicoil"])
    assert (args.lr, args.epochs, args.batch_size, args.init_denoiser) == (None, None, None, None)  # resolved later
    start = Unrolled(iterations=2, chans=4, layers=3)
    with torch.no_grad():
        for p in start.parameters():
            p.add_(0.01)
    init = save_checkpoint(start, tmp_path / "one_coil.pt")
    path = make_dataset(tmp_path / "mc.h5", n_train=6, n_test=2, preset="multicoil", size=64, n_coils=2)
    out = tmp_path / "net.pt"
    assert main(["unrolled-ssdu", "--multicoil", "--data", str(path), "--out", str(out), "--epochs", "1",
                 "--batch-size", "2", "--n-val", "2", "--iterations", "2", "--chans", "4", "--layers", "3",
                 "--band", "16", "--init-denoiser", str(init)]) == 0
    info = load_model(out, expected="UnrolledMulticoil").info
    assert info["lr"] == UNROLLED_MULTICOIL_SSDU["lr"] and info["batch_size"] == 2
    assert info["init_denoiser"] == str(init) and info["loss"] == "kspace"
