"""SENSE: unfolding the aliasing of undersampled coil images with the coil maps.

Sampling every ``R``-th phase-encode column folds each coil image ``R`` times along that axis:
a pixel of the aliased image is the sum of ``R`` object pixels ``W / R`` apart, each weighted by
the coil's map there. With ``C >= R`` coils, each pixel gives ``C`` equations in ``R`` unknowns,
solved in the least-squares sense (Pruessmann et al. 1999): :func:`sense_unfold`.

The same least squares, written for any Cartesian mask: every sampled column is a readout
(axis -2) measured in full, so after an inverse FFT along the readout each row of the image is
its own problem, ``min_x ||E_row x - y_row||^2`` with ``W``
unknowns. Its normal matrix ``N = P * (S^H S)`` (``P = F_s^H F_s`` the mask's convolution
matrix, ``(S^H S)_{jk} = sum_c conj(S_c[j]) S_c[k]``) is ``W x W`` per row and is solved
directly: :func:`sense`. On a pure lattice it equals the pixel-wise unfolding; it also takes
the ACS columns off the lattice, any ``R`` (3 and 6 do not divide 128) and random masks.

Noise. With white coil noise of variance ``sigma^2`` per sample (orthonormal FFT), the
reconstruction's noise covariance is ``sigma^2 N^-1``; fully sampled it would be
``sigma^2 / (S^H S)_jj`` per pixel. The ratio defines the geometry factor
``g_j = sqrt([N^-1]_jj (S^H S)_jj / R)``, ``R = W / (number of sampled columns)``: the SENSE
noise is ``g sqrt(R)`` times the fully sampled noise (:func:`g_factor`). ``sqrt(R)`` is the price
of measuring ``R`` times fewer samples; ``g >= 1`` that of unfolding with imperfectly distinct
coils. Correlated coil noise (covariance ``Psi``) is handled by whitening first.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..fourier import fft2c, ifft2c
from .coils import coil_noise
from .noise import whiten
from .operator import MultiCoilFourier, check_maps, check_multicoil

__all__ = ["sense", "sense_unfold", "g_factor", "g_factor_unfold", "full_noise_std", "pseudo_replica",
           "lattice_weights"]


def _dft_matrix(width: int) -> np.ndarray:
    """The centred orthonormal DFT along the last axis as a matrix: column j is the FFT of pixel j."""
    return fft2c(np.eye(width)[:, None, :])[:, 0, :].T


def _rows_normal(maps: np.ndarray, columns: np.ndarray, tikhonov: float) -> np.ndarray:
    """Normal matrices ``N`` of every row: shape (H, W, W) for maps (C, H, W)."""
    d = _dft_matrix(maps.shape[-1])[columns]
    p = d.conj().T @ d
    sh_s = np.einsum("chj,chk->hjk", np.conj(maps), maps)
    normal = p[None] * sh_s
    if tikhonov > 0:
        scale = np.mean(np.einsum("hjj->h", sh_s).real) / maps.shape[-1]
        normal += tikhonov * scale * np.eye(maps.shape[-1])
    return normal


def _columns(mask: np.ndarray) -> np.ndarray:
    if not (mask == mask[:1]).all():
        raise ValueError("sense needs a mask that samples whole columns (every row the same), so that each "
                         "row is its own problem; for any other mask use cg_sense")
    return np.flatnonzero(mask[0])


def sense(kspace: Any, mask: Any, maps: Any, *, covariance: Any = None, tikhonov: float = 1e-6) -> np.ndarray:
    """SENSE by direct least squares, row by row (module docstring); any Cartesian column mask.

    Parameters
    ----------
    kspace : complex ndarray, shape (C, H, W) or (N, C, H, W)
        Undersampled multi-coil k-space (zeros where not sampled).
    mask : bool ndarray, shape (H, W) or (N, H, W)
    maps : complex ndarray, shape (C, H, W) or (N, C, H, W)
    covariance : ndarray (C, C), keyword-only
        Coil noise covariance; the k-space and maps are whitened with it first.
    tikhonov : float, keyword-only
        ``tikhonov * mean(S^H S)`` is added to the diagonal of ``N``: a guard for pixels no coil
        sees (maps estimated with a threshold are zero there); 1e-6 changes nothing else.

    Returns
    -------
    image : complex64 ndarray, shape (H, W) or (N, H, W)
    """
    k, m, s, single = check_multicoil(kspace, mask, maps)
    k, s = whiten(k, s, covariance)
    out = np.empty((len(k), *k.shape[-2:]), dtype=np.complex64)
    for i in range(len(k)):
        si = s[i if len(s) > 1 else 0]
        rhs = MultiCoilFourier(si, m[i]).adjoint(k[i])[0]
        normal = _rows_normal(si, _columns(m[i]), tikhonov)
        out[i] = np.linalg.solve(normal, rhs[..., None])[..., 0]
    return out[0] if single else out


def g_factor(maps: Any, mask: Any, *, covariance: Any = None) -> np.ndarray:
    """Geometry factor ``g`` of SENSE for these maps and this column mask (module docstring).

    Returns a float array (H, W); NaN where no coil sees the pixel. ``R`` is the mask's
    effective acceleration ``W / n_sampled``.
    """
    s = check_maps(maps)
    if len(s) != 1:
        raise ValueError(f"g_factor takes one set of maps (C, H, W), got shape {np.shape(maps)}")
    m = np.asarray(mask, dtype=bool)
    if m.shape != s.shape[-2:]:
        raise ValueError(f"mask must have the shape {s.shape[-2:]} of the maps, got {m.shape}")
    _, s = whiten(None, s, covariance)
    cols = _columns(m)
    normal = _rows_normal(s[0], cols, 0.0)
    diag_sh_s = np.sum(np.abs(s[0]) ** 2, axis=0)
    seen = diag_sh_s > 0
    inv_diag = np.full(diag_sh_s.shape, np.nan)
    rows = np.flatnonzero(seen.any(axis=1))
    for h in rows:
        j = np.flatnonzero(seen[h])  # only the pixels some coil sees are unknowns
        # the diagonal of the inverse through the eigendecomposition, in double precision: where the
        # system is nearly singular (wide gaps in a random mask) a plain inverse loses its sign to
        # rounding, while this stays positive and huge, as g is there
        w, v = np.linalg.eigh(normal[h][np.ix_(j, j)].astype(np.complex128))
        w = np.maximum(w, w.max() * 1e-14)
        inv_diag[h, j] = np.sum(np.abs(v) ** 2 / w, axis=1)
    r_eff = m.shape[-1] / len(cols)
    return np.sqrt(np.clip(inv_diag * diag_sh_s / r_eff, 0, None)).astype(np.float32)


def lattice_weights(width: int, acceleration: int) -> np.ndarray:
    """How a lattice mask (every ``R``-th column through DC) folds: weights of the ``R`` aliases.

    The zero-filled image of a point at column ``j`` is ``sum_r w_r delta(j + r W / R)``; this
    returns ``w`` (complex, length R), measured by undersampling a point.
    """
    if width % acceleration:
        raise ValueError(f"the image width {width} must be a multiple of acceleration={acceleration} for the "
                         f"aliases to fall on pixels; use sense() for any R")
    mask = (np.arange(width) - width // 2) % acceleration == 0
    point = np.zeros((1, width), dtype=complex)
    point[0, 0] = 1
    aliased = ifft2c(fft2c(point) * mask)[0]
    return aliased[np.arange(acceleration) * (width // acceleration)]


def sense_unfold(aliased: Any, maps: Any, acceleration: int, *, covariance: Any = None) -> np.ndarray:
    """Pixel-by-pixel SENSE unfolding of aliased coil images (Pruessmann et al. 1999).

    Parameters
    ----------
    aliased : complex ndarray, shape (C, H, W)
        Zero-filled coil images ``ifft2c(kspace * mask)`` of a lattice mask: every ``R``-th
        column through DC and nothing else (no ACS).
    maps : complex ndarray, shape (C, H, W)
    acceleration : int
        ``R``; ``W`` must be a multiple of it.

    Returns
    -------
    image : complex64 ndarray, shape (H, W)
    """
    a = np.asarray(aliased)
    s = check_maps(maps, a.shape[0], a.shape[-2:])
    if len(s) != 1 or a.ndim != 3:
        raise ValueError(f"sense_unfold takes one image: aliased (C, H, W) and maps (C, H, W), got {a.shape} "
                         f"and {np.shape(maps)}")
    a, s = whiten(a, s, covariance)
    s = s[0]
    r = int(acceleration)
    width = a.shape[-1]
    w = lattice_weights(width, r)
    step = width // r
    base = np.arange(step)
    # the R unknowns behind aliased pixel x: m(x - r W / R), r = 0..R-1 (circularly)
    positions = (base[:, None] - np.arange(r)[None, :] * step) % width          # (W/R, R)
    enc = w[None, None, None, :] * s[:, :, positions]                           # (C, H, W/R, R)
    enc = np.moveaxis(enc, 0, -2)                                               # (H, W/R, C, R)
    rhs = np.moveaxis(a[:, :, base], 0, -1)[..., None]                          # (H, W/R, C, 1)
    eh = np.conj(np.swapaxes(enc, -1, -2))
    unknowns = np.linalg.solve(eh @ enc, eh @ rhs)[..., 0]                      # (H, W/R, R)
    out = np.zeros(a.shape[-2:], dtype=np.complex64)
    out[:, positions] = unknowns
    return out


def g_factor_unfold(maps: Any, acceleration: int, *, covariance: Any = None) -> np.ndarray:
    """Pruessmann's g-factor ``sqrt([(S^H S)^-1]_rr (S^H S)_rr)`` over each set of aliased pixels."""
    s = check_maps(maps)[0]
    _, s = whiten(None, s[None], covariance)
    s = s[0]
    r = int(acceleration)
    width = s.shape[-1]
    if width % r:
        raise ValueError(f"the image width {width} must be a multiple of acceleration={r}")
    step = width // r
    positions = (np.arange(step)[:, None] - np.arange(r)[None, :] * step) % width
    enc = np.moveaxis(s[:, :, positions], 0, -2)                                # (H, W/R, C, R)
    sh_s = np.conj(np.swapaxes(enc, -1, -2)) @ enc
    g = np.sqrt(np.clip((np.linalg.inv(sh_s).diagonal(axis1=-2, axis2=-1) * sh_s.diagonal(axis1=-2, axis2=-1)).real,
                        0, None))
    out = np.zeros(s.shape[-2:], dtype=np.float32)
    out[:, positions] = g
    return out


