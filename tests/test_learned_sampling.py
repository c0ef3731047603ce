"""Issue 33's learned sampling: LOUPE's mask, the greedy search, their training, the shipped masks."""

from pathlib import Path

import numpy as np
import pytest
import torch

import mrilab
from mrilab.models import Unrolled
from mrilab.models.checkpoint import save_checkpoint
from mrilab.sampling import LoupeMask, greedy_columns, variable_density_mask
from mrilab.fourier import fft2c, ifft2c
from mrilab.train.sampling import (KINDS, ProxyScore, WholeImageBands, choose_variable_density, relaxed_forward,
                                   sampling_checkpoint_name, train_sampling, variable_density_sampler)
from mrilab.train.recipes import SAMPLING
from mrilab.train.unrolled import NoisyBands

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    path = tmp_path_factory.mktemp("realistic") / "tiny.h5"
    return mrilab.make_dataset(path, n_train=8, n_test=2, size=32, seed=5, preset="realistic")


# ---------------------------------------------------------------- LOUPE's mask
@pytest.mark.parametrize("R", [2, 4, 8])
def test_loupe_probabilities_add_up_to_the_budget_and_the_mask_is_exact(R):
    for seed in range(3):
        loupe = LoupeMask(128, R, seed=seed)
        with torch.no_grad():   # both branches of the rescaling: a mean above and below 1 / R
            for shift in (-2.0, 2.0):
                loupe.logits.add_(shift)
                p = loupe.probabilities()
                assert torch.isclose(p.mean(), torch.tensor(1 / R), atol=1e-6)
                assert p.min() >= 0 and p.max() <= 1
        assert loupe.columns().sum() == round(128 / R)
        m = loupe.mask(16)
        assert m.shape == (16, 128) and (m == m[0]).all() and m.dtype == bool


def test_loupe_exact_mask_keeps_the_most_probable_columns_and_samples_reach_the_logits():
    loupe = LoupeMask(32, 4, seed=0)
    with torch.no_grad():
        loupe.logits.copy_(torch.linspace(-1, 1, 32))
    assert np.array_equal(np.flatnonzero(loupe.columns()), np.arange(24, 32))
    s = loupe.sample(64, generator=torch.Generator().manual_seed(0))
    assert s.shape == (64, 32) and 0 <= float(s.detach().min()) and float(s.detach().max()) <= 1
    # the mean of the relaxed samples follows the probabilities (nearly binary samples)
    big = loupe.sample(4000, generator=torch.Generator().manual_seed(1)).detach()
    assert torch.allclose(big.mean(0), loupe.probabilities().detach(), atol=0.04)
    s.sum().backward()
    assert loupe.logits.grad is not None and loupe.logits.grad.abs().sum() > 0


def test_loupe_errors_name_the_parameter():
    with pytest.raises(ValueError, match="acceleration must be a number > 1"):
        LoupeMask(64, 1)
    with pytest.raises(ValueError, match="acceleration must be a number > 1"):
        LoupeMask(64, "4")
    with pytest.raises(ValueError, match="width must be an integer >= 2"):
        LoupeMask(1, 4)
    with pytest.raises(ValueError, match="sample_slope must be a positive number"):
        LoupeMask(64, 4, sample_slope=0)


# ---------------------------------------------------------------- greedy search
def test_greedy_picks_the_best_columns_in_order_and_its_masks_are_nested():
    value = np.random.default_rng(0).random(40)
    order, scores = greedy_columns(lambda cols: float(value[cols].sum()), 40, 10)
    assert np.array_equal(order, np.argsort(-value)[:10])
    assert np.all(np.diff(scores) > 0) and np.isclose(scores[-1], np.sort(value)[-10:].sum())
    # from a start, and with a few random candidates per step: still distinct columns, the start first
    order2, _ = greedy_columns(lambda cols: float(value[cols].sum()), 40, 12, start=[0, 1], candidates=5, rng=1)
    assert list(order2[:2]) == [0, 1] and len(set(order2)) == 12


def test_greedy_with_random_candidates_is_reproducible_and_refuses_a_nan_score():
    value = np.random.default_rng(3).random(30)
    runs = [greedy_columns(lambda cols: float(value[cols].sum()), 30, 8, candidates=4, rng=7)[0] for _ in range(2)]
    assert np.array_equal(*runs)
    with pytest.raises(ValueError, match="score returned nan for the columns"):
        greedy_columns(lambda cols: float("nan"), 10, 2)


