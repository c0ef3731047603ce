"""Coil compression: fewer virtual coils that keep almost all of the signal.

Every method of Part V costs time in proportion to the number of coils. Neighbouring coils
see much the same signal, so the coil vectors of all k-space samples lie close to a subspace of
fewer dimensions. **SVD (PCA) compression** (Buehrer et al. 2007; Huang et al. 2008) finds it:
stack the samples as a matrix ``X`` (coils x samples), take ``X = U s V^H``, and keep the
first ``n_virtual`` left singular vectors: the virtual coils are ``U_n^H x`` for every sample
and every map. ``U_n`` is one matrix for the whole data set, so the compressed data obey the
same forward model ``E = M F S`` with maps ``U_n^H S``, and every method runs on them
unchanged. Compress *after* prewhitening (:mod:`.noise`): then the virtual coils' noise stays
white (``U_n`` is orthonormal) and ranking the singular values ranks SNR.

Geometric coil compression (Zhang et al. 2013) computes one such matrix per position along
the fully sampled readout, aligned between neighbours, and compresses further for the same
loss; it is left out here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, positive_int

__all__ = ["compression_matrix", "compress_coils"]


def compression_matrix(kspace: Any, n_virtual: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The SVD compression matrix of multi-coil data and the singular values of its coils.

    Parameters
    ----------
    kspace : complex ndarray, shape (C, H, W) or (N, C, H, W)
        The data (or only its ACS) that the compression is learnt from; zeros (unsampled
        positions) do not change it.
    n_virtual : int or None
        Virtual coils to keep; None keeps all.

    Returns
    -------
    u : complex64 ndarray, shape (n_virtual, C)
        Rows are the virtual coils: ``virtual = u @ coils`` over the coil axis.
    singular_values : float ndarray, shape (C,)
        In decreasing order; the fraction of the energy kept by ``n`` virtual coils is
        ``(s[:n] ** 2).sum() / (s ** 2).sum()``.
    """
    k = as_array(kspace, "kspace", min_ndim=3, max_ndim=4)
    c = k.shape[-3]
    n_virtual = c if n_virtual is None else positive_int(n_virtual, "n_virtual")
    if n_virtual > c:
        raise ValueError(f"n_virtual must be at most the number of coils ({c}), got {n_virtual}")
    x = np.moveaxis(k.reshape(-1, c, k.shape[-2] * k.shape[-1]), 1, 0).reshape(c, -1)
    u, s, _ = np.linalg.svd(x.astype(np.complex128), full_matrices=False)
    return u[:, :n_virtual].conj().T.astype(np.complex64), s


def compress_coils(kspace: Any, n_virtual: int, *, maps: Any = None, calibration: Any = None
                   ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Multi-coil k-space (and maps) compressed to ``n_virtual`` virtual coils by SVD.

    Parameters
    ----------
    kspace : complex ndarray, shape (C, H, W) or (N, C, H, W)
        Undersampled k-space, prewhitened if the coil noise is correlated.
    n_virtual : int
        Virtual coils, 1 to C.
    maps : complex ndarray, shape (C, H, W) or (N, C, H, W), keyword-only
        Coil maps to compress with the same matrix (returned too). Maps estimated from the
        compressed data serve equally well.
    calibration : complex ndarray, keyword-only
        Data to learn the compression from (for example the ACS only); the k-space itself if
        omitted.

    Returns
    -------
    compressed : complex64 ndarray, shape (n_virtual, H, W) or (N, n_virtual, H, W)
    maps : complex64 ndarray, same shape (only when ``maps`` is given)
    """
    k = as_array(kspace, "kspace", min_ndim=3, max_ndim=4)
    u, _ = compression_matrix(k if calibration is None else calibration, n_virtual)
    if u.shape[1] != k.shape[-3]:
        raise ValueError(f"calibration has {u.shape[1]} coils but kspace has {k.shape[-3]}")
    out = np.einsum("vc,...chw->...vhw", u, k).astype(np.complex64)
    if maps is None:
        return out
    s = as_array(maps, "maps", min_ndim=3, max_ndim=4)
    if s.shape[-3] != k.shape[-3]:
        raise ValueError(f"maps have {s.shape[-3]} coils but kspace has {k.shape[-3]}")
    return out, np.einsum("vc,...chw->...vhw", u, s).astype(np.complex64)