def full_noise_std(maps: Any, noise_std: float, *, covariance: Any = None) -> np.ndarray:
    """Noise standard deviation (complex) of the optimal combination of fully sampled data.

    ``sqrt(2) noise_std / sqrt(S^H S)`` for independent coils whose real and imaginary parts
    each have standard deviation ``noise_std``; ``1 / sqrt(S^H Psi^-1 S)`` with ``covariance``.
    """
    s = check_maps(maps)[0]
    if covariance is not None:
        _, s = whiten(None, s[None], covariance)
        return (1 / np.sqrt(np.sum(np.abs(s[0]) ** 2, axis=0))).astype(np.float32)
    return (np.sqrt(2) * noise_std / np.sqrt(np.sum(np.abs(s) ** 2, axis=0))).astype(np.float32)


def pseudo_replica(reconstruct: Callable[[np.ndarray], np.ndarray], kspace: Any, mask: Any, covariance: Any,
                   *, n_replicas: int = 50, rng: np.random.Generator | int | None = 0) -> np.ndarray:
    """Noise standard deviation of a reconstruction, by pseudo-multiple replicas (Robson et al. 2008).

    Adds ``n_replicas`` fresh draws of coil noise (covariance ``covariance``) to ``kspace`` on the
    sampled positions, reconstructs each with ``reconstruct(kspace)`` (complex image) and returns
    the per-pixel standard deviation of the complex result over the replicas. For a linear
    method this is its noise, whatever the data; for a non-linear one it is the noise near these
    data.
    """
    k = np.asarray(kspace)
    m = np.asarray(mask, dtype=bool)
    rng = np.random.default_rng(rng)
    replicas = np.stack([np.asarray(reconstruct(k + coil_noise(rng, k.shape, covariance) * m))
                         for _ in range(n_replicas)])
    return np.sqrt(np.mean(np.abs(replicas - replicas.mean(axis=0)) ** 2, axis=0) * n_replicas
                   / (n_replicas - 1)).astype(np.float32)