def test_greedy_interactions_are_seen_and_errors_name_the_parameter():
    # a score that rewards a pair: greedy adds the partner that completes it
    def score(cols):
        return float(cols[3] and cols[7]) * 10 + float(cols.sum()) * 0.1 - float(cols[5])

    order, _ = greedy_columns(score, 10, 2, start=[3])
    assert order[1] == 7
    with pytest.raises(ValueError, match="n_columns must be an integer between"):
        greedy_columns(score, 10, 11)
    with pytest.raises(ValueError, match="start must hold distinct columns"):
        greedy_columns(score, 10, 4, start=[1, 1])
    with pytest.raises(ValueError, match="candidates must be a positive integer"):
        greedy_columns(score, 10, 4, candidates=0)


# ---------------------------------------------------------------- relaxed network, bands, proxy
@pytest.mark.parametrize("dc", ["soft", "hard", "gradient"])
def test_relaxed_forward_is_the_network_for_a_binary_mask(dc, realistic):
    split = mrilab.load_dataset(realistic, "train")
    torch.manual_seed(0)
    net = Unrolled(iterations=2, chans=4, layers=3, dc=dc)
    for p in net.parameters():   # the denoiser's last layer starts at zero: make it act
        p.data.add_(0.05 * torch.randn_like(p))
    k = torch.from_numpy(split.kspace_full[:3]).to(torch.complex64)
    m = torch.from_numpy(split.masks[:3])
    with torch.no_grad():
        a = net.forward(k * m, m)
        b = relaxed_forward(net, k, m[:, 0, :].float())
    assert torch.allclose(a, b, atol=1e-5)
    w = m[:, 0, :].float().clone().requires_grad_(True)
    relaxed_forward(net, k, w).sum().backward()
    assert w.grad.abs().sum() > 0


def test_bands_take_one_mask_or_a_sampler_and_refuse_both(realistic):
    split = mrilab.load_dataset(realistic, "train")
    shape = split.kspace_full.shape[-2:]
    cols = np.zeros(shape, dtype=bool)
    cols[:, [0, 5, 16]] = True
    fixed = NoisyBands(split, band=8, mask=cols)
    assert all(np.array_equal(fixed[i][1].numpy(), cols[:8]) for i in range(3))
    drawn = NoisyBands(split, band=8, mask_sampler=variable_density_sampler(shape, 4, 0.08, 2))
    masks = [drawn[i][1].numpy() for i in range(len(drawn))]
    assert all(m[0].sum() == 8 for m in masks) and len({m.tobytes() for m in masks}) > 1
    assert np.array_equal(drawn[2][1].numpy(), drawn[2][1].numpy())   # reproducible
    with pytest.raises(ValueError, match="at most one of accelerations, mask and mask_sampler"):
        NoisyBands(split, mask=cols, mask_sampler=variable_density_sampler(shape, 4, 0.08, 2))
    with pytest.raises(ValueError, match="mask must be a bool array of the image shape"):
        NoisyBands(split, mask=cols[:4])


def test_proxy_score_is_the_psnr_of_the_bands_on_the_reference_scale(realistic):
    split = mrilab.load_dataset(realistic, "train")
    torch.manual_seed(0)
    net = Unrolled(iterations=1, chans=4, layers=3)
    for p in net.parameters():
        p.data.add_(0.05 * torch.randn_like(p))
    score = ProxyScore(net, split, indices=range(4), band=8)
    few, many = np.zeros(32, dtype=bool), np.ones(32, dtype=bool)
    few[[14, 15, 16, 17]] = True
    assert score(many) > score(few) + 3
    # the same number computed independently: each band scaled by its whole image's zero-filled maximum,
    # reconstructed, scaled back, compared with the reference band (whose image has maximum 1)
    m = torch.from_numpy(few)[None, None, :]
    scale = ifft2c(score.kfull * m).abs().amax(dim=(-2, -1), keepdim=True)
    with torch.no_grad():
        out = net.forward(score.kband * m / scale, m.expand(score.kband.shape)) * scale
    expected = float((10 * torch.log10(1 / ((out - score.target) ** 2).mean(dim=(-2, -1)))).mean())
    assert np.isclose(score(few), expected, atol=1e-4)
    best, rows = choose_variable_density(score, (32, 32), 4, powers=(0, 3), center_fractions=(0.08, 0.2), draws=2)
    assert len(rows) == 4 and {(r["power"], r["center_fraction"]) for r in rows} == {(0, 0.08), (3, 0.08), (0, 0.2), (3, 0.2)}


