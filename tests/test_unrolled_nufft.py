"""Part VI: the non-Cartesian unrolled network, its Toeplitz data step, its training samples and its command."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mrilab
from mrilab.data import generate
from mrilab.models import UnrolledNUFFT
from mrilab.models.unrolled_nufft import toeplitz_normal
from mrilab.noncartesian import (ToeplitzNormal, density_compensation, maps_from_center, normal_equations,
                                 nufft_adjoint, radial_trajectory, toeplitz_kernel)
from mrilab.train.nufft import RadialSamples, predict_nufft

RNG = np.random.default_rng(3)
SHAPE = (32, 32)


def crandn(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


@pytest.fixture(scope="module")
def small_radial():
    """A small radial split (48 x 48, 24 spokes): the layout of the radial preset."""
    return generate(n_train=6, n_test=2, preset="radial", size=48, n_spokes=24, n_samples=96, seed=5)


def test_torch_toeplitz_equals_numpy_with_weights_and_coils():
    t = radial_trajectory(13, 64).reshape(-1, 2)
    w = density_compensation(t, SHAPE, "pipe")
    x = crandn(3, *SHAPE)
    kernel = toeplitz_kernel(t, SHAPE, w)
    got = toeplitz_normal(torch.from_numpy(x.astype(np.complex64)), torch.from_numpy(kernel)).numpy()
    want = ToeplitzNormal(t, SHAPE, w)(x)
    assert np.linalg.norm(got - want) / np.linalg.norm(want) < 1e-5
    maps = crandn(3, 4, *SHAPE).astype(np.complex64)
    got = toeplitz_normal(torch.from_numpy(x.astype(np.complex64)), torch.from_numpy(kernel),
                          torch.from_numpy(maps)).numpy()
    want = np.stack([ToeplitzNormal(t, SHAPE, w, maps=m)(xi) for m, xi in zip(maps, x)])
    assert np.linalg.norm(got - want) / np.linalg.norm(want) < 1e-5


def test_normal_equations_give_the_weighted_adjoint_and_kernel():
    spokes = radial_trajectory(9, 64)
    t = spokes.reshape(-1, 2)
    w = density_compensation(spokes, SHAPE, "ramp")
    y = crandn(2, len(t))
    rhs, kernel = normal_equations(y, t, SHAPE, w)
    assert rhs.shape == (2, *SHAPE) and kernel.shape == (64, 64)
    assert np.allclose(rhs, nufft_adjoint(y * w, t, SHAPE), atol=1e-5)
    assert np.allclose(kernel, toeplitz_kernel(t, SHAPE, w))
    maps = crandn(4, *SHAPE)
    yc = crandn(4, len(t))
    rhs, _ = normal_equations(yc, t, SHAPE, w, maps=maps)
    assert np.allclose(rhs, np.sum(np.conj(maps) * nufft_adjoint(yc * w, t, SHAPE), axis=0), atol=1e-5)
    with pytest.raises(ValueError, match="maps must have shape"):
        normal_equations(yc, t, SHAPE, w, maps=maps[:3])
    with pytest.raises(ValueError, match="one value per sample"):
        normal_equations(y, t, SHAPE, w[:-1])


def test_density_weighting_makes_the_data_step_well_conditioned():
    # the design choice of UnrolledNUFFT: E^H W E has a spectrum close to [0, 1], E^H E does not
    t = radial_trajectory(32, 2 * SHAPE[0]).reshape(-1, 2)
    w = density_compensation(t, SHAPE, "pipe")

    def largest(op):
        x = crandn(*SHAPE)
        for _ in range(50):
            x = op(x)
            lam = np.linalg.norm(x)
            x /= lam
        return lam

    assert largest(ToeplitzNormal(t, SHAPE, w)) < 2.5
    assert largest(ToeplitzNormal(t, SHAPE)) > 10


def test_the_data_step_solves_the_regularised_normal_equations():
    t = radial_trajectory(16, 64).reshape(-1, 2)
    w = density_compensation(t, SHAPE, "pipe")
    rhs, kernel = normal_equations(crandn(len(t)), t, SHAPE, w)
    rhs, kernel = torch.from_numpy(rhs[None]), torch.from_numpy(kernel)
    model = UnrolledNUFFT(iterations=1, chans=4, layers=3, cg_iterations=40, init_weight=3.0)
    with torch.no_grad():
        steps = list(model._steps(rhs, kernel))
    first, out = steps
    assert torch.equal(first, rhs)  # the first iterate is E^H W y (gridding)
    z = rhs  # the untrained denoiser is the identity
    residual = 3.0 * toeplitz_normal(out, kernel) + out - (3.0 * rhs + z)
    assert float(residual.abs().max() / rhs.abs().max()) < 1e-4


def test_model_shapes_gradients_scale_and_errors():
    t = radial_trajectory(8, 64).reshape(-1, 2)
    w = density_compensation(t, SHAPE, "pipe")
    maps = crandn(2, 3, *SHAPE).astype(np.complex64)
    rhs, kernel = normal_equations(crandn(2, 3, len(t)), t, SHAPE, w, maps=maps)
    model = UnrolledNUFFT(iterations=2, chans=4, layers=3, cg_iterations=2)
    out = model(torch.from_numpy(rhs), torch.from_numpy(kernel), torch.from_numpy(maps))
    assert out.shape == (2, *SHAPE)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    r = torch.from_numpy(rhs)
    a = model.reconstruct(r, torch.from_numpy(kernel), torch.from_numpy(maps))
    b = model.reconstruct(10 * r, torch.from_numpy(kernel), torch.from_numpy(maps))
    assert torch.allclose(10 * a, b, rtol=1e-4, atol=1e-5)  # normalised by max |E^H W y|: linear in the data
    assert len(model.iterates(r, torch.from_numpy(kernel), torch.from_numpy(maps))) == 3
    for bad in (dict(iterations=0), dict(cg_iterations=0), dict(init_weight=0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            UnrolledNUFFT(**bad)


def test_radial_samples_windows_noise_and_determinism(small_radial):
    train = small_radial["train"]
    data = RadialSamples(train, spokes=(8, 16), noise_range=(0.0, 0.02), seed=1)
    rhs, kernel, target = data[2]
    assert rhs.shape == target.shape == (48, 48) and kernel.shape == (96, 96)
    assert float(rhs.abs().max()) == pytest.approx(1.0)
    again = data[2]
    assert torch.equal(again[0], rhs)            # the same sample in the same epoch
    data.set_epoch(1)
    assert not torch.equal(data[2][0], rhs)      # fresh noise and window in the next
    starts = {k[0] for k in data._cache}
    for i in range(len(data)):
        data[i]
    assert len({k[0] for k in data._cache}) > len(starts) or len(data._cache) > 1  # windows vary
    first = RadialSamples(train, spokes=(8,), noise_range=(0.0, 0.0), windows=False)
    rhs0, _, target0 = first[0]
    w = density_compensation(train.trajectory[:8].reshape(-1, 2), (48, 48), "pipe")
    want = nufft_adjoint(train.kdata[0, :8 * 96] * w, train.trajectory[:8].reshape(-1, 2), (48, 48))
    scale = np.abs(want).max()
    assert np.allclose(rhs0.numpy(), want / scale, atol=1e-5)
    assert np.allclose(target0.numpy(), train.phantoms[0] / scale, atol=1e-6)
    with pytest.raises(ValueError, match="spokes must be"):
        RadialSamples(train, spokes=(25,))
    with pytest.raises(ValueError, match="noise_range"):
        RadialSamples(train, spokes=(8,), noise_range=(0.02, 0.01))
    cartesian = generate(n_train=2, n_test=1, preset="realistic", size=32)["train"]
    with pytest.raises(ValueError, match="no radial samples"):
        RadialSamples(cartesian)


def test_multicoil_samples_carry_maps_from_the_centre():
    split = generate(n_train=2, n_test=0, preset="radial_multicoil", size=32, n_coils=4, n_spokes=16,
                     n_samples=64, seed=2)["train"]
    rhs, kernel, maps, target = RadialSamples(split, spokes=(16,), windows=False, noise_range=(0, 0))[1]
    assert maps.shape == (4, 32, 32) and rhs.shape == (32, 32)
    t = split.trajectory.reshape(-1, 2)
    w = density_compensation(t, (32, 32), "pipe")
    assert np.allclose(maps.numpy(), maps_from_center(split.kdata[1], t, (32, 32), weights=w))
    model = UnrolledNUFFT(iterations=1, chans=4, layers=3)
    out = predict_nufft(model, split.kdata, t, (32, 32))  # maps estimated when not given
    assert out.shape == (2, 32, 32) and np.all(np.isfinite(out))


def test_command_trains_saves_and_refuses_the_wrong_data(small_radial, tmp_path):
    from mrilab.data import make_dataset
    from mrilab.train.__main__ import main

    path = make_dataset(tmp_path / "radial.h5", n_train=6, n_test=2, preset="radial", size=32, n_spokes=16,
                        n_samples=64)
    out = tmp_path / "net.pt"
    code = main(["unrolled-nufft", "--data", str(path), "--out", str(out), "--epochs", "1", "--batch-size", "2",
                 "--n-val", "2", "--spokes", "8", "16", "--chans", "4", "--layers", "3", "--init-denoiser", "none"])
    assert code == 0
    model = mrilab.load_model(out, expected="UnrolledNUFFT")
    assert model.info["spokes"] == [8, 16] and model.info["windows"] is True
    assert {"test_psnr_8", "test_psnr_16", "test_psnr"} <= set(model.metrics)
    assert model.metrics["test_psnr"] == model.metrics["test_psnr_8"]
    # the scores it stored are those of the registry's reconstruction of the first 8 spokes
    test = mrilab.load_dataset(path, "test")
    pred = mrilab.reconstruct("unrolled_nufft", test.kdata[:, :8 * 64], test.trajectory[:8], shape=(32, 32),
                              weights=str(out))
    assert mrilab.evaluate(test.phantoms, pred)["psnr"].mean() == pytest.approx(model.metrics["test_psnr"], rel=1e-4)
    assert main(["unrolled-nufft", "--data", str(path), "--multicoil", "--out", str(tmp_path / "x.pt")]) == 2


def test_registry_errors_name_the_fix(small_radial):
    test = small_radial["test"]
    t = test.trajectory.reshape(-1, 2)
    with pytest.raises(ValueError, match="trained on 128 x 128"):
        mrilab.reconstruct("unrolled_nufft", test.kdata, t, shape=(48, 48))
    with pytest.raises(FileNotFoundError, match="train them"):
        mrilab.reconstruct("unrolled_nufft", test.kdata, t, shape=(48, 48), weights="/nonexistent.pt")
    # a checkpoint trained with coils refuses one coil without maps (and the other way round), naming the weights
    with pytest.raises(ValueError, match="trained on 8 coils with maps, got one coil without maps.*use the radial weights"):
        mrilab.reconstruct("unrolled_nufft", test.kdata, t, shape=(128, 128), weights="radial_multicoil")
