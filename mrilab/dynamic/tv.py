"""Total variation in time (and in space) for a movie, by the primal-dual algorithm.

    min_x  1/2 ||E x - d||^2 + lam_t ||D_t x||_1 + lam_s ||D_s x||_{2,1}

``D_t`` is the difference between neighbouring frames (cyclic for a cine, whose last frame leads back
to the first; not for a free-running acquisition), ``D_s`` the spatial gradient of each frame
(isotropic: the two differences of a pixel together). ``lam_t`` alone is the temporal TV of GRASP
(Feng et al. 2014); ``lam_s`` alone is frame-by-frame TV compressed sensing, each frame on its own.
Two primal-dual solvers, chosen by ``tau``:

``tau=None`` (the default; temporal TV)
    The algorithm of Condat (2013) and Vũ (2013), which takes the smooth data term by its gradient (one
    ``E^H E`` per iteration, :meth:`KTOperator.normal`) and the TV terms in the dual::

        x_{k+1} = x_k - t (E^H (E x_k - d) + D^H q_k),   q_{k+1} = proj_lam(q_k + s D (2 x_{k+1} - x_k))

    with ``t = 1 / ||E||^2`` and ``s = ||E||^2 / (2 ||D||^2)`` (``||D||^2 <= 4`` in time, ``8`` in space),
    which meets its convergence condition ``1 / t - s ||D||^2 >= ||E||^2 / 2``.
``tau`` a number (frame-by-frame TV)
    Chambolle and Pock's algorithm (2011) with the data term dualised too, ``K = [E; D_t; D_s]``, each
    dual with its own step (``1 / (n tau ||K_i||^2)`` for ``n`` terms, the diagonal preconditioning of
    :func:`mrilab.multicoil.sense_tv`) and the primal step ``tau``. The spatial term converges far faster
    this way with a large ``tau`` (8 in the registry's ``frame_tv``); the temporal one faster the first way
    (``benchmarks/tune_dynamic.py --convergence`` measures both at 100 and 400 iterations).

The weights are on the scale where the zero-filled movie ``E^H d`` has maximum magnitude 1.
"""

from __future__ import annotations

import numpy as np

from .._checks import positive_int

__all__ = ["temporal_tv", "TEMPORAL_TV_DEFAULTS", "FRAME_TV_DEFAULTS", "time_difference", "time_difference_adjoint"]

#: ``lam_t``, ``lam_s`` tuned on the training split (``benchmarks/tune_dynamic.py``); iterations.
TEMPORAL_TV_DEFAULTS = dict(lam_t=0.01, lam_s=0.0, n_iter=100, cyclic=True)
#: Frame-by-frame TV (the registry's ``frame_tv``): the all-dual solver with primal step 8, converged in
#: 100 iterations on the training movies at R = 8 (``--convergence``); ``lam_s`` from the tuned table.
FRAME_TV_DEFAULTS = dict(n_iter=100, tau=8.0)


def time_difference(x: np.ndarray, cyclic: bool = True) -> np.ndarray:
    """``x[t + 1] - x[t]``; the last frame's difference leads back to the first if ``cyclic``, else 0."""
    d = np.roll(x, -1, axis=0) - x
    if not cyclic:
        d[-1] = 0
    return d


def time_difference_adjoint(p: np.ndarray, cyclic: bool = True) -> np.ndarray:
    """The adjoint of :func:`time_difference`."""
    if not cyclic:
        p = p.copy()
        p[-1] = 0
    return np.roll(p, 1, axis=0) - p


def _grad(x):
    gx = np.zeros_like(x)
    gy = np.zeros_like(x)
    gx[..., :, :-1] = x[..., :, 1:] - x[..., :, :-1]
    gy[..., :-1, :] = x[..., 1:, :] - x[..., :-1, :]
    return gx, gy


def _grad_adjoint(gx, gy):
    out = np.zeros_like(gx)
    out[..., :, :-1] -= gx[..., :, :-1]
    out[..., :, 1:] += gx[..., :, :-1]
    out[..., :-1, :] -= gy[..., :-1, :]
    out[..., 1:, :] += gy[..., :-1, :]
    return out


def _spatial_dual(q_x, q_y, x_bar, step, lam):
    """The dual step of isotropic spatial TV: ``q + step grad(x_bar)``, projected pixel by pixel onto ``|q| <= lam``."""
    gx, gy = _grad(x_bar)
    qx, qy = q_x + step * gx, q_y + step * gy
    shrink = np.maximum(1.0, np.sqrt(np.abs(qx) ** 2 + np.abs(qy) ** 2) / lam)
    return qx / shrink, qy / shrink


def _project(z, radius):
    """Onto ``|z| <= radius`` elementwise (complex)."""
    mag = np.abs(z)
    return z / np.maximum(1.0, mag / radius)


