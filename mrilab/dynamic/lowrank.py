"""Low rank plus sparse (L + S): a movie as a background that changes little plus what moves.

Otazo, Candès and Sodickson (2015) write the movie ``x`` (``T`` frames) as ``L + S``, with ``L`` of low
rank as a Casorati matrix (pixels by frames: a static or slowly varying background is a few temporal
profiles) and ``S`` sparse in a transform ``T`` (the temporal Fourier transform for a cardiac cine: the
heart's periodic motion is a few temporal frequencies), and solve

    min_{L, S}  1/2 ||E(L + S) - d||^2 + lam_L ||L||_* + lam_S ||T S||_1

by their iterative soft thresholding of singular values and of transform coefficients (their
Algorithm 1, as in their code): from ``M = E^H d``,

    L = SVT(M - S_prev, lam_L),   S = T^{-1} soft(T (M - L_prev), lam_S),
    M = L + S - step E^H (E (L + S) - d)

until ``M`` changes by less than ``tol`` relative. As in their code, the singular-value threshold is
``lam_L`` times the largest singular value of the current iterate, so strictly the iteration minimises no
fixed objective (with a fixed threshold it would be the objective above); ``lam_S`` is absolute on data
scaled so that the zero-filled movie ``E^H d`` has maximum magnitude 1 (here, so that one ``lam_S`` serves
every scan). ``step = 1 / ||E||^2`` (1 for maps normalised to unit root-sum-of-squares and Cartesian masks;
for a density-weighted radial operator the effective weight of the S term is ``lam_S ||E||^2``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import positive_int

__all__ = ["svt", "soft_threshold", "temporal_fft", "temporal_ifft", "l_plus_s", "L_PLUS_S_DEFAULTS"]

#: Iterations and tolerance (Otazo et al.'s code stops at a relative change of 0.0025, which on this book's
#: movies comes before convergence); ``lam_l``, ``lam_s`` as chosen on the training split at R = 8
#: (``benchmarks/tune_dynamic.py``; every acceleration in :data:`mrilab.dynamic.tuned.DYNAMIC_BY_ACCELERATION`).
L_PLUS_S_DEFAULTS = dict(lam_l=0.03, lam_s=0.01, n_iter=100, tol=1e-4)


def soft_threshold(z: np.ndarray, threshold: float) -> np.ndarray:
    """Complex soft thresholding: ``z / |z| max(|z| - threshold, 0)``, the proximal map of ``threshold ||z||_1``."""
    mag = np.abs(z)
    return z * (np.maximum(mag - threshold, 0) / np.maximum(mag, 1e-30))


def svt(matrix: np.ndarray, threshold: float) -> np.ndarray:
    """Singular value thresholding: soft-threshold the singular values of ``matrix`` by ``threshold``.

    The proximal map of ``threshold ||X||_*`` (the nuclear norm, the sum of singular values).
    """
    u, s, vh = np.linalg.svd(matrix, full_matrices=False)
    s = np.maximum(s - threshold, 0)
    keep = s > 0
    return (u[:, keep] * s[keep]) @ vh[keep]


def temporal_fft(x: np.ndarray) -> np.ndarray:
    """Orthonormal Fourier transform along time (axis 0), zero frequency in the middle: x-t to x-f."""
    return np.fft.fftshift(np.fft.fft(x, axis=0, norm="ortho"), axes=0)


def temporal_ifft(f: np.ndarray) -> np.ndarray:
    """The inverse of :func:`temporal_fft`."""
    return np.fft.ifft(np.fft.ifftshift(f, axes=0), axis=0, norm="ortho")


def _casorati_svt(x: np.ndarray, lam: float) -> np.ndarray:
    """:func:`svt` of the Casorati matrix ``C`` (pixels by frames) with the threshold ``lam`` times its largest
    singular value, through the small ``T x T`` Gram matrix: ``C^H C = V diag(s^2) V^H``, and the thresholded
    matrix is ``C V diag(max(s - t, 0) / s) V^H`` (the same as from the SVD, a test checks it, without the
    SVD of the tall matrix)."""
    t = x.shape[0]
    c = x.reshape(t, -1).T  # pixels by frames
    gram = (c.conj().T @ c).astype(np.complex128)
    w, v = np.linalg.eigh(gram)
    sv = np.sqrt(np.maximum(w, 0))
    top = sv.max()
    if top == 0:
        return np.zeros_like(x)
    gain = np.where(sv > 0, np.maximum(sv - lam * top, 0) / np.maximum(sv, 1e-30), 0.0)
    project = ((v * gain) @ v.conj().T).astype(c.dtype)
    return (c @ project).T.reshape(x.shape)


def l_plus_s(op, kspace: np.ndarray, *, lam_l: float = L_PLUS_S_DEFAULTS["lam_l"],
             lam_s: float = L_PLUS_S_DEFAULTS["lam_s"], n_iter: int = L_PLUS_S_DEFAULTS["n_iter"],
             tol: float = L_PLUS_S_DEFAULTS["tol"]) -> tuple[np.ndarray, np.ndarray]:
    """L + S reconstruction of one movie (module docstring).

    Parameters
    ----------
    op : KTOperator or RadialKTOperator
        The measurement (:mod:`mrilab.dynamic.operator`).
    kspace : complex ndarray
        The measured samples, shaped as ``op.forward``'s output.
    lam_l : float
        Singular-value threshold, relative to the largest singular value (0 keeps every one).
    lam_s : float
        Threshold of the temporal Fourier coefficients of ``S``, on the scale where ``E^H d`` has maximum 1.
    n_iter, tol
        At most ``n_iter`` iterations; stop when ``||M_k - M_{k-1}|| < tol ||M_{k-1}||``.

    Returns
    -------
    L, S : complex64 ndarrays (T, H, W)
        The low-rank and the sparse component; the movie is ``L + S``.
    """
    for name, value in (("lam_l", lam_l), ("lam_s", lam_s), ("tol", tol)):
        if not np.isscalar(value) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if lam_l >= 1:
        raise ValueError(f"lam_l is relative to the largest singular value, so it must be below 1 (1 thresholds "
                         f"every singular value to 0), got {lam_l!r}")
    n_iter = positive_int(n_iter, "n_iter")
    step = 1.0 / op.norm() ** 2
    m = op.adjoint(kspace)
    scale = float(np.abs(m).max()) or 1.0
    m = m / scale
    b = m.copy()  # E^H d, scaled
    low_prev = m.copy()
    sparse = np.zeros_like(m)
    low = m
    for _ in range(n_iter):
        previous = m
        low = _casorati_svt(m - sparse, lam_l)
        sparse = temporal_ifft(soft_threshold(temporal_fft(m - low_prev), lam_s))
        both = low + sparse
        m = (both - step * (op.normal(both) - b)).astype(np.complex64)
        low_prev = low
        if np.linalg.norm(m - previous) < tol * np.linalg.norm(previous):
            break
    return (low * scale).astype(np.complex64), (sparse * scale).astype(np.complex64)
