"""ESPIRiT: coil maps as eigenvectors of an operator learnt from the ACS (Uecker et al. 2014).

GRAPPA (chapter 15) rests on a fact about multi-coil k-space: every small window of all
coils' samples lies, up to noise, in a fixed subspace, because each coil image is the same
object times a smooth map. ESPIRiT finds that subspace and turns it into maps:

1. **Calibration matrix.** Every ``k x k`` window of the ACS, all coils stacked, is one row
   of ``A`` (``n_windows x C k^2``).
2. **SVD and threshold.** The right singular vectors whose singular value exceeds
   ``threshold`` times the largest span the *signal* subspace ``V_par``; the rest are noise
   (the null space that SPIRiT and GRAPPA rely on).
3. **Image-space operator.** The projection of a window onto ``V_par`` is a convolution of
   k-space with the kernels ``v``; in image space it is, in every pixel, a ``C x C`` matrix
   ``G(r) = sum_v u_v(r) u_v(r)^H / k^2`` with ``u_v`` the inverse Fourier transform of
   kernel ``v`` zero-padded to the image size.
4. **Eigenvectors.** The coil maps ``S(r)`` satisfy ``G(r) S(r) = S(r)``: they are the
   eigenvector of ``G(r)`` with eigenvalue 1. Inside the object the largest eigenvalue is
   close to 1; outside it (no signal) it drops, and the map is cropped where it is below
   ``crop`` (the eigenvalue mask).

The eigenvectors have unit norm, so the maps satisfy ``sum_c |S_c|^2 = 1`` where they are kept,
the convention of :mod:`mrilab.multicoil`; each pixel's phase is arbitrary (it is fixed here
relative to the first coil, as SigPy and BART do), which SENSE absorbs. Only the first set
of maps is computed; a second set (eigenvalues near 1 from a field of view too small for the
object) matters for folded-over anatomy and is left out.

This module solves the ``C x C`` eigenproblems directly (``numpy.linalg.eigh``, batched over
pixels); SigPy's ``EspiritCalib`` uses power iterations on the same operator, and the tests
compare the two.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import positive_int
from .calibration import acs_block
from .operator import check_multicoil

__all__ = ["espirit_maps", "calibration_matrix", "coil_maps", "ESPIRIT_DEFAULTS", "MAP_METHODS"]

#: Defaults of :func:`espirit_maps`. Threshold 0.02 and crop 0.95 are SigPy's ``EspiritCalib``
#: defaults (BART's ``ecalib`` uses threshold 0.001 and crop 0.8); both take a 24 x 24 calibration
#: region and a 6-wide kernel. Here the kernel is narrowed to half the ACS width when the ACS is narrow
#: (``kernel=None``): with the book's 10 ACS columns a 6-wide kernel has only 5 positions across the
#: ACS, and its eigenvalues fall below the crop inside the object (chapter 19 measures it). The
#: calibration region is the whole ACS by the central 24 readout rows (``calib_rows=24``), square when
#: the ACS is 24 columns wide: the outer readout rows hold almost nothing but noise, and calibrating on
#: all of them keeps the maps over most of the background when the ACS is wide (chapter 19 measures it;
#: 24 rows were chosen on the multicoil training split by CG-SENSE's PSNR).
ESPIRIT_DEFAULTS = dict(kernel=None, threshold=0.02, crop=0.95, calib_rows=24)
#: The widest kernel ``kernel=None`` takes (BART's and SigPy's default).
MAX_KERNEL = 6


def calibration_matrix(calib: np.ndarray, kernel: int) -> np.ndarray:
    """Every ``kernel x kernel`` window of ``calib`` (C, h, w), all coils, as one row.

    Returns an array ``((h - kernel + 1) (w - kernel + 1), C kernel^2)``, the coil index
    varying slowest in a row (SigPy's ``array_to_blocks`` order).
    """
    c, h, w = calib.shape
    if h < kernel or w < kernel:
        raise ValueError(f"the calibration region is {h} x {w}, smaller than the {kernel} x {kernel} kernel; "
                         f"widen the ACS (center_fraction) or pass a smaller kernel=")
    win = np.lib.stride_tricks.sliding_window_view(calib, (kernel, kernel), axis=(1, 2))
    # (C, h', w', k, k) -> (h' w', C k k)
    return win.transpose(1, 2, 0, 3, 4).reshape(-1, c * kernel * kernel)


def espirit_maps(kspace: Any, mask: Any, *, kernel: int | None = ESPIRIT_DEFAULTS["kernel"],
                 threshold: float = ESPIRIT_DEFAULTS["threshold"], crop: float = ESPIRIT_DEFAULTS["crop"],
                 calib_rows: int | None = ESPIRIT_DEFAULTS["calib_rows"], calib_cols: int | None = None,
                 covariance: Any = None, return_eigenvalues: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """ESPIRiT coil maps from the ACS (module docstring).

    Parameters
    ----------
    kspace : complex ndarray, shape (C, H, W) or (N, C, H, W)
        Undersampled multi-coil k-space, as recorded or whitened (see ``covariance``).
    mask : bool ndarray, shape (H, W) or (N, H, W)
        Its mask; the ACS is the run of sampled columns through DC (:func:`acs_block`).
    kernel : int or None, keyword-only
        Width of the square calibration kernel, in samples; None takes
        ``min(6, max(3, n_acs // 2))`` for an ACS of ``n_acs`` columns (:data:`ESPIRIT_DEFAULTS`).
    threshold : float, keyword-only
        Singular values above ``threshold`` times the largest span the signal subspace.
    crop : float, keyword-only
        Maps are zero where the largest eigenvalue is below ``crop`` (0 keeps them everywhere).
    calib_rows : int or None, keyword-only
        Rows (readout samples) of the calibration region around DC (24 by default, as SigPy and
        BART); None takes all of them (the readout is fully sampled), most of which hold only noise.
    calib_cols : int or None, keyword-only
        Columns of the calibration region around DC; None takes the whole ACS. SigPy and BART
        take a square region (``calib_rows = calib_cols = 24`` by default), which needs an ACS
        at least that wide.
    covariance : complex ndarray (C, C) or None, keyword-only
        The coils' noise covariance: the data are whitened with it
        (:func:`mrilab.multicoil.prewhitening_matrix`) before calibrating, and the maps turned back to
        the recorded coils (``W^{-1}`` applied, then unit norm again), so that they go with the data as
        recorded and a solver's own ``covariance=``. None calibrates on the data as they are.
        Chapter 19 measures what it changes.
    return_eigenvalues : bool, keyword-only
        Also return the largest eigenvalue of every pixel.

    Returns
    -------
    maps : complex64 ndarray, shape (C, H, W) or (N, C, H, W)
        Unit norm over the coils where the eigenvalue is at least ``crop``, zero elsewhere.
    eigenvalues : float32 ndarray, shape (H, W) or (N, H, W)
        Only with ``return_eigenvalues=True``.
    """
    k, m, _, single = check_multicoil(kspace, mask)
    if kernel is not None:
        kernel = positive_int(kernel, "kernel", minimum=2)
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1) (a fraction of the largest singular value), got {threshold!r}")
    if not 0 <= crop < 1:
        raise ValueError(f"crop must be in [0, 1) (an eigenvalue threshold), got {crop!r}; 0 keeps every pixel")
    n, c, h, w = k.shape
    unwhiten = None
    if covariance is not None:
        from .noise import prewhiten, prewhitening_matrix

        k = prewhiten(k, covariance)          # checks the coil count against the covariance
        unwhiten = np.linalg.inv(prewhitening_matrix(covariance))
    if calib_rows is not None:
        calib_rows = positive_int(calib_rows, "calib_rows", minimum=2)
    maps = np.empty(k.shape, dtype=np.complex64)
    eig = np.empty((n, h, w), dtype=np.float32)
    for i in range(n):
        acs = acs_block(m[i])
        if calib_cols is not None:
            if calib_cols > len(acs):
                raise ValueError(f"calib_cols={calib_cols} is wider than the ACS ({len(acs)} columns); pass at most "
                                 f"{len(acs)} or None for the whole ACS")
            acs = acs[(len(acs) - calib_cols) // 2:][:calib_cols]
        rows = np.arange(h) if calib_rows is None else h // 2 - calib_rows // 2 + np.arange(min(calib_rows, h))
        calib = k[i][:, rows][..., acs]
        width = min(MAX_KERNEL, max(3, len(acs) // 2)) if kernel is None else kernel
        maps[i], eig[i] = _espirit(calib, (h, w), width, threshold, crop)
    if unwhiten is not None:      # maps of the whitened coils W S / |W S|  ->  S / |S|
        s = np.einsum("dc,nchw->ndhw", unwhiten, maps)
        norm = np.sqrt(np.sum(np.abs(s) ** 2, axis=1, keepdims=True))
        maps = (s / np.where(norm > 0, norm, 1)).astype(np.complex64)
    if single:
        maps, eig = maps[0], eig[0]
    return (maps, eig) if return_eigenvalues else maps


def _kernel_images(kernels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """:func:`mrilab.fourier.ifft2c` of each ``k x k`` kernel zero-padded to ``shape`` (centred as ESPIRiT pads it).

    Only ``k x k`` of the padded samples are non-zero, so the transform is two small DFT matrices,
    ``A K B^T``, instead of FFTs of mostly zeros: the same values to rounding (a test compares them),
    without the large padded array.
    """
    h, w = shape
    k = kernels.shape[-1]
    top, left = h // 2 - k // 2, w // 2 - k // 2
    a = np.exp(2j * np.pi * np.outer(np.arange(h) - h // 2, np.arange(top, top + k) - h // 2) / h) / np.sqrt(h)
    b = np.exp(2j * np.pi * np.outer(np.arange(w) - w // 2, np.arange(left, left + k) - w // 2) / w) / np.sqrt(w)
    return np.einsum("ya,...ab,xb->...yx", a, kernels, b, optimize=True)


def _espirit(calib: np.ndarray, shape: tuple[int, int], kernel: int, threshold: float, crop: float):
    c = calib.shape[0]
    a = calibration_matrix(calib, kernel)
    _, sv, vh = np.linalg.svd(a, full_matrices=False)
    kernels = vh[sv > threshold * sv.max()].reshape(-1, c, kernel, kernel)
    h, w = shape
    # u_v(r): each kernel zero-padded to the image and transformed by the unnormalised inverse DFT;
    # G(r) = sum_v u_v u_v^H / k^2 has eigenvalues <= 1
    u = _kernel_images(kernels, shape) * np.sqrt(h * w / kernel ** 2)
    u = u.reshape(len(kernels), c, h * w).transpose(2, 1, 0)           # (pixels, C, kernels)
    gram = u @ u.conj().transpose(0, 2, 1)                              # (pixels, C, C)
    values, vectors = np.linalg.eigh(gram)
    top_value, top_vector = values[:, -1], vectors[:, :, -1]            # (pixels,), (pixels, C)
    ref = top_vector[:, :1]
    top_vector = top_vector * np.conj(ref / np.where(np.abs(ref) > 0, np.abs(ref), 1))
    top_vector[top_value < crop] = 0
    return (top_vector.T.reshape(c, h, w).astype(np.complex64), top_value.reshape(h, w).astype(np.float32))


#: The ways :func:`coil_maps` estimates maps: from the ACS by chapter 14's division or by ESPIRiT, or
#: jointly with the image from all the data by NLINV (:func:`mrilab.multicoil.nlinv`, no ACS needed).
MAP_METHODS = ("division", "espirit", "nlinv")


def coil_maps(kspace: Any, mask: Any, method: str = "espirit") -> np.ndarray:
    """Coil maps by ``method``: ``"espirit"`` (:func:`espirit_maps`), ``"division"``
    (:func:`mrilab.multicoil.estimate_maps`) or ``"nlinv"`` (:func:`mrilab.multicoil.nlinv`'s maps), with
    their defaults; shapes as for those."""
    if method not in MAP_METHODS:
        raise ValueError(f"maps must be an array (C, H, W) or (N, C, H, W), or one of {MAP_METHODS} to estimate "
                         f"them from the data, got {method!r}")
    if method == "division":
        from .calibration import estimate_maps

        return estimate_maps(kspace, mask)
    if method == "nlinv":
        from .nlinv import nlinv

        return nlinv(kspace, mask)[1]
    return espirit_maps(kspace, mask)
