"""The one conjugate-gradient solver: against SciPy's, NumPy against PyTorch, image by image."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg

from mrilab.conjugate_gradient import conjugate_gradient


def _system(rng, n=6):
    """A Hermitian positive definite operator on (n, n) images and two right-hand sides."""
    a = rng.standard_normal((n * n, n * n)) + 1j * rng.standard_normal((n * n, n * n))
    matrix = a.conj().T @ a / (n * n) + 0.5 * np.eye(n * n)
    normal = lambda x: (x.reshape(*x.shape[:-2], n * n) @ matrix.T).reshape(x.shape)  # noqa: E731
    b = rng.standard_normal((2, n, n)) + 1j * rng.standard_normal((2, n, n))
    return matrix, normal, b


def test_matches_scipy_and_each_image_is_its_own_system():
    matrix, normal, b = _system(np.random.default_rng(0))
    ours = conjugate_gradient(normal, b, n_iter=200, tol=1e-12)
    for i in range(2):
        want, info = scipy.sparse.linalg.cg(matrix, b[i].ravel(), rtol=1e-12, maxiter=500)
        assert info == 0
        np.testing.assert_allclose(ours[i].ravel(), want, rtol=1e-8, atol=1e-8)
    # the stack gives what each image gives alone (its own step sizes)
    few = conjugate_gradient(normal, b, n_iter=3)
    np.testing.assert_allclose(few[1], conjugate_gradient(normal, b[1:], n_iter=3)[0], rtol=1e-12)


def test_torch_gives_the_numpy_iterates_and_the_callback_sees_them():
    torch = pytest.importorskip("torch")
    matrix, normal, b = _system(np.random.default_rng(1))
    t = torch.tensor(matrix)
    normal_t = lambda x: (x.reshape(*x.shape[:-2], -1) @ t.T).reshape(x.shape)  # noqa: E731
    seen = []
    a = conjugate_gradient(normal, b, n_iter=5, callback=lambda i, x: seen.append(i))
    c = conjugate_gradient(normal_t, torch.tensor(b, requires_grad=False), n_iter=5)
    np.testing.assert_allclose(a, c.numpy(), rtol=1e-10)
    assert seen == [0, 1, 2, 3, 4]
    # differentiable: the gradient reaches the right-hand side
    bt = torch.tensor(b, requires_grad=True)
    conjugate_gradient(normal_t, bt, n_iter=4).abs().sum().backward()
    assert bt.grad is not None and torch.isfinite(bt.grad).all()


def test_tolerance_freezes_a_converged_image():
    _, normal, b = _system(np.random.default_rng(2))
    b[0] = 0                                     # already solved by the zero start
    out = conjugate_gradient(normal, b, n_iter=50, tol=1e-6)
    assert np.all(out[0] == 0) and np.abs(out[1]).max() > 0
    assert out.dtype == b.dtype
    b32 = b.astype(np.complex64)
    assert conjugate_gradient(lambda x: normal(x).astype(np.complex64), b32, n_iter=3, tol=1e-6).dtype == np.complex64
