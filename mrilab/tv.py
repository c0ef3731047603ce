"""Total variation: denoising (ROF) and compressed sensing.

Both use the isotropic discrete total variation

.. math::

    \\mathrm{TV}(u) = \\sum_{i,j} \\sqrt{|(\\nabla_0 u)_{ij}|^2 + |(\\nabla_1 u)_{ij}|^2}

with the forward differences of :func:`mrilab.operators.gradient`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._checks import as_array, kspace_and_mask, positive_int, positive_number
from .fourier import fft2c, ifft2c
from .operators import divergence, gradient

__all__ = ["tv_denoise", "tv_cs", "total_variation", "tv_cs_objective", "TV_CS_DEFAULTS",
           "TV_CS_BY_NOISE", "TV_CS_BY_ACCELERATION"]

#: Default parameters of :func:`tv_cs`, chosen by mean PSNR on 20 training phantoms
#: (noise-free, R = 4) by ``python benchmarks/tune_classical.py``. With noisy data
#: a larger ``lam`` is needed.
TV_CS_DEFAULTS = dict(lam=1e-4, n_iter=500, tau=80.0)
#: Parameters of :func:`tv_cs` for realistic data (``preset="realistic"``, R = 4) at each
#: noise level, chosen by mean PSNR on 20 training phantoms by
#: ``python benchmarks/tune_classical.py --preset realistic``; ``reconstruct("tv_cs", ...,
#: noise_std=s)`` interpolates between them (:func:`mrilab.registry.tuned_parameters`).
TV_CS_BY_NOISE = {
    0.0: dict(lam=0.001, n_iter=200, tau=20.0),
    0.005: dict(lam=0.002, n_iter=200, tau=20.0),
    0.01: dict(lam=0.005, n_iter=200, tau=20.0),
    0.02: dict(lam=0.01, n_iter=200, tau=20.0),
    0.04: dict(lam=0.02, n_iter=200, tau=20.0),
}

#: Parameters of :func:`tv_cs` for each acceleration and noise level of Part VII (realistic data,
#: random masks), each chosen by mean PSNR on the same 12 training images measured again under
#: that protocol (:func:`mrilab.data.remeasure`) by
#: ``python benchmarks/tune_classical.py --preset realistic --accelerations 3 4 6 8 --noise 0 0.01 0.03 --n 12``;
#: ``reconstruct("tv_cs", ..., noise_std=s, acceleration=R)`` reads it
#: (:func:`mrilab.registry.tuned_for_acceleration`). At R = 6 and 8 the iteration has converged by
#: 200 iterations (PSNR within 0.05 dB of 1000 iterations, for tau 20 and 80).
TV_CS_BY_ACCELERATION = {
    3.0: {0.0: dict(lam=0.001, n_iter=200, tau=20.0), 0.01: dict(lam=0.005, n_iter=200, tau=20.0),
          0.03: dict(lam=0.01, n_iter=200, tau=20.0)},
    4.0: {0.0: dict(lam=0.002, n_iter=200, tau=20.0), 0.01: dict(lam=0.005, n_iter=200, tau=20.0),
          0.03: dict(lam=0.01, n_iter=200, tau=20.0)},
    6.0: {0.0: dict(lam=0.001, n_iter=200, tau=20.0), 0.01: dict(lam=0.002, n_iter=200, tau=20.0),
          0.03: dict(lam=0.01, n_iter=200, tau=20.0)},
    8.0: {0.0: dict(lam=0.002, n_iter=200, tau=20.0), 0.01: dict(lam=0.002, n_iter=200, tau=20.0),
          0.03: dict(lam=0.01, n_iter=200, tau=20.0)},
}


def _working_dtype(x: np.ndarray) -> np.dtype:
    if np.iscomplexobj(x):
        return np.dtype(np.complex64 if x.dtype == np.complex64 else np.complex128)
    return np.dtype(np.float32 if x.dtype == np.float32 else np.float64)


def total_variation(x: Any) -> float | np.ndarray:
    """Isotropic total variation of an image, or of each image in a stack.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (N, H, W), real or complex

    Returns
    -------
    float, or ndarray of shape (N,)
    """
    x = as_array(x, "x", max_ndim=3)
    tv = _tv(x)
    return float(tv) if x.ndim == 2 else tv


def _tv(x: np.ndarray) -> np.ndarray:
    """Isotropic TV over the last two axes, without input checks."""
    return np.sqrt(np.sum(np.abs(gradient(x)) ** 2, axis=-3)).sum(axis=(-2, -1))


def _chambolle(f: np.ndarray, lam: float, max_iter: int, tol: float) -> np.ndarray:
    """Chambolle's projection algorithm on a stack ``f`` of shape (N, H, W).

    Each image stops on its own, when its energy changes by less than
    ``tol`` times its initial energy (the stopping rule of scikit-image).
    The dual variable ``p`` has shape (N, 2, H, W); its last row (axis 0)
    and last column (axis 1) stay zero, as the forward differences there do.
    """
    tau = 0.25  # 1 / (2 * ndim): the step that makes the projection a contraction
    c = tau / lam
    result = np.empty_like(f)
    active = np.arange(f.shape[0])
    fa = f
    p = np.zeros(f.shape[:1] + (2,) + f.shape[1:], dtype=f.dtype)
    g = np.zeros_like(p)
    d = np.zeros_like(f)
    real = not np.iscomplexobj(f)
    e_init = e_prev = None
    for i in range(max_iter):
        if i > 0:  # d = lam * div(p), with the zero boundary of p built in
            np.add(p[:, 0], p[:, 1], out=d)
            d[:, 1:, :] -= p[:, 0, :-1, :]
            d[:, :, 1:] -= p[:, 1, :, :-1]
            d *= lam
            out = fa + d
            energy = np.einsum("nij,nij->n", d, d) if real else np.sum(np.abs(d) ** 2, axis=(1, 2))
        else:
            out = fa
            energy = np.zeros(len(fa), dtype=np.float64)
        np.subtract(out[:, 1:, :], out[:, :-1, :], out=g[:, 0, :-1, :])
        np.subtract(out[:, :, 1:], out[:, :, :-1], out=g[:, 1, :, :-1])
        norm = (g[:, 0] ** 2 + g[:, 1] ** 2) if real else np.sum(np.abs(g) ** 2, axis=1)
        np.sqrt(norm, out=norm)
        energy = (energy + lam * norm.sum(axis=(1, 2))) / f[0].size
        norm *= c
        norm += 1.0
        g *= c  # g is recomputed from scratch in the next iteration
        p += g
        p /= norm[:, None]
        if i == 0:
            e_init, e_prev = energy, energy
            continue
        done = np.abs(e_prev - energy) < tol * e_init
        if done.any():
            result[active[done]] = out[done]
            keep = ~done
            if not keep.any():
                return result
            active, fa, p, g, d = active[keep], fa[keep], p[keep], g[keep], d[keep]
            e_init, energy = e_init[keep], energy[keep]
        e_prev = energy
    result[active] = out
    return result


def tv_denoise(image: Any, lam: float, *, max_iter: int = 200, tol: float = 2e-4) -> np.ndarray:
    """Total-variation (ROF) denoising by Chambolle's dual projection algorithm.

    Solves

    .. math::

        \\min_u \\; \\tfrac{1}{2} \\lVert u - x \\rVert_2^2 + \\lambda \\, \\mathrm{TV}(u)

    through its dual: ``u = x + lam * div(p)`` with ``|p_ij| <= 1``, where the
    dual variable is updated by the semi-implicit projection step of
    Chambolle (2004) with step ``tau = 1/4``.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (N, H, W), real or complex
        Noisy image(s); a stack is processed at once, each image stopping on
        its own.
    lam : float
        Weight of the TV term. With this objective it equals the ``weight``
        of :func:`skimage.restoration.denoise_tv_chambolle`, and the results
        agree (to about 1e-6 with the same ``max_iter`` and ``tol``).
    max_iter : int, keyword-only
        Maximum number of iterations.
    tol : float, keyword-only
        Stop when the relative change of the energy falls below ``tol``
        (scikit-image's ``eps``).

    Returns
    -------
    u : ndarray, same shape as ``image``; float32/complex64 in single
        precision, float64/complex128 otherwise.

    References
    ----------
    A. Chambolle, "An algorithm for total variation minimization and
    applications", J. Math. Imaging Vis. 20 (2004) 89-97.

    Examples
    --------
    >>> noisy = shepp_logan(64) + 0.1 * np.random.default_rng(0).standard_normal((64, 64))
    >>> u = tv_denoise(noisy, 0.1)
    """
    x = as_array(image, "image", max_ndim=3)
    lam = positive_number(lam, "lam", "the weight of TV")
    max_iter = positive_int(max_iter, "max_iter")
    if not np.isscalar(tol) or tol < 0:
        raise ValueError(f"tol must be a number >= 0, got {tol!r}")
    f = x.astype(_working_dtype(x), copy=False).reshape(-1, *x.shape[-2:])
    # small chunks keep the working arrays (about 7 image-sized arrays) in cache: measured
    # faster than one big batch and than scikit-image's image-by-image loop
    chunk = max(1, (3 * 128 * 128 * 8) // (f[0].size * f.itemsize))
    out = np.concatenate([_chambolle(f[i:i + chunk], lam, max_iter, float(tol))
                          for i in range(0, len(f), chunk)])
    return out.reshape(x.shape)


def tv_cs_objective(x: np.ndarray, kspace: np.ndarray, mask: np.ndarray, lam: float) -> np.ndarray:
    """``1/2 ||M F x - y||^2 + lam TV(x)`` per image (shape (N,) for a stack)."""
    residual = fft2c(x) * mask - kspace * mask
    data = 0.5 * np.sum(np.abs(residual) ** 2, axis=(-2, -1))
    return data + lam * _tv(x)


def tv_cs(kspace: Any, mask: Any, lam: float = TV_CS_DEFAULTS["lam"], *,
          n_iter: int = TV_CS_DEFAULTS["n_iter"], tau: float = TV_CS_DEFAULTS["tau"],
          callback: Callable[[int, np.ndarray], Any] | None = None) -> np.ndarray:
    """Compressed sensing with total variation, by the primal-dual algorithm (PDHG).

    Solves, for a complex image ``x``,

    .. math::

        \\min_x \\; \\tfrac{1}{2} \\lVert M \\mathcal{F} x - y \\rVert_2^2
        + \\lambda \\, \\mathrm{TV}(x)

    with the Chambolle-Pock iteration (``K = gradient``, primal step ``tau``,
    dual step ``sigma = 1 / (8 tau)`` so that ``sigma tau ||K||^2 <= 1``)::

        z    <- clip(z + sigma * grad(x_bar), |z| <= lam)      dual step
        x'   <- prox_G(x + tau * div(z))                      primal step
        x_bar = 2 x' - x

    The proximal step of the data term is exact and closed-form on a
    Cartesian mask, because ``F`` is unitary: in k-space, every sampled
    value becomes ``(k + tau * y) / (1 + tau)`` and every unsampled one is
    left as it is. No inner solver is needed.

    Any ``tau > 0`` converges; how fast depends on the balance of the two
    steps. With ``lam`` small (images in [0, 1]) the dual variable lives in
    a small ball and a large primal step (``tau`` of tens; the default 80 was
    chosen on the training split) converges in a few hundred iterations where
    ``tau = 1 / sqrt(8)`` needs thousands.

    Parameters
    ----------
    kspace : complex ndarray, shape (H, W) or (N, H, W)
        Measured (undersampled) centred k-space ``y``; values outside the
        mask are ignored.
    mask : bool ndarray, shape (H, W) or (N, H, W)
        Sampling mask(s).
    lam : float
        Weight of TV. The default was chosen on the training split
        (:data:`TV_CS_DEFAULTS`) for images with intensities in [0, 1].
    n_iter : int, keyword-only
        Number of iterations.
    tau : float, keyword-only
        Primal step; the dual step is ``1 / (8 tau)``.
    callback : callable, keyword-only
        ``callback(i, x)`` after every iteration ``i`` with the current
        complex image(s) ``x`` of shape (N, H, W); use it with
        :func:`tv_cs_objective` to follow convergence.

    Returns
    -------
    x : complex64 ndarray, same shape as ``kspace``
        The reconstruction; take ``np.abs`` for the magnitude image.

    References
    ----------
    M. Lustig, D. Donoho, J. M. Pauly, "Sparse MRI", Magn. Reson. Med. 58 (2007).
    A. Chambolle, T. Pock, "A first-order primal-dual algorithm for convex
    problems with applications to imaging", J. Math. Imaging Vis. 40 (2011).
    """
    y, m = kspace_and_mask(kspace, mask)
    lam = positive_number(lam, "lam", "the weight of TV")
    n_iter = positive_int(n_iter, "n_iter")
    tau = positive_number(tau, "tau", "the primal step")
    shape = y.shape
    y = (y.reshape(-1, *shape[-2:]) * m.reshape(-1, *shape[-2:])).astype(np.complex64)
    mk = m.reshape(-1, *shape[-2:])
    tau = np.float32(tau)
    sigma = np.float32(1.0 / (8.0 * tau))
    x = ifft2c(y)
    x_bar = x.copy()
    z = np.zeros(x.shape[:1] + (2,) + x.shape[1:], dtype=np.complex64)
    ty = tau * y
    scale = np.where(mk, np.float32(1.0 / (1.0 + tau)), np.float32(1.0)).astype(np.float32)
    for i in range(n_iter):
        z += sigma * gradient(x_bar)
        norm = np.sqrt(np.sum(z.real ** 2 + z.imag ** 2, axis=1, keepdims=True))
        z /= np.maximum(norm / lam, 1.0)
        k = fft2c(x + tau * divergence(z))
        x_new = ifft2c((k + ty) * scale)
        x_bar = 2 * x_new - x
        x = x_new
        if callback is not None:
            callback(i, x)
    return x.reshape(shape)
