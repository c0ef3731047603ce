import numpy as np
import pytest

import mrilab
from mrilab.operators import MaskedFourier, divergence, gradient, inner


def _random(rng, shape, complex_=True):
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if complex_ else x


@pytest.mark.parametrize("shape", [(16, 16), (7, 9), (3, 12, 10)])
@pytest.mark.parametrize("complex_", [False, True])
def test_gradient_divergence_adjointness(shape, complex_):
    rng = np.random.default_rng(0)
    x = _random(rng, shape, complex_)
    p = _random(rng, shape[:-2] + (2,) + shape[-2:], complex_)
    lhs = inner(gradient(x), p)
    rhs = -inner(x, divergence(p))
    assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-10)


def test_gradient_of_constant_is_zero_and_values():
    assert not gradient(np.ones((5, 6))).any()
    x = np.arange(12.0).reshape(3, 4)
    g = gradient(x)
    assert (g[0, :-1] == 4).all() and (g[0, -1] == 0).all()
    assert (g[1, :, :-1] == 1).all() and (g[1, :, -1] == 0).all()


@pytest.mark.parametrize("batch", [False, True])
def test_masked_fourier_adjointness(batch):
    rng = np.random.default_rng(1)
    shape = (4, 32, 32) if batch else (32, 32)
    masks = np.stack([mrilab.cartesian_mask((32, 32), 4, 0.1, rng=i) for i in range(4)])
    A = MaskedFourier(masks if batch else masks[0])
    x, y = _random(rng, shape), _random(rng, shape)
    assert np.isclose(inner(A.forward(x), y), inner(x, A.adjoint(y)), rtol=1e-10)
    # A^H A is a projection: applying it twice changes nothing
    np.testing.assert_allclose(A.normal(A.normal(x)), A.normal(x), atol=1e-10)