def test_whole_image_bands_are_consistent_crops(realistic):
    split = mrilab.load_dataset(realistic, "train")
    bands = WholeImageBands(split, band=8, noise_range=(0.01, 0.01), seed=2)
    k_band, k_whole, target = bands[3]
    image = ifft2c(k_whole)
    rows = [r for r in range(32 - 7) if torch.allclose(ifft2c(k_band), image[r:r + 8], atol=1e-5)]
    assert len(rows) == 1 and torch.allclose(target, torch.from_numpy(split.phantoms[3][rows[0]:rows[0] + 8]))


def test_fit_loupe_moves_the_probabilities_and_train_sampling_writes_every_mask(realistic, tmp_path):
    train, test = mrilab.load_dataset(realistic, "train"), mrilab.load_dataset(realistic, "test")
    torch.manual_seed(0)
    init = Unrolled(iterations=1, chans=4, layers=3)
    proxy = Unrolled(iterations=1, chans=4, layers=3)
    save_checkpoint(init, tmp_path / "init.pt")
    save_checkpoint(proxy, tmp_path / "proxy.pt")
    recipe = dict(SAMPLING, accelerations=(4.0,), epochs=1, loupe_epochs=2, batch_size=4,
                  band=8, greedy_images=4, greedy_candidates=4, vd_powers=(2.0,), vd_center_fractions=(0.08,),
                  init=tmp_path / "init.pt", proxy=tmp_path / "proxy.pt")
    paths = train_sampling(train, test, out_dir=tmp_path / "out", recipe=recipe, progress=False, log=lambda s: None)
    assert set(paths) == {(k, 4.0) for k in KINDS}
    for (kind, r), path in paths.items():
        model = mrilab.load_model(path, expected="Unrolled")
        assert path.name == sampling_checkpoint_name(kind, r) and model.info["kind"] == kind
        if kind != "vd":
            assert len(model.info["columns"]) == 8
    loupe = mrilab.load_model(paths["loupe", 4.0]).info
    first, last = np.array(loupe["initial_probabilities"]), np.array(loupe["probabilities"])
    assert np.abs(last - first).max() > 1e-3   # the training moved the probabilities
    with pytest.raises(ValueError, match="kind must be one of"):
        sampling_checkpoint_name("poisson", 4)


# ---------------------------------------------------------------- the shipped masks
SHIPPED = sorted((ROOT / "weights" / "sampling").glob("unrolled_*.pt"))


def test_the_shipped_masks_have_their_budget_and_the_greedy_ones_are_nested():
    assert {p.name for p in SHIPPED} == {sampling_checkpoint_name(k, r) for k in KINDS for r in (4, 8)}
    info = {p.name: mrilab.load_model(p, expected="Unrolled").info for p in SHIPPED}
    for p in SHIPPED:
        assert p.stat().st_size < 2 ** 20, "shipped weights stay small"
    for r in (4, 8):
        for kind in ("vd_fixed", "greedy", "loupe"):
            i = info[sampling_checkpoint_name(kind, r)]
            assert len(i["columns"]) == 128 // r and len(set(i["columns"])) == 128 // r
        loupe = info[sampling_checkpoint_name("loupe", r)]
        top = np.argsort(-np.array(loupe["probabilities"]), kind="stable")[:128 // r]
        assert sorted(top.tolist()) == loupe["columns"]
        vd = info[sampling_checkpoint_name("vd", r)]
        best = max(vd["table"], key=lambda row: row["proxy_psnr"])   # the exponent and ACS chosen are the table's best
        assert (best["power"], best["center_fraction"]) == (vd["power"], vd["center_fraction"])
        # the fixed variable-density mask is reproduced from its seed: the best of its draws on the proxy
        fixed = info[sampling_checkpoint_name("vd_fixed", r)]
        rng = np.random.default_rng([fixed["seed"], 11, r])
        draws = [variable_density_mask((128, 128), r, vd["center_fraction"], power=vd["power"], rng=rng)[0]
                 for _ in range(len(fixed["draw_proxy_psnr"]))]
        assert np.flatnonzero(draws[int(np.argmax(fixed["draw_proxy_psnr"]))]).tolist() == fixed["columns"]
    g4, g8 = info["unrolled_greedy_r4.pt"], info["unrolled_greedy_r8.pt"]
    assert set(g8["columns"]) <= set(g4["columns"])
