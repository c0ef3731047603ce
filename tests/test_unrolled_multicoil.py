"""Part V's learned reconstruction: MoDL with coils, its training samples, its registry entry."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mrilab.data import generate
from mrilab.fourier import ifft2c
from mrilab.models import UnrolledMulticoil
from mrilab.models.unrolled_multicoil import adjoint_op, forward_op
from mrilab.multicoil import MultiCoilFourier, cg_sense, estimate_maps
from mrilab.train.unrolled import MulticoilBands, fit_unrolled


@pytest.fixture(scope="module")
def split():
    return generate(3, 0, preset="multicoil", seed=5)["train"]


def test_torch_operators_match_numpy_and_are_adjoint(split):
    maps, mask = split.maps[:1], split.masks[:1]
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((1, 128, 128)) + 1j * rng.standard_normal((1, 128, 128))).astype(np.complex64)
    y = (rng.standard_normal((1, 8, 128, 128)) + 1j * rng.standard_normal((1, 8, 128, 128))).astype(np.complex64)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    op = MultiCoilFourier(maps, mask)
    np.testing.assert_allclose(forward_op(t(x), t(maps), t(mask)).numpy(), op.forward(x), atol=1e-4)
    np.testing.assert_allclose(adjoint_op(t(y), t(maps), t(mask)).numpy(), op.adjoint(y), atol=1e-4)
    lhs = torch.vdot(forward_op(t(x), t(maps), t(mask)).flatten(), t(y * mask[:, None]).flatten())
    rhs = torch.vdot(t(x).flatten(), adjoint_op(t(y), t(maps), t(mask)).flatten())
    assert abs(complex(lhs) - complex(rhs)) < 1e-3 * abs(complex(lhs))


def test_data_step_solves_the_regularised_normal_equations(split):
    """With z = 0 and many CG iterations the step is Tikhonov-regularised SENSE, as cg_sense finds it."""
    k = torch.from_numpy(split.kspace_undersampled[:1])
    m = torch.from_numpy(split.masks[:1])
    s = torch.from_numpy(estimate_maps(split.kspace_undersampled[:1], split.masks[:1]))
    model = UnrolledMulticoil(cg_iterations=60)
    rhs = adjoint_op(k, s, m)
    lam = torch.tensor(1e4)
    x = model._data_step(torch.zeros_like(rhs), rhs, s, m, lam)
    # (lam E^H E + I) x = lam E^H y: with lam large, the least-squares (CG-SENSE) solution
    ref = cg_sense(split.kspace_undersampled[0], split.masks[0], s[0].numpy(), n_iter=60, tol=1e-9)
    assert np.abs(x[0].numpy() - ref).mean() < 0.02 * np.abs(ref).mean()


def test_bands_are_exact_problems_with_coils(split):
    """A band's E^H y equals the same rows of the whole image's E^H y (noise off)."""
    maps = estimate_maps(split.kspace_undersampled, split.masks)
    bands = MulticoilBands(split, maps, band=32, noise_range=(0, 0))
    k, m, s, target = bands[1]
    whole = np.sum(np.conj(maps[1]) * ifft2c(split.kspace_full[1] * split.masks[1]), axis=0)
    scale = np.abs(whole).max()
    band = adjoint_op(k[None], s[None], m[None])[0].numpy()
    # find the band's rows in the whole image
    top = next(r for r in range(128 - 31) if np.allclose(target.numpy(), split.phantoms[1, r:r + 32] / scale))
    np.testing.assert_allclose(band, whole[top:top + 32] / scale, atol=1e-5)
    with pytest.raises(ValueError, match="maps must have the shape"):
        MulticoilBands(split, maps[:, :4])


def test_untrained_network_is_a_regularised_sense_and_training_lowers_the_loss(split):
    maps = estimate_maps(split.kspace_undersampled, split.masks)
    torch.manual_seed(0)
    model = UnrolledMulticoil(iterations=2, chans=8, layers=3, cg_iterations=3)
    bands = MulticoilBands(split, maps, band=16, noise_range=(0.01, 0.01))
    inputs = (torch.from_numpy(split.kspace_undersampled), torch.from_numpy(split.masks), torch.from_numpy(maps))
    target = torch.from_numpy(split.phantoms)

    def error():
        with torch.no_grad():
            return float((model.reconstruct(*inputs) - target).abs().mean())

    before = error()
    fit_unrolled(model, bands, epochs=40, batch_size=3, lr=3e-3, loss="l1", progress=False)
    assert error() < 0.9 * before
    out = model.reconstruct(*inputs)
    assert out.shape == (3, 128, 128) and torch.isfinite(out).all()


def test_bad_configuration_gets_clear_errors():
    with pytest.raises(ValueError, match="cg_iterations"):
        UnrolledMulticoil(cg_iterations=0)
    with pytest.raises(ValueError, match="init_weight"):
        UnrolledMulticoil(init_weight=0)
