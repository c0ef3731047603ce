"""Noise prewhitening: the coil noise covariance measured on a noise scan, and data made white.

A scanner measures the coil noise before the imaging scan: a few readouts with the
transmitter off (the ISMRMRD flag ``ACQ_IS_NOISE_MEASUREMENT``). Their sample covariance
``Psi = X X^H / n`` (``X`` the coils x samples matrix) estimates the noise covariance between
coils; correlation appears where the coils' fields overlap (they see the same noisy volume)
and through mutual inductance. Multiplying every coil vector (k-space sample, coil image, map)
by ``W`` with ``W^H W = Psi^-1`` makes that noise white: after it, every method written for
independent coils of equal noise (root-sum-of-squares, SENSE, GRAPPA, the networks) is
optimal for ``Psi`` (Roemer et al. 1990; Pruessmann et al. 2001, appendix).

Two conventions matter when real data are whitened:

* ``W = L^-1`` (``Psi = L L^H``, Cholesky) makes the noise variance 1 per coil, which changes
  the image's scale by about ``1 / sigma``; parameters tuned on images in [0, 1] (a TV weight,
  a network) then no longer fit. :func:`prewhitening_matrix` therefore scales ``W`` by default
  so that the whitened noise has the *mean* variance of the coils before whitening, which keeps
  intensities where they were and changes only the correlation.
* A noise scan recorded with another receiver bandwidth (dwell time) than the imaging scan has
  another variance; Gadgetron scales ``Psi`` by the ratio of the two. Here both have the same
  bandwidth (the simulated files of :mod:`mrilab.io`), so no correction is made.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array

__all__ = ["estimate_noise_covariance", "whitening", "prewhitening_matrix", "prewhiten", "whiten"]


def estimate_noise_covariance(noise: Any) -> np.ndarray:
    """Sample covariance ``Psi = X X^H / (n - 1)`` of noise samples ``X`` (coils x samples).

    Parameters
    ----------
    noise : complex ndarray, shape (C, n) or (..., C, n)
        Noise-only samples of every coil (a noise scan); every axis but the coil axis (-2)
        and the last is flattened into samples too.

    Returns
    -------
    covariance : complex128 ndarray, shape (C, C)
        Hermitian; ``Psi[i, i]`` is the variance of coil ``i``'s complex noise (twice the
        variance of its real part).
    """
    x = as_array(noise, "noise", min_ndim=2)
    if not np.iscomplexobj(x):
        raise ValueError(f"noise must be complex samples (a noise scan's readouts), got dtype {x.dtype}")
    x = np.moveaxis(x, -2, 0).reshape(x.shape[-2], -1).astype(np.complex128)
    n = x.shape[1]
    if n < 2 * len(x):
        raise ValueError(f"noise has {n} samples per coil for {len(x)} coils; a covariance estimate needs "
                         f"many more samples than coils (a noise scan gives thousands): record a longer one")
    x = x - x.mean(axis=1, keepdims=True)
    return x @ x.conj().T / (n - 1)


def whitening(covariance: Any) -> np.ndarray:
    """The matrix ``W = L^-1`` (``Psi = L L^H``) that makes coil noise white with unit variance.

    Multiply k-space and maps by it over the coil axis (``np.einsum("ij,...jhw->...ihw", W, x)``)
    and every method that assumes independent coils of equal noise becomes optimal for ``Psi``.
    """
    psi = np.asarray(covariance)
    try:
        return np.linalg.inv(np.linalg.cholesky(psi))
    except np.linalg.LinAlgError:
        raise ValueError("covariance must be Hermitian positive definite (a measured noise covariance is); "
                         "add a small multiple of the identity if it is singular") from None


def prewhitening_matrix(covariance: Any, *, keep_scale: bool = True) -> np.ndarray:
    """The matrix ``W`` that makes coil noise of covariance ``Psi`` white: ``W Psi W^H = s I``.

    ``W = sqrt(s) L^-1`` with ``Psi = L L^H`` (lower triangular: coil 1 is left as it is,
    up to scale, coil 2 has coil 1's share of its noise removed, and so on). With
    ``keep_scale=True`` (the default) ``s`` is the mean noise variance of the coils,
    ``trace(Psi) / C``, so that images keep their intensity (module docstring); with
    ``keep_scale=False`` ``s = 1``.
    """
    psi = np.asarray(covariance)
    if psi.ndim != 2 or psi.shape[0] != psi.shape[1]:
        raise ValueError(f"covariance must be a square (C, C) matrix, got shape {psi.shape}; estimate it "
                         f"with estimate_noise_covariance(noise)")
    w = whitening(psi)
    return w * np.sqrt(np.trace(psi).real / len(psi)) if keep_scale else w


def prewhiten(data: Any, covariance: Any, *, axis: int = -3, keep_scale: bool = True) -> np.ndarray:
    """Multiply every coil vector of ``data`` (k-space, coil images or maps) by :func:`prewhitening_matrix`.

    Parameters
    ----------
    data : complex ndarray
        The coil axis is ``axis`` (default -3: ``(C, H, W)`` or ``(N, C, H, W)``; use ``axis=-2``
        for noise samples ``(C, n)``).
    covariance : ndarray, shape (C, C)
    keep_scale : bool, keyword-only
        As for :func:`prewhitening_matrix`.

    Returns
    -------
    complex64 ndarray of the shape of ``data``
    """
    x = np.asarray(data)
    w = prewhitening_matrix(covariance, keep_scale=keep_scale)
    if x.ndim == 0 or x.shape[axis] != len(w):
        raise ValueError(f"data has shape {x.shape}, so {x.shape[axis] if x.ndim else 'no'} coils on axis "
                         f"{axis}, but the covariance is for {len(w)} coils; pass the coil axis as axis=")
    out = np.tensordot(w, np.moveaxis(x, axis, 0), axes=(1, 0))
    return np.moveaxis(out, 0, axis).astype(np.complex64)


def whiten(kspace: np.ndarray | None, maps: np.ndarray, covariance: Any) -> tuple[np.ndarray | None, np.ndarray]:
    """K-space (or coil images, or None) and maps with the coil noise made white, over axis -3.

    Unchanged when ``covariance`` is None; otherwise both go through :func:`prewhiten` with
    ``keep_scale=False`` (unit noise variance), the convention of the noise formulas of
    :mod:`mrilab.multicoil.sense` (g-factor, Roemer's SNR). A least-squares solution does not depend
    on the scale; a regularised one does, which is why the solvers with a prior use ``keep_scale=True``.
    """
    if covariance is None:
        return kspace, maps
    white_maps = prewhiten(maps, covariance, keep_scale=False).astype(np.complex64)
    return (None if kspace is None else prewhiten(kspace, covariance, keep_scale=False)), white_maps
