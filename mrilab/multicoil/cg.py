"""Iterative SENSE: conjugate gradients on the normal equations, and SENSE with TV.

CG-SENSE (Pruessmann et al. 2001) solves ``E^H E x = E^H y`` with conjugate gradients, using
only the operators ``E`` and ``E^H`` (:class:`MultiCoilFourier`): no matrix is formed, so it
works for any mask and any trajectory. Started from zero, its first iterate is a multiple of the
aliased ``E^H y``; the components along eigenvectors of ``E^H E`` with large eigenvalues converge
first, those with small eigenvalues (where the g-factor is high) last, and those carry the noise
amplification. Run to convergence it gives the SENSE least-squares solution with all of that
noise, so the number of iterations is itself a regulariser.

With a prior the problem becomes ``min_x 1/2 ||E x - y||^2 + lam TV(x)`` (Block et al. 2007;
Knoll et al. 2011), the multi-coil version of chapter 7's TV compressed sensing. There the
data step was closed-form because ``M F`` is diagonal in k-space; with coil maps it is not,
so :func:`sense_tv` dualises the data term too: the primal-dual algorithm of Chambolle and
Pock (2011) with ``K = [E; grad]`` and two dual variables, one per term, each with its own
step (the diagonal preconditioning of Pock and Chambolle 2011). Every iteration costs one ``E``
and one ``E^H``; no inner solver is needed.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._checks import positive_int, positive_number
from ..conjugate_gradient import conjugate_gradient
from ..operators import divergence, gradient
from .noise import prewhiten
from .operator import MultiCoilFourier, check_multicoil

__all__ = ["cg_sense", "sense_tv", "cg_sense_tv", "CG_SENSE_DEFAULTS", "CG_SENSE_TV_DEFAULTS",
           "SENSE_TV_BY_ACCELERATION"]

#: Defaults of the registry's ``cg_sense`` (the number of iterations, chosen by PSNR on the
#: multicoil training split at R = 4 by ``benchmarks/tune_multicoil.py``).
CG_SENSE_DEFAULTS = dict(n_iter=8)
#: Defaults of :func:`sense_tv` (``lam`` chosen on the multicoil training split at R = 4 by
#: ``benchmarks/tune_multicoil.py``).
CG_SENSE_TV_DEFAULTS = dict(lam=0.003, n_iter=150, tau=4.0)
#: :func:`sense_tv`'s parameters for each nominal acceleration of a regular mask (Part VII), chosen
#: by mean PSNR on the multicoil training split measured again at that acceleration (noise 0.01,
#: 8 coils, maps from the ACS) on 12 images by ``python benchmarks/tune_multicoil.py --accelerations 3 4 6 8
#: --n 12``;
#: ``reconstruct("cg_sense_tv", ..., acceleration=R)`` reads it.
SENSE_TV_BY_ACCELERATION = {
    3.0: dict(lam=0.003, n_iter=150, tau=4.0),
    4.0: dict(lam=0.005, n_iter=150, tau=4.0),
    6.0: dict(lam=0.003, n_iter=150, tau=4.0),
    8.0: dict(lam=0.003, n_iter=150, tau=4.0),
}


def _prepare(kspace, mask, maps, covariance):
    k, m, s, single = check_multicoil(kspace, mask, maps, "kspace")
    if s is None:
        raise ValueError("maps are required: pass maps= (estimate them with mrilab.multicoil.estimate_maps)")
    if covariance is not None:
        # whitened to the coils' mean noise variance, so that a TV weight keeps its meaning (noise module)
        k, s = prewhiten(k, covariance), prewhiten(s, covariance)
    op = MultiCoilFourier(s, m)
    return op, (k * m[:, None]).astype(np.complex64), single


def cg_sense(kspace: Any, mask: Any, maps: Any, *, n_iter: int = 30, tol: float = 1e-6, covariance: Any = None,
             real: bool = False, callback: Callable[[int, np.ndarray], Any] | None = None) -> np.ndarray:
    """CG-SENSE: conjugate gradients on ``E^H E x = E^H y``, started from zero.

    Parameters
    ----------
    kspace : complex ndarray, shape (C, H, W) or (N, C, H, W)
    mask : bool ndarray, shape (H, W) or (N, H, W)
    maps : complex ndarray, shape (C, H, W) or (N, C, H, W)
    n_iter : int, keyword-only
        Most iterations (each one ``E`` and one ``E^H``).
    tol : float, keyword-only
        Stop an image when its residual ``||E^H y - E^H E x||`` falls below ``tol`` times
        ``||E^H y||``.
    covariance : ndarray (C, C), keyword-only
        Coil noise covariance (whitened first).
    real : bool, keyword-only
        Solve for a real image: ``Re(E^H E) x = Re(E^H y)``, the phase-constrained least
        squares of partial Fourier (chapter 20). Maps estimated from the ACS carry the object's
        low-resolution phase, so with them the image they give is nearly real.
    callback : callable, keyword-only
        ``callback(i, x)`` after each iteration with the images ``(N, H, W)``.

    Returns
    -------
    image : complex64 ndarray, shape (H, W) or (N, H, W)
    """
    n_iter = positive_int(n_iter, "n_iter")
    op, y, single = _prepare(kspace, mask, maps, covariance)
    normal = (lambda v: op.normal(v).real.astype(np.complex64)) if real else op.normal
    b = op.adjoint(y)
    if real:
        b = b.real.astype(np.complex64)
    x = conjugate_gradient(normal, b, n_iter=n_iter, tol=tol, callback=callback)
    return x[0] if single else x


def sense_tv(kspace: Any, mask: Any, maps: Any, lam: float = CG_SENSE_TV_DEFAULTS["lam"], *,
            n_iter: int = CG_SENSE_TV_DEFAULTS["n_iter"], tau: float = CG_SENSE_TV_DEFAULTS["tau"],
            covariance: Any = None, real: bool = False,
            callback: Callable[[int, np.ndarray], Any] | None = None) -> np.ndarray:
    """SENSE with total variation, ``min_x 1/2 ||E x - y||^2 + lam TV(x)``, by primal-dual iterations.

    The iteration (Chambolle and Pock 2011, both terms dualised; module docstring)::

        p    <- (p + s_E (E x_bar - y)) / (1 + s_E)              data dual, s_E = 1 / (2 tau)
        z    <- clip(z + s_D grad(x_bar), |z| <= lam)            TV dual,   s_D = 1 / (16 tau)
        x'   <- x - tau (E^H p - div z)
        x_bar = 2 x' - x

    The steps satisfy ``tau (s_E ||E||^2 + s_D ||grad||^2) <= 1`` because ``||E|| <= 1`` for maps
    normalised to root-sum-of-squares 1 and ``||grad||^2 <= 8``, so the iteration converges for
    any ``tau > 0``; ``tau`` only sets the balance between the primal and the dual steps.
    Started from the adjoint ``E^H y`` (the coil-combined zero-filled image).

    Parameters
    ----------
    kspace, mask, maps
        As for :func:`cg_sense`. Maps should be normalised (``sum_c |S_c|^2 <= 1``).
    lam : float
        Weight of TV, for images with intensities in [0, 1].
    n_iter, tau : keyword-only
        Iterations and primal step.
    covariance, real, callback : keyword-only
        As for :func:`cg_sense`; ``real=True`` projects every primal iterate onto real images
        (the proximal step of the constraint ``x`` real).

    Returns
    -------
    image : complex64 ndarray, shape (H, W) or (N, H, W)
    """
    lam = positive_number(lam, "lam", "the weight of TV")
    tau = positive_number(tau, "tau", "the primal step")
    n_iter = positive_int(n_iter, "n_iter")
    op, y, single = _prepare(kspace, mask, maps, covariance)
    norm = float(np.max(np.sum(np.abs(op.maps) ** 2, axis=-3)))
    if norm > 1 + 1e-3 and covariance is None:
        raise ValueError(f"maps must be normalised to sum_c |S_c|^2 <= 1 (the step sizes rely on ||E|| <= 1), "
                         f"got a maximum of {norm:.3g}; divide them by their root-sum-of-squares")
    tau = np.float32(tau)
    # whitened maps can exceed root-sum-of-squares 1; ||E||^2 <= max_r sum_c |S_c(r)|^2 bounds the data step
    s_e = np.float32(1 / (2 * tau * max(norm, 1.0)))
    s_d = np.float32(1 / (16 * tau))
    x = op.adjoint(y).astype(np.complex64)
    if real:
        x = x.real.astype(np.complex64)
    x_bar = x.copy()
    p = np.zeros_like(y)
    z = np.zeros(x.shape[:1] + (2,) + x.shape[1:], dtype=np.complex64)
    for i in range(n_iter):
        p = (p + s_e * (op.forward(x_bar) - y)) / (1 + s_e)
        z += s_d * gradient(x_bar)
        mag = np.sqrt(np.sum(np.abs(z) ** 2, axis=1, keepdims=True))
        z /= np.maximum(1, mag / lam)
        x_new = x - tau * (op.adjoint(p) - divergence(z))
        if real:
            x_new = x_new.real.astype(np.complex64)
        x_bar = 2 * x_new - x
        x = x_new
        if callback is not None:
            callback(i, x)
    return x[0] if single else x


#: The earlier name of :func:`sense_tv`, which runs primal-dual iterations, not conjugate
#: gradients; kept because chapters and the registry's method ``"cg_sense_tv"`` use it.
cg_sense_tv = sense_tv
