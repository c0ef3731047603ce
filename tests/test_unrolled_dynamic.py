"""The network in time (Part XI): its operators, data step, symmetry, training samples and registry entry."""

import numpy as np
import pytest
import torch

from mrilab import reconstruct
from mrilab.conjugate_gradient import conjugate_gradient
from mrilab.data.cine import generate_cine, heart_box, remeasure_cine
from mrilab.dynamic import KTOperator, time_averaged_maps
from mrilab.fourier import ifft2c
from mrilab.metrics import movie_psnr
from mrilab.models import TimeDenoiser, UnrolledDynamic
from mrilab.models.unrolled_dynamic import kt_adjoint, kt_forward
from mrilab.registry import WEIGHTS_DIR
from mrilab.sampling import kt_mask
from mrilab.train.dynamic import CineBands


def crandn(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.complex(torch.randn(shape, generator=g), torch.randn(shape, generator=g))


def randomised(net, seed=0):
    """``net`` with its denoisers' last convolutions drawn at random (they start at zero: the identity)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for den in net.denoisers if hasattr(net, "denoisers") else [net]:
            last = den.blocks[-1].time
            last.weight.copy_(0.2 * torch.randn(last.weight.shape, generator=g))
            last.bias.copy_(0.05 * torch.randn(last.bias.shape, generator=g))
    return net


def problem(n=2, t=5, c=3, h=12, w=9, seed=0):
    k = crandn(n, t, c, h, w, seed=seed)
    masks = torch.from_numpy(np.stack([kt_mask((t, h, w), 2.5, rng=seed + i) for i in range(n)]))
    maps = crandn(n, c, h, w, seed=seed + 1) / 3
    return k * masks[:, :, None], masks, maps


def test_operators_are_adjoint_and_match_the_numpy_one():
    k, masks, maps = problem()
    x = crandn(2, 5, 12, 9, seed=4)
    lhs = torch.sum(kt_forward(x, maps, masks).conj() * k)
    rhs = torch.sum(x.conj() * kt_adjoint(k, maps, masks))
    assert torch.allclose(lhs, rhs, rtol=1e-4)
    op = KTOperator(masks[0].numpy(), maps[0].numpy())
    np.testing.assert_allclose(kt_forward(x, maps, masks)[0].numpy(), op.forward(x[0].numpy()), atol=1e-5)


@pytest.mark.parametrize("shape", [(12, 9), (11, 7), (10, 16)])
def test_data_step_is_the_regularised_normal_equations(shape):
    """The CG on rolled images (no shift per iteration) computes what a CG on the centred operator does."""
    h, w = shape
    k, masks, maps = problem(h=h, w=w)
    torch.manual_seed(0)
    net = randomised(UnrolledDynamic(iterations=1, chans=4, layers=2, cg_iterations=3, init_weight=2.0))
    steps = list(net._steps(k, masks, maps))
    rhs = kt_adjoint(k, maps, masks)
    z = net.denoisers[0](rhs)
    lam = net.log_weights.exp()[0]

    def normal(v):
        return lam * kt_adjoint(kt_forward(v, maps, masks), maps, masks) + v

    want = conjugate_gradient(normal, lam * rhs + z, z, n_iter=3)
    assert not torch.allclose(z, rhs)                           # the denoiser does something
    assert torch.allclose(steps[0], rhs) and torch.allclose(steps[1], want, atol=1e-5)


def test_denoiser_is_cyclic_in_time_and_the_network_commutes_with_a_shift_of_frames():
    torch.manual_seed(1)
    x = crandn(1, 8, 8, 8, seed=2)
    assert torch.equal(TimeDenoiser(chans=4, layers=3)(x), x)  # untrained: the identity
    den = randomised(TimeDenoiser(chans=4, layers=3))
    assert not torch.allclose(den(x), x)
    assert torch.allclose(den(torch.roll(x, 2, 1)), torch.roll(den(x), 2, 1), atol=1e-6)
    # a change in one frame reaches exactly `layers` frames on either side (cyclically)
    bump = x.clone()
    bump[0, 0] += 1
    reach = (den(bump) - den(x)).abs().amax(dim=(0, 2, 3)) > 0
    assert reach.tolist() == [True] * 4 + [False] + [True] * 3       # frames 0..3 and 7, 6, 5 (= -1, -2, -3)
    net = randomised(UnrolledDynamic(iterations=2, chans=4, layers=2, cg_iterations=2))
    k, masks, maps = problem(n=1, t=6)
    with torch.no_grad():
        out = net.reconstruct(k, masks, maps)
        shifted = net.reconstruct(torch.roll(k, 1, 1), torch.roll(masks, 1, 1), maps)
    assert torch.allclose(shifted, torch.roll(out, 1, 1), atol=1e-5)
    with torch.no_grad():                                       # the output scales with the data
        assert torch.allclose(net.reconstruct(3 * k, masks, maps), 3 * out, rtol=1e-4, atol=1e-6)


def test_bad_shapes_are_named():
    net = UnrolledDynamic(iterations=1, chans=4, layers=2)
    k, masks, maps = problem()
    with pytest.raises(ValueError, match=r"\(N, T, C, H, W\)"):
        net.reconstruct(k[:, :, 0], masks, maps)
    with pytest.raises(ValueError, match="masks must be"):
        net.reconstruct(k, masks[:, :3], maps)
    with pytest.raises(ValueError, match="maps must be"):
        net.reconstruct(k, masks, maps[:, :2])
    with pytest.raises(ValueError, match="layers"):
        TimeDenoiser(layers=1)


def test_a_band_of_rows_is_an_exact_problem():
    """k-t masks sample whole columns, so a band's zero-filled movie is the band of the whole movie's."""
    split = generate_cine(2, 0, preset="cine_multicoil", n_frames=6, size=64, oversampling=2, seed=5)["train"]
    maps = split.maps.astype(np.complex64)
    data = CineBands(split, maps, band=16, noise_range=(0.0, 0.0), accelerations=(3.0, 5.0), seed=1)
    k, m, s, target = data[1]
    rng = np.random.default_rng([1, 0, 1])                     # the sample's own draws, in its order
    r = rng.uniform(3.0, 5.0)
    masks = kt_mask((6, 64, 64), r, pattern="random", center_fraction=data.center_fraction, rng=rng)
    assert (masks.any(axis=1) == masks.all(axis=1)).all()      # whole columns
    full = KTOperator(masks, maps[1]).adjoint(split.kspace_full[1] * masks[:, None])
    scale = np.abs(full).max()
    band = kt_adjoint(k[None], s[None], m[None])[0].numpy()
    rows = [i for i in range(64 - 15) if np.allclose(split.phantoms[1][:, i:i + 16] / scale, target.numpy(), atol=1e-6)]
    assert rows, "the target is a band of the reference movie, scaled by the whole movie's zero-filled maximum"
    np.testing.assert_array_equal(m.numpy(), masks[:, rows[0]:rows[0] + 16])
    np.testing.assert_allclose(band, full[:, rows[0]:rows[0] + 16] / scale, atol=1e-5)
    assert target.shape == (6, 16, 64) and k.shape == (6, 8, 16, 64)
    with pytest.raises(ValueError, match="band"):
        CineBands(split, maps, band=65)


@pytest.mark.skipif(not (WEIGHTS_DIR / "unrolled_dynamic.pt").is_file(), reason="weights not trained")
def test_shipped_network_beats_zero_filling_through_the_registry():
    test = generate_cine(0, 1, preset="cine_multicoil", seed=7)["test"]
    measured = remeasure_cine(test, 8.0, seed=2)
    k, m = measured.kspace_undersampled, measured.masks
    box = heart_box(test.labels[0])
    net = reconstruct("unrolled_dynamic", k, m)
    zf = reconstruct("kt_zero_filled", k, m)
    assert net.shape == (1, 20, 128, 128) and net.dtype == np.float32
    assert movie_psnr(test.phantoms, net, region=box)[0] > movie_psnr(test.phantoms, zf, region=box)[0] + 5
    maps = time_averaged_maps(k[0], m[0])                       # explicit maps: the same as estimated ones
    np.testing.assert_allclose(reconstruct("unrolled_dynamic", k, m, maps=maps), net, atol=1e-4)
    single = generate_cine(0, 1, preset="cine", seed=7)["test"]
    one = reconstruct("unrolled_dynamic", single.kspace_undersampled, single.masks)   # one coil: maps of ones
    assert one.shape == (1, 20, 128, 128) and np.isfinite(one).all()
    with pytest.raises(ValueError, match="trained on 128 x 128"):
        reconstruct("unrolled_dynamic", k[..., :64, :64], m[..., :64, :64])


def test_time_averaged_maps_hardly_depend_on_the_acceleration():
    """CineBands computes each movie's maps once, at R = 8: at the training size the maps of R = 4 and 12 are
    nearly the same, phase included (the denoiser sees real and imaginary parts, not magnitudes)."""
    movie = generate_cine(0, 2, preset="cine_multicoil", oversampling=2, seed=3)["test"]
    for i in range(2):
        obj = np.abs(movie.images[i]).mean(axis=0) > 0.1
        maps = {}
        for r in (4.0, 8.0, 12.0):
            measured = remeasure_cine(movie, r, seed=1)
            maps[r] = time_averaged_maps(measured.kspace_undersampled[i], measured.masks[i])
        for r in (4.0, 12.0):
            agree = np.sum(maps[r].conj() * maps[8.0], axis=0).real[obj]   # 1 where they agree
            assert np.median(agree) > 0.98 and np.quantile(agree, 0.05) > 0.9


@pytest.mark.skipif(not (WEIGHTS_DIR / "unrolled_dynamic.pt").is_file(), reason="weights not trained")
def test_shipped_network_reproduces_its_recorded_metric():
    import mrilab

    path = WEIGHTS_DIR / "unrolled_dynamic.pt"
    assert path.stat().st_size < 5 * 2 ** 20, "shipped weights stay small"
    model = mrilab.load_model(path, expected="UnrolledDynamic")
    info = model.info
    assert info["dataset"]["preset"] == "cine_multicoil" and info["dataset"]["family"] == "study"
    assert info["accelerations"] == [4.0, 12.0] and info["n_movies"] >= 24
    test = generate_cine(0, None, preset="cine_multicoil", seed=info["seed"])["test"]   # as the training command scored it
    measured = remeasure_cine(test, 8.0, seed=info["seed"] + 1)
    got = reconstruct("unrolled_dynamic", measured.kspace_undersampled, measured.masks)
    psnr = movie_psnr(test.phantoms, got, region=heart_box(test.labels))
    assert psnr.mean() == pytest.approx(model.metrics["test_psnr_8"], abs=0.05)
