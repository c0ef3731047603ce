"""Part VII: the same images under other protocols, mixed-protocol training samples, and
tv_cs's parameters per acceleration."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import mrilab
from mrilab.data import generate, remeasure
from mrilab.multicoil.calibration import acs_block
from mrilab.registry import WEIGHT_SETS, reconstruct, tuned_for_acceleration, weights_path
from mrilab.sampling import acs_columns, effective_acceleration
from mrilab.train.unrolled import MulticoilBands, NoisyBands


@pytest.fixture(scope="module")
def realistic():
    return generate(12, 0, preset="realistic", size=64, seed=3)["train"]


@pytest.fixture(scope="module")
def multicoil():
    return generate(3, 0, preset="multicoil", size=64, seed=5)["train"]


@pytest.mark.parametrize("r", [3, 6, 8])
def test_remeasure_keeps_the_images_and_draws_masks_and_noise_of_the_protocol(realistic, r):
    out = remeasure(realistic, r, 0.02, seed=1)
    np.testing.assert_array_equal(out.phantoms, realistic.phantoms)
    np.testing.assert_array_equal(out.kspace_full, realistic.kspace_full)
    assert effective_acceleration(out.masks) == pytest.approx(64 / round(64 / r))
    assert not np.array_equal(out.masks[0], out.masks[1])  # a fresh random mask per image
    noise = (out.kspace_undersampled - realistic.kspace_full)[out.masks]
    assert np.std(noise.real) == pytest.approx(0.02, rel=0.05)
    assert np.all(out.kspace_undersampled[~out.masks] == 0)
    assert out.attrs["acceleration"] == r and out.attrs["noise_std"] == 0.02
    # the masks do not depend on the noise level, and noise 0 measures the k-space exactly
    clean = remeasure(realistic, r, 0.0, seed=1)
    np.testing.assert_array_equal(clean.masks, out.masks)
    np.testing.assert_allclose(clean.kspace_undersampled, realistic.kspace_full * clean.masks, atol=1e-6)
    assert not np.array_equal(remeasure(realistic, r, 0.0, seed=2).masks, clean.masks)


def test_remeasure_with_coils_and_bad_noise(multicoil):
    out = remeasure(multicoil, 6, 0.01, seed=0)
    assert out.kspace_undersampled.shape == multicoil.kspace_full.shape
    assert out.attrs["pattern"] == "regular"
    cols = np.flatnonzero(out.masks[0, 0])
    assert np.all(((cols - 32) % 6 == 0) | np.isin(cols, acs_columns(64, 0.08)))  # every 6th column and the ACS
    assert np.all(out.kspace_undersampled[:, :, ~out.masks[0]] == 0)
    with pytest.raises(ValueError, match="noise_std must be a number >= 0"):
        remeasure(multicoil, 4, -0.1)


def test_mixed_protocol_bands_draw_a_fresh_mask_of_every_acceleration(realistic):
    bands = NoisyBands(realistic, band=64, noise_range=(0.0, 0.0), accelerations=(3, 8), seed=2)
    rs = [64 / bands[i][1][0].sum().item() for i in range(len(bands))]
    assert min(rs) >= 64 / round(64 / 3) - 1e-9 and max(rs) <= 64 / round(64 / 8) + 1e-9
    assert max(rs) - min(rs) > 2  # the accelerations spread over the range
    again = NoisyBands(realistic, band=64, noise_range=(0.0, 0.0), accelerations=(3, 8), seed=2)
    np.testing.assert_array_equal(again[5][1].numpy(), bands[5][1].numpy())  # reproducible
    # without accelerations the stored masks are used, as before
    fixed = NoisyBands(realistic, band=64, noise_range=(0.0, 0.0))
    np.testing.assert_array_equal(fixed[4][1].numpy(), realistic.masks[4])
    # the k-space of a band is the reference's, under the drawn mask
    k, m, target = bands[1]
    scale = np.abs(mrilab.ifft2c(realistic.kspace_full[1] * m.numpy())).max()
    np.testing.assert_allclose(k.numpy() * scale, realistic.kspace_full[1] * m.numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="accelerations must be"):
        NoisyBands(realistic, accelerations=(8, 3))


def test_multicoil_bands_draw_regular_masks_of_integer_accelerations(multicoil):
    maps = multicoil.maps
    bands = MulticoilBands(multicoil, maps, band=64, accelerations=(3, 8), lattice_offsets=True, seed=1)
    seen = set()
    for epoch in range(6):
        bands.set_epoch(epoch)
        for i in range(len(bands)):
            m = bands[i][1].numpy()[0]
            outer = np.flatnonzero(m & ~np.isin(np.arange(64), acs_block(np.broadcast_to(m, (64, 64)))))
            step = int(np.gcd.reduce(np.diff(outer)))
            assert 3 <= step <= 8
            seen.add(step)
    assert len(seen) >= 3


def test_tv_cs_parameters_per_acceleration():
    table = {4.0: {0.0: dict(lam=1e-3, n_iter=200, tau=20.0), 0.02: dict(lam=1e-2, n_iter=200, tau=20.0)},
             8.0: {0.0: dict(lam=4e-3, n_iter=200, tau=20.0), 0.02: dict(lam=4e-2, n_iter=200, tau=20.0)}}
    assert tuned_for_acceleration(table, 4, 0.0)["lam"] == 1e-3
    assert tuned_for_acceleration(table, 6, 0.0)["lam"] == pytest.approx(2e-3)  # halfway in log(lam)
    assert tuned_for_acceleration(table, 12, 0.02)["lam"] == 4e-2  # the nearest tabulated R
    assert tuned_for_acceleration(table, 2, 0.01)["lam"] == pytest.approx(np.sqrt(1e-3 * 1e-2))
    with pytest.raises(ValueError, match="acceleration must be a number >= 1"):
        tuned_for_acceleration(table, 0.5, 0.0)
    # every tabulated row is a complete parameter set of tv_cs
    for rows in mrilab.tv.TV_CS_BY_ACCELERATION.values():
        for p in rows.values():
            assert set(p) == {"lam", "n_iter", "tau"}


def test_registry_takes_the_acceleration(realistic):
    t = remeasure(realistic, 6, 0.01, seed=0)
    y, m = t.kspace_undersampled[:2], t.masks[:2]
    p = tuned_for_acceleration(mrilab.tv.TV_CS_BY_ACCELERATION, 6, 0.01)
    ours = reconstruct("tv_cs", y, m, noise_std=0.01, acceleration=6)
    direct = np.abs(mrilab.tv_cs(y, m, p["lam"], n_iter=p["n_iter"], tau=p["tau"]))
    np.testing.assert_allclose(ours, direct, atol=1e-6)
    with pytest.raises(ValueError, match="give noise_std= too"):
        reconstruct("tv_cs", y, m, acceleration=6)


def test_robust_weight_set_and_its_training_command():
    assert weights_path("unrolled", "robust").name == "unrolled_robust.pt"
    assert weights_path("unrolled_multicoil", "robust").name == "unrolled_multicoil_robust.pt"
    assert set(WEIGHT_SETS["robust"]) == {"unrolled", "unrolled_multicoil"}
    from mrilab.train.__main__ import build_parser

    args = build_parser().parse_args(["unrolled-robust"])
    assert list(args.accelerations) == [3.0, 8.0] and args.noise_max == 0.03 and args.init is None
    # the multi-coil one starts from chapter 16's weights (a curriculum from R = 4 outwards)
    args = build_parser().parse_args(["unrolled-multicoil-robust"])
    assert list(args.accelerations) == [3.0, 8.0] and args.noise_max == 0.03
    assert args.init == "weights/unrolled_multicoil.pt" and args.epochs == 80 and not args.fixed_lattice
    args = build_parser().parse_args(["unrolled"])
    assert args.accelerations is None and args.noise_max == 0.02
    args = build_parser().parse_args(["unrolled-multicoil", "--accelerations", "4", "6"])
    assert args.accelerations == [4.0, 6.0]


def test_sense_tv_takes_the_acceleration(multicoil):
    from mrilab.multicoil import SENSE_TV_BY_ACCELERATION, cg_sense_tv

    t = remeasure(multicoil, 6, 0.01, seed=0)
    y, m, s = t.kspace_undersampled[:1], t.masks[:1], t.maps[:1]
    p = tuned_for_acceleration({r: {0.0: q} for r, q in SENSE_TV_BY_ACCELERATION.items()}, 6, 0.0)
    ours = reconstruct("cg_sense_tv", y, m, maps=s, acceleration=6)
    direct = np.abs(cg_sense_tv(y[0], m[0], s[0], p["lam"], n_iter=p["n_iter"], tau=p["tau"]))
    np.testing.assert_allclose(ours[0], direct, atol=1e-5)
    # an explicit weight wins over the table
    given = reconstruct("cg_sense_tv", y, m, maps=s, acceleration=6, lam=0.05)
    np.testing.assert_allclose(given[0], np.abs(cg_sense_tv(y[0], m[0], s[0], 0.05, n_iter=p["n_iter"],
                                                            tau=p["tau"])), atol=1e-5)


def test_a_warm_start_needs_the_same_architecture(tmp_path):
    """--init loads a checkpoint of the same network; another architecture is a clear error."""
    import torch

    from mrilab.models import UnrolledMulticoil
    from mrilab.train import save_checkpoint
    from mrilab.train.__main__ import _warm_start

    start = UnrolledMulticoil(iterations=2, chans=4, layers=3)
    with torch.no_grad():
        for p in start.parameters():
            p.add_(0.1)
    path = save_checkpoint(start, tmp_path / "start.pt")
    model = UnrolledMulticoil(iterations=2, chans=4, layers=3)
    _warm_start(model, str(path))
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), start.state_dict().values()))
    with pytest.raises(ValueError, match="another architecture"):
        _warm_start(UnrolledMulticoil(iterations=3, chans=4, layers=3), str(path))


def test_denoisers_start_from_another_unrolled_network(tmp_path):
    """--init-denoiser copies a shared denoiser into each separate one, across data steps and coil models;
    the data weights keep their initial value, and a denoiser of another size is a clear error."""
    import torch

    from mrilab.models import Unrolled, UnrolledMulticoil
    from mrilab.train import save_checkpoint
    from mrilab.train.__main__ import _init_denoisers

    start = Unrolled(iterations=2, chans=4, layers=3)
    with torch.no_grad():
        for p in start.parameters():
            p.add_(0.1)
    path = save_checkpoint(start, tmp_path / "one_coil.pt")
    for model in (Unrolled(iterations=3, chans=4, layers=3, shared=False),
                  UnrolledMulticoil(iterations=3, chans=4, layers=3)):
        before = [w for w in (model.dc_weights() if hasattr(model, "dc_weights") else model.log_weights.tolist())]
        _init_denoisers(model, str(path))
        for denoiser in model.denoisers:
            assert all(torch.equal(a, b) for a, b in zip(denoiser.state_dict().values(),
                                                         start.denoisers[0].state_dict().values()))
        after = model.dc_weights() if hasattr(model, "dc_weights") else model.log_weights.tolist()
        assert after == before
    with pytest.raises(ValueError, match="--chans and --layers"):
        _init_denoisers(Unrolled(iterations=2, chans=8, layers=3), str(path))
    separate = save_checkpoint(Unrolled(iterations=2, chans=4, layers=3, shared=False), tmp_path / "two.pt")
    with pytest.raises(ValueError, match="denoiser"):
        _init_denoisers(Unrolled(iterations=3, chans=4, layers=3, shared=False), str(separate))


def test_a_warm_start_may_untie_a_shared_denoiser(tmp_path):
    """--init from a shared network into --separate: the untied network computes what the shared one did."""
    import torch

    from mrilab.models import Unrolled
    from mrilab.train import save_checkpoint
    from mrilab.train.__main__ import _warm_start

    torch.manual_seed(0)
    start = Unrolled(iterations=3, chans=4, layers=3)
    with torch.no_grad():
        for p in start.parameters():
            p.add_(0.05 * torch.randn_like(p))
    path = save_checkpoint(start, tmp_path / "shared.pt")
    untied = Unrolled(iterations=3, chans=4, layers=3, shared=False)
    _warm_start(untied, str(path))
    k = torch.randn(2, 16, 16, dtype=torch.complex64)
    m = torch.rand(16) < 0.5
    torch.testing.assert_close(untied.reconstruct(k, m.expand(2, 16, 16)), start.reconstruct(k, m.expand(2, 16, 16)))
    assert untied.dc_weights() == start.dc_weights()
    with pytest.raises(ValueError, match="another architecture"):  # untying goes one way only
        _warm_start(Unrolled(iterations=3, chans=4, layers=3), str(save_checkpoint(untied, tmp_path / "sep.pt")))


def test_remeasure_with_given_masks_keeps_them_and_draws_the_same_noise(realistic):
    from mrilab.sampling import poisson_disc_mask

    plane = poisson_disc_mask(realistic.kspace_full.shape[-2:], 6, seed=0, calib=8)
    t = remeasure(realistic, 6, 0.01, masks=plane, seed=4)
    assert (t.masks == plane).all() and t.masks.shape == realistic.kspace_full.shape
    drawn = remeasure(realistic, 6, 0.01, seed=4)
    same = drawn.masks & t.masks    # where both measured, the same noise was added
    np.testing.assert_allclose(t.kspace_undersampled[same], drawn.kspace_undersampled[same])
    assert not t.kspace_undersampled[~t.masks].any()
    with pytest.raises(ValueError, match="masks must be a bool array"):
        remeasure(realistic, 6, 0.01, masks=plane[:10])
