"""Calibrationless parallel imaging: SAKE, low-rank completion of a block-Hankel matrix (Shin et al., MRM 2014).

GRAPPA says that every coil's k-space value is a linear combination of its neighbours in all coils; the
kernel is learned from the ACS. SAKE drops the ACS and keeps the statement: if such kernels exist, the
matrix whose rows are all ``k x k`` patches of all coils' k-space (a block-Hankel matrix, one row per
patch position, ``C k^2`` columns) has low rank, because each kernel is a vector in its null space.
Coil sensitivities are smooth, so they are few in k-space and the null space is large (the same
reasoning gives ESPIRiT its maps from the ACS; Uecker et al. 2014). SAKE fills the missing samples by
alternating projections, a Cadzow iteration (Cadzow, IEEE TASSP 1988):

1. build the matrix from the current k-space (:func:`hankel_matrix`, vectorised patch extraction);
2. keep its ``rank`` largest singular components (a projection onto matrices of that rank);
3. turn the result back into k-space by averaging every sample's copies (:func:`hankel_adjoint`
   divided by the number of copies, the least-squares inverse of the patch extraction);
4. put the measured samples back (data consistency).

The truncation uses the eigen-decomposition of the ``C k^2 x C k^2`` Gram matrix ``A^H A`` instead of
an SVD of the tall matrix (the same right singular vectors, far cheaper). The coils are usually first
compressed (chapter 19), which shrinks the matrix and the rank it needs.

Why SAKE and not LORAKS (Haldar 2014): both complete a structured low-rank matrix without calibration;
LORAKS adds support and phase constraints through further matrices (S, C), which matter most with one
coil; with eight coils the coils' null space is the dominant structure, and SAKE builds on it alone,
which keeps the lesson (GRAPPA's kernels without an ACS) in one matrix. P-LORAKS (Haldar and Zhuo,
MRM 2016) is the multi-coil LORAKS and the next thing to try.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._checks import positive_int
from ..fourier import ifft2c
from .combine import rss
from .operator import check_multicoil

__all__ = ["sake", "hankel_matrix", "hankel_adjoint", "SAKE_DEFAULTS"]

#: Defaults of :func:`sake`: a 5 x 5 kernel, and the rank chapter 28 chooses among 16, 32 and 48 on two
#: images of the multicoil training split (eight coils, variable-density random columns at R = 4 without
#: ACS); 80 projections, about 7 s per 128 x 128 image on 2 cores.
SAKE_DEFAULTS = dict(kernel=5, rank=32, n_iter=80)


def hankel_matrix(kspace: np.ndarray, kernel: int) -> np.ndarray:
    """Every ``kernel x kernel`` patch of every coil as one row: (C, H, W) -> (P, C kernel^2).

    ``P = (H - kernel + 1)(W - kernel + 1)`` patch positions (no wrap-around); columns run over the coils,
    then the patch's rows and columns.
    """
    c, h, w = kspace.shape
    windows = sliding_window_view(kspace, (kernel, kernel), axis=(-2, -1))     # (C, H-k+1, W-k+1, k, k)
    return np.ascontiguousarray(windows.transpose(1, 2, 0, 3, 4)).reshape(-1, c * kernel * kernel)


def hankel_adjoint(matrix: np.ndarray, shape: tuple[int, int, int], kernel: int) -> np.ndarray:
    """The adjoint of :func:`hankel_matrix`: every row's patch added back where it came from, (C, H, W)."""
    c, h, w = shape
    ph, pw = h - kernel + 1, w - kernel + 1
    blocks = matrix.reshape(ph, pw, c, kernel, kernel)
    out = np.zeros(shape, dtype=matrix.dtype)
    for dy in range(kernel):          # kernel^2 shifted additions of whole arrays: no loop over pixels
        for dx in range(kernel):
            out[:, dy:dy + ph, dx:dx + pw] += blocks[:, :, :, dy, dx].transpose(2, 0, 1)
    return out


def _copies(shape: tuple[int, int, int], kernel: int) -> np.ndarray:
    """How many patches each sample belongs to (the diagonal of ``hankel_adjoint(hankel_matrix(.))``)."""
    c, h, w = shape
    ones = np.ones((1, h, w), dtype=np.float32)
    return hankel_adjoint(hankel_matrix(ones, kernel), (1, h, w), kernel)


def sake(kspace: Any, mask: Any, *, kernel: int = SAKE_DEFAULTS["kernel"], rank: int = SAKE_DEFAULTS["rank"],
         n_iter: int = SAKE_DEFAULTS["n_iter"], return_kspace: bool = False) -> np.ndarray:
    """Root-sum-of-squares image of the k-space SAKE completes, from undersampled multi-coil data.

    Parameters
    ----------
    kspace : complex array (C, H, W) or (N, C, H, W)
        Measured k-space (zero where not sampled). No calibration region is needed.
    mask : bool array (H, W) or (N, H, W)
        The sampled positions, any pattern.
    kernel : int, keyword-only
        Patch size ``k`` (the GRAPPA kernel's reach).
    rank : int, keyword-only
        Singular components kept, between 1 and ``C k^2``.
    n_iter : int, keyword-only
        Projections (each: build, truncate, average, put the data back).
    return_kspace : bool, keyword-only
        Return the completed multi-coil k-space instead of the image.

    Returns
    -------
    float32 ndarray (H, W) or (N, H, W), or the completed complex k-space shaped like ``kspace``.
    """
    k, m, _, single = check_multicoil(kspace, mask, None, "kspace")
    n, c, h, w = k.shape
    kernel = positive_int(kernel, "kernel", minimum=2)
    if kernel > min(h, w):
        raise ValueError(f"kernel must be at most the k-space's size {min(h, w)}, got {kernel}")
    rank = positive_int(rank, "rank")
    if rank > c * kernel ** 2:
        raise ValueError(f"rank must be at most C kernel^2 = {c * kernel ** 2} (the matrix's columns), got {rank}; "
                         f"lower it or raise kernel")
    n_iter = positive_int(n_iter, "n_iter")
    copies = _copies((c, h, w), kernel)
    out = np.empty((n, c, h, w), dtype=np.complex64)
    for i in range(n):
        measured = (k[i] * m[i]).astype(np.complex64)
        x = measured.copy()
        for _ in range(n_iter):
            a = hankel_matrix(x, kernel)
            _, vectors = np.linalg.eigh(a.conj().T @ a)          # ascending: the last ``rank`` are kept
            v = vectors[:, -rank:]
            x = hankel_adjoint((a @ v) @ v.conj().T, (c, h, w), kernel) / copies
            x = np.where(m[i], measured, x)
        out[i] = x
    if return_kspace:
        return out[0] if single else out
    images = rss(ifft2c(out)).astype(np.float32)
    return images[0] if single else images