def temporal_tv(op, kspace: np.ndarray, *, lam_t: float = TEMPORAL_TV_DEFAULTS["lam_t"],
                lam_s: float = TEMPORAL_TV_DEFAULTS["lam_s"], n_iter: int = TEMPORAL_TV_DEFAULTS["n_iter"],
                cyclic: bool = TEMPORAL_TV_DEFAULTS["cyclic"], tau: float | None = None) -> np.ndarray:
    """TV-regularised reconstruction of one movie (module docstring).

    Parameters
    ----------
    op : KTOperator or RadialKTOperator
    kspace : complex ndarray
        The measured samples, shaped as ``op.forward``'s output.
    lam_t, lam_s : float >= 0
        Temporal and spatial TV weights (not both 0).
    n_iter : int
    cyclic : bool
        The last frame is the first one's neighbour (a cine over one cardiac cycle).
    tau : float or None, keyword-only
        None: the gradient step on the data term (Condat-Vũ); a number: the data term dualised too, with
        this primal step (Chambolle-Pock). Module docstring.

    Returns
    -------
    movie : complex64 ndarray (T, H, W)
    """
    for name, value in (("lam_t", lam_t), ("lam_s", lam_s)):
        if not np.isscalar(value) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if lam_t == 0 and lam_s == 0:
        raise ValueError("lam_t and lam_s are both 0: that is least squares, not TV; give one of them a weight")
    n_iter = positive_int(n_iter, "n_iter")
    if tau is not None:
        if not np.isscalar(tau) or not np.isfinite(tau) or tau <= 0:
            raise ValueError(f"tau must be a positive number (the primal step) or None, got {tau!r}")
        return _all_dual(op, kspace, lam_t, lam_s, n_iter, cyclic, float(tau))
    b = op.adjoint(kspace)
    scale = float(np.abs(b).max()) or 1.0
    b = b / scale
    x = b.copy()
    lip = op.norm() ** 2
    tau = 1.0 / lip
    sigma = lip / (2.0 * ((4.0 if lam_t > 0 else 0.0) + (8.0 if lam_s > 0 else 0.0)))
    q_t = np.zeros_like(x) if lam_t > 0 else None
    q_x = np.zeros_like(x) if lam_s > 0 else None
    q_y = np.zeros_like(x) if lam_s > 0 else None
    for _ in range(n_iter):
        grad = op.normal(x) - b
        if lam_t > 0:
            grad += time_difference_adjoint(q_t, cyclic)
        if lam_s > 0:
            grad += _grad_adjoint(q_x, q_y)
        x_new = (x - tau * grad).astype(np.complex64)
        x_bar = 2 * x_new - x
        x = x_new
        if lam_t > 0:
            q_t = _project(q_t + sigma * time_difference(x_bar, cyclic), lam_t)
        if lam_s > 0:
            q_x, q_y = _spatial_dual(q_x, q_y, x_bar, sigma, lam_s)
    return (x * scale).astype(np.complex64)


def _all_dual(op, kspace, lam_t, lam_s, n_iter, cyclic, tau):
    """Chambolle-Pock with every term dualised and diagonally preconditioned steps (module docstring)."""
    b = op.adjoint(kspace)
    scale = float(np.abs(b).max()) or 1.0
    y = kspace / scale
    x = b / scale
    x_bar = x.copy()
    terms = 1 + (lam_t > 0) + (lam_s > 0)
    # tau (s_E ||E||^2 + s_T ||D_t||^2 + s_S ||D_s||^2) <= 1, each term a 1/terms share
    s_e = np.float32(1.0 / (terms * tau * op.norm() ** 2))
    s_t = np.float32(1.0 / (terms * tau * 4.0))
    s_s = np.float32(1.0 / (terms * tau * 8.0))
    p = np.zeros_like(y)
    q_t = np.zeros_like(x) if lam_t > 0 else None
    q_x = np.zeros_like(x) if lam_s > 0 else None
    q_y = np.zeros_like(x) if lam_s > 0 else None
    for _ in range(n_iter):
        p = (p + s_e * (op.forward(x_bar) - y)) / (1 + s_e)
        grad = op.adjoint(p)
        if lam_t > 0:
            q_t = _project(q_t + s_t * time_difference(x_bar, cyclic), lam_t)
            grad = grad + time_difference_adjoint(q_t, cyclic)
        if lam_s > 0:
            q_x, q_y = _spatial_dual(q_x, q_y, x_bar, s_s, lam_s)
            grad = grad + _grad_adjoint(q_x, q_y)
        x_new = (x - tau * grad).astype(np.complex64)
        x_bar = 2 * x_new - x
        x = x_new
    return (x * scale).astype(np.complex64)
