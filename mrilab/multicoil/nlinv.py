"""Image and coil maps together: nonlinear inversion (NLINV, Uecker et al., MRM 2008).

SENSE needs the maps before it starts; NLINV estimates them with the image, from the same data.
The signal model is bilinear, ``y_c = M F (rho c_c)``, and with both factors unknown it has many
solutions (a smooth factor can move from the image into every map). NLINV makes it well posed with
a prior on the maps only: they are smooth. It writes each map through a Sobolev weight,
``c_c = F^H (chat_c / w)``, ``w(k) = (1 + a |k|^2)^(b/2)`` (``k`` in cycles per pixel), so that a
penalty on ``||chat_c||`` penalises the maps' high spatial frequencies heavily, and solves

.. math::

    \\min_{\\rho, \\hat c} \\; \\lVert y - G(\\rho, \\hat c) \\rVert^2 ,
    \\qquad G(\\rho, \\hat c)_c = M F (\\rho \\, F^H(\\hat c_c / w)),

by the iteratively regularised Gauss-Newton method (IRGNM): at step ``n`` the model is linearised,
``G(x + dx) ~ G(x) + DG(x) dx``, and the step solves

.. math::

    (DG^H DG + \\alpha_n I)\\, dx = DG^H (y - G(x)) + \\alpha_n (x_0 - x) ,

by conjugate gradients (stopped at a relative residual of 1e-2, this book's choice), with
``alpha_n = alpha_0 q^n`` falling each step. The regularisation pulls towards the start ``x_0`` (the
image 1, the maps 0), as Uecker's original code does, so early steps take only the dominant, smooth
part. BART pulls towards zero instead and stops its inner CG early; with an accurate inner solve that
would fail at once: at the start the maps are zero, so the data say nothing about the image, and the
first step would set the image to zero with them. The defaults follow BART's ``nlinv``:
``a = 220``, ``b = 32``, eight Newton steps, ``alpha_0 = 1``, ``q = 1/2``, data scaled to norm 100,
the image started at 1 and the maps at 0.

The result is returned as the image ``rho ||c||`` (the combination a root-sum-of-squares would give)
and maps ``c / ||c||``, normalised as every other map in the book.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import positive_int, positive_number
from ..conjugate_gradient import conjugate_gradient
from ..fourier import fft2c, ifft2c
from .combine import rss
from .operator import check_multicoil

__all__ = ["nlinv", "sobolev_weight", "NLINV_DEFAULTS"]

#: BART's ``nlinv`` defaults (Uecker et al. 2008), and the inner conjugate-gradient iterations.
NLINV_DEFAULTS = dict(newton=8, alpha=1.0, reduction=0.5, a=220.0, b=32.0, cg_iter=100)


def sobolev_weight(shape: tuple[int, int], a: float = NLINV_DEFAULTS["a"], b: float = NLINV_DEFAULTS["b"]) -> np.ndarray:
    """``w(k) = (1 + a |k|^2)^(b/2)`` on the centred k-space grid, ``k`` in cycles per pixel: (H, W)."""
    h, w = shape
    ky = (np.arange(h) - h // 2) / h
    kx = (np.arange(w) - w // 2) / w
    return (1 + a * (ky[:, None] ** 2 + kx[None, :] ** 2)) ** (b / 2)


def nlinv(kspace: Any, mask: Any, *, newton: int = NLINV_DEFAULTS["newton"], alpha: float = NLINV_DEFAULTS["alpha"],
          reduction: float = NLINV_DEFAULTS["reduction"], a: float = NLINV_DEFAULTS["a"],
          b: float = NLINV_DEFAULTS["b"], cg_iter: int = NLINV_DEFAULTS["cg_iter"],
          return_history: bool = False) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, list]:
    """Image and coil maps from undersampled multi-coil k-space, no calibration needed.

    Parameters
    ----------
    kspace : complex array (C, H, W) or (N, C, H, W)
        Measured k-space (zero where not sampled).
    mask : bool array (H, W) or (N, H, W)
        Any sampling pattern; an ACS helps (the maps are smooth, so the centre determines them), but
        none is required.
    newton, alpha, reduction, a, b, cg_iter : keyword-only
        Gauss-Newton steps, the first regularisation weight and its factor per step, the Sobolev
        weight's ``a`` and ``b``, conjugate-gradient iterations per step (module docstring).
    return_history : bool, keyword-only
        Also return, per image, the relative data residual ``||y - G(x)|| / ||y||`` after each step.

    Returns
    -------
    image : complex ndarray (H, W) or (N, H, W)
        ``rho ||c||``, on the scale of the data.
    maps : complex ndarray (C, H, W) or (N, C, H, W)
        ``c / ||c||`` (root-sum-of-squares 1 wherever ``||c|| > 0``).
    """
    k, m, _, single = check_multicoil(kspace, mask, None, "kspace")
    newton = positive_int(newton, "newton")
    cg_iter = positive_int(cg_iter, "cg_iter")
    alpha = positive_number(alpha, "alpha", "the first Gauss-Newton regularisation weight")
    if not 0 < reduction <= 1:
        raise ValueError(f"reduction must be in (0, 1], the factor alpha is multiplied by each Newton step, "
                         f"got {reduction}")
    positive_number(a, "a", "the Sobolev weight's scale of |k|^2")
    positive_number(b, "b", "the Sobolev weight's power")
    n, c, h, w = k.shape
    weight = sobolev_weight((h, w), a, b)
    images = np.empty((n, h, w), dtype=np.complex64)
    maps = np.empty((n, c, h, w), dtype=np.complex64)
    history = []
    for i in range(n):
        images[i], maps[i], hist = _nlinv_one(k[i], m[i], weight, newton, alpha, reduction, cg_iter)
        history.append(hist)
    out = (images[0], maps[0]) if single else (images, maps)
    return (*out, history[0] if single else history) if return_history else out


def _nlinv_one(y, mask, weight, newton, alpha, reduction, cg_iter):
    c, h, w = y.shape
    y = (y * mask).astype(np.complex128)
    norm = np.linalg.norm(y)
    if norm == 0:
        raise ValueError("kspace is zero where the mask samples it: there is nothing to reconstruct")
    scale = 100.0 / norm                       # BART's scaling: the data to norm 100
    y = y * scale

    def coils(chat):
        return ifft2c(chat / weight)

    # the unknown x = (rho, chat) packed as one (C + 1, H, W) stack, solved by CG as one system
    x0 = np.zeros((c + 1, h, w), dtype=np.complex128)
    x0[0] = 1.0
    x = x0.copy()
    history = []
    for step in range(newton):
        a_n = alpha * reduction ** step
        rho, sens = x[0], coils(x[1:])

        def forward(dx, rho=rho, sens=sens):
            return mask * fft2c(dx[0] * sens + rho * coils(dx[1:]))

        def adjoint(v, rho=rho, sens=sens):
            u = ifft2c(mask * v)
            return np.concatenate([np.sum(np.conj(sens) * u, axis=0)[None], fft2c(np.conj(rho) * u) / weight])

        residual = y - mask * fft2c(rho * sens)
        history.append(float(np.linalg.norm(residual) / 100.0))
        rhs = adjoint(residual) + a_n * (x0 - x)
        flat = (c + 1) * h

        def normal(v, a_n=a_n):
            v3 = v.reshape(c + 1, h, w)
            return (adjoint(forward(v3)) + a_n * v3).reshape(1, flat, w)

        dx = conjugate_gradient(normal, rhs.reshape(1, flat, w), n_iter=cg_iter, tol=1e-2)
        x = x + dx.reshape(c + 1, h, w)
    rho, sens = x[0], coils(x[1:])
    history.append(float(np.linalg.norm(y - mask * fft2c(rho * sens)) / 100.0))
    norm = rss(sens)
    maps = sens / np.where(norm > 0, norm, 1)
    return (rho * norm / scale).astype(np.complex64), maps.astype(np.complex64), history
