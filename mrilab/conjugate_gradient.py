"""Conjugate gradients on the normal equations, the one solver every chapter uses.

CG-SENSE (chapter 15), the non-Cartesian least squares and TV's inner solves (chapter 18), the data steps
of the unrolled networks (chapters 16 and 18) and of plug-and-play (chapter 22) all solve ``A x = b`` for a
Hermitian positive (semi)definite ``A`` given only as a function, image by image. :func:`conjugate_gradient`
does it for NumPy arrays and for PyTorch tensors alike (the same arithmetic, written with the operations
both share), so that a network back-propagates through the very iterations the classical methods run.
SciPy's :func:`scipy.sparse.linalg.cg` solves one system at a time on flat vectors and returns only the
converged answer; here a stack of images is solved at once, each with its own step sizes, a fixed number
of iterations is often the point (stopped early, CG regularises: chapter 18), and a callback sees every
iterate. A unit test compares the result with SciPy's on a system it can solve.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["conjugate_gradient"]

_TINY = 1e-30


def _dot(u, v):
    """``Re <u, v>`` of every image (the last two axes), kept as (..., 1, 1)."""
    return (u.conj() * v).real.sum(axis=(-2, -1), keepdims=True)


def conjugate_gradient(normal: Callable[[Any], Any], b: Any, x: Any = None, *, n_iter: int, tol: float = 0.0,
                       callback: Callable[[int, Any], Any] | None = None) -> Any:
    """``n_iter`` conjugate-gradient iterations on ``normal(x) = b``, image by image.

    Parameters
    ----------
    normal : callable
        The Hermitian positive (semi)definite operator, applied to a stack shaped like ``b``.
    b : complex ndarray or torch.Tensor, shape (..., H, W)
        The right-hand side; every image (the last two axes) is its own system with its own step sizes.
    x : same kind as ``b``, optional
        The start; zero by default.
    n_iter : int, keyword-only
        Most iterations.
    tol : float, keyword-only
        With ``tol > 0`` an image stops (its iterate is frozen) once its residual falls below ``tol``
        times ``||b||``, and the loop ends when every image has stopped. 0 runs all ``n_iter``
        iterations (what a network unrolls).
    callback : callable, keyword-only
        ``callback(i, x)`` after iteration ``i`` (from 0).

    Returns
    -------
    x : same kind and shape as ``b``
    """
    is_numpy = isinstance(b, np.ndarray)
    if is_numpy:
        real = np.zeros((), dtype=b.dtype).real.dtype
        clamp = lambda v: np.maximum(v, _TINY).astype(real)          # noqa: E731
        where = np.where
    else:
        import torch

        clamp = lambda v: v.clamp_min(_TINY)                          # noqa: E731
        where = torch.where
    x = (np.zeros_like(b) if is_numpy else b * 0) if x is None else x
    r = b - normal(x)
    p = r
    rs = _dot(r, r)
    stop = tol ** 2 * _dot(b, b) if tol > 0 else None
    for i in range(n_iter):
        if stop is not None:
            active = rs > stop
            if not active.any():
                break
        ap = normal(p)
        alpha = rs / clamp(_dot(p, ap))
        rs_old = rs
        if stop is not None:
            alpha = where(active, alpha, 0 * alpha)
        x = x + alpha * p
        r = r - alpha * ap
        rs = _dot(r, r)
        beta = rs / clamp(rs_old)
        if stop is not None:
            beta = where(active, beta, 0 * beta)
            rs = where(active, rs, rs_old)
        p = r + beta * p
        if callback is not None:
            callback(i, x)
    return x
