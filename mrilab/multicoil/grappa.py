"""GRAPPA: missing k-space samples as linear combinations of their measured neighbours.

Chapter 4 filled missing k-space by interpolating each coil's samples from its neighbours, and
failed: an unsampled column carries information that no interpolation of one coil's other
columns can recover. With several coils it can (Griswold et al. 2002), and not because
anything is smoother: every coil image is the same object times a smooth map, so each coil's
k-space is the object's k-space convolved with a small kernel, and the coils' k-spaces are
linearly dependent in a way that does not change from one position to the next (the low-rank
structure that SPIRiT and ESPIRiT also use). Every coil's sample at a missing position is
therefore (nearly) a fixed linear combination of *all* coils' samples in a small neighbourhood. The weights are learnt where the answer is known, on the
fully sampled ACS block: every ``kx x ky`` window of the ACS gives one training equation,
``targets (C) = weights (C x n_sources) @ sources``, solved by regularised least squares
``W = (S^H S + lam0 I)^-1 S^H T`` with ``lam0 = lam ||S^H S||_F / n_sources``. One set of
weights is learnt for every geometry of sampled neighbours around a hole (the kernel
"patterns"), and applied to every hole with that geometry.

Calibration uses only the windows that lie wholly inside the ACS block, as in Griswold et al.
(2002), BART and SigPy: a window that reached past the ACS border would train the kernel on
zeros that were never measured. ``padded_calibration=True`` zero-pads the ACS by half a kernel
instead, the convention of ``pygrappa.grappa`` (McKibben); it exists to reproduce that package
in the tests, and it biases the weights towards zero when the ACS is not much wider than the
kernel. Holes near the edge of k-space are filled from a zero-padded neighbourhood either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .calibration import acs_block
from .operator import check_multicoil

__all__ = ["grappa", "grappa_kspace", "calibration_windows", "grappa_weights", "GRAPPA_DEFAULTS"]

#: Defaults of the registry's ``grappa``: the Tikhonov weight of the calibration chosen by PSNR on
#: the multicoil training split at R = 4 (ACS-only windows) by ``benchmarks/tune_multicoil.py``;
#: ``kernel=None`` is 5 rows and the narrowest width that reaches a measured column.
GRAPPA_DEFAULTS = dict(kernel=None, lam=0.1)


def calibration_windows(calibration: np.ndarray, kernel: tuple[int, int], *, padded: bool = False) -> np.ndarray:
    """Every ``kx x ky`` window of calibration data ``(C, H, n)``: GRAPPA's training examples.

    By default only the windows wholly inside the block (``(H - kx + 1) (n - ky + 1)`` of
    them); ``padded=True`` zero-pads the block by half a kernel first, as ``pygrappa`` does, so
    that every position of the block is a window's centre. Returns ``(n_windows, kx, ky, C)``.
    """
    kx, ky = kernel
    c = np.asarray(calibration)
    if c.ndim != 3:
        raise ValueError(f"calibration must be (coils, rows, columns), got shape {c.shape}")
    if padded:
        c = np.pad(c, ((0, 0), (kx // 2, kx // 2), (ky // 2, ky // 2)))
    elif c.shape[1] < kx or c.shape[2] < ky:
        raise ValueError(f"a {kx} x {ky} GRAPPA kernel does not fit inside the {c.shape[1]} x {c.shape[2]} "
                         f"calibration block: acquire a wider ACS, use a smaller kernel, or pass "
                         f"padded_calibration=True to zero-pad it")
    c = np.moveaxis(c, 0, -1)
    return sliding_window_view(c, (kx, ky, c.shape[-1])).reshape(-1, kx, ky, c.shape[-1])


def grappa_weights(windows: np.ndarray, geometry: np.ndarray, lam: float = 0.01) -> np.ndarray:
    """GRAPPA weights for one geometry of measured neighbours, by regularised least squares.

    Parameters
    ----------
    windows : ndarray, shape (n, kx, ky, C)
        Calibration windows (:func:`calibration_windows`).
    geometry : bool ndarray, shape (kx, ky)
        Which positions of the window are measured around a hole at its centre.
    lam : float
        Relative Tikhonov weight: ``lam0 = lam ||S^H S||_F / n_sources``.

    Returns
    -------
    weights : ndarray, shape (n_sources * C, C)
        ``targets = sources @ weights``, sources ordered by window position (row-major) and
        then by coil.
    """
    kx, ky = geometry.shape
    sources = windows[:, geometry, :].reshape(len(windows), -1)
    targets = windows[:, kx // 2, ky // 2, :]
    sh_s = sources.conj().T @ sources
    lam0 = lam * np.linalg.norm(sh_s) / sh_s.shape[0]
    return np.linalg.solve(sh_s + lam0 * np.eye(sh_s.shape[0]), sources.conj().T @ targets)


def grappa_kspace(kspace: Any, mask: Any, *, kernel: tuple[int, int] = (5, 5), lam: float = GRAPPA_DEFAULTS["lam"],
                  calibration: Any = None, padded_calibration: bool = False) -> np.ndarray:
    """Fill the missing samples of one multi-coil k-space with GRAPPA (module docstring).

    Parameters
    ----------
    kspace : complex ndarray, shape (C, H, W)
        Undersampled k-space, zero where not sampled.
    mask : bool ndarray, shape (H, W)
    kernel : (int, int), keyword-only
        Kernel size along the readout (rows) and the phase encodes (columns). Centred on a
        hole, it must reach a sampled column: at least ``2 floor(R/2) + 1`` columns wide when
        every ``R``-th column is sampled (holes it cannot reach stay zero).
    lam : float, keyword-only
        Tikhonov weight, relative (``lam0 = lam ||S^H S||_F / n_sources``).
    calibration : complex ndarray, shape (C, H, n), keyword-only
        Calibration data; by default the ACS columns of ``kspace`` (:func:`acs_block`).
    padded_calibration : bool, keyword-only
        Train also on windows that reach past the calibration block, zero-padded (``pygrappa``'s
        convention; module docstring). Off by default.

    Returns
    -------
    kspace : complex64 ndarray, shape (C, H, W)
        The measured samples unchanged, the holes filled.
    """
    k, m, _, single = check_multicoil(kspace, mask)
    if not single:
        raise ValueError(f"grappa_kspace fills one k-space (C, H, W), got shape {np.shape(kspace)}; use grappa() "
                         f"for a stack")
    k, m = k[0], m[0]
    kx, ky = (int(v) for v in kernel)
    if kx < 1 or ky < 1:
        raise ValueError(f"kernel must be two positive sizes (rows, columns), got {kernel!r}")
    calib = k[:, :, acs_block(m)] if calibration is None else np.asarray(calibration)
    n_coils = k.shape[0]
    hx, hy = kx // 2, ky // 2
    pad = ((0, 0), (hx, hx), (hy, hy))
    kp = np.moveaxis(np.pad(k, pad), 0, -1)                                   # (H + 2hx, W + 2hy, C)
    sampled = np.pad(m, pad[1:])
    # every window of the (padded) mask, one per k-space position: (H, W, kx, ky)
    windows = sliding_window_view(sampled, (kx, ky))[: m.shape[0], : m.shape[1]]
    holes = ~m & windows.any(axis=(-2, -1))
    hx_idx, hy_idx = np.nonzero(holes)
    patterns, which = np.unique(windows[hx_idx, hy_idx].reshape(len(hx_idx), -1), axis=0, return_inverse=True)
    calib_windows = calibration_windows(calib, (kx, ky), padded=padded_calibration)                      # (n_windows, kx, ky, C)
    filled = np.moveaxis(k, 0, -1).copy()
    for index, pattern in enumerate(patterns):
        geometry = pattern.reshape(kx, ky)
        weights = grappa_weights(calib_windows, geometry, lam)                   # (n_sources * C, C)
        at = which.reshape(-1) == index
        rows, cols = hx_idx[at], hy_idx[at]
        # the measured neighbours of every hole with this geometry, then the weights on them
        neighbourhoods = sliding_window_view(kp, (kx, ky, n_coils))[rows, cols, 0]   # (n, kx, ky, C)
        filled[rows, cols] = neighbourhoods[:, geometry, :].reshape(len(rows), -1) @ weights
    return np.moveaxis(filled, -1, 0).astype(np.complex64)


def grappa(kspace: Any, mask: Any, *, kernel: tuple[int, int] | None = None, lam: float = GRAPPA_DEFAULTS["lam"],
           padded_calibration: bool | str = False) -> np.ndarray:
    """GRAPPA for a stack: filled k-space ``(C, H, W)`` or ``(N, C, H, W)``.

    ``kernel=None`` takes 5 rows and ``2 floor(R/2) + 1`` columns (at least 5), ``R`` the widest
    gap between sampled columns, so that every hole reaches a measured column.
    ``padded_calibration="auto"`` zero-pads the ACS only for an image whose kernel is wider than its
    ACS (a random mask's widest gap can be), and calibrates inside the ACS otherwise.
    """
    if padded_calibration not in (True, False, "auto"):
        raise ValueError(f"padded_calibration must be True, False or 'auto', got {padded_calibration!r}")
    k, m, _, single = check_multicoil(kspace, mask)
    out = np.empty(k.shape, dtype=np.complex64)
    for i in range(len(k)):
        size = kernel
        if size is None:
            gap = int(np.diff(np.flatnonzero(m[i][0])).max()) if m[i][0].sum() > 1 else 1
            size = (5, max(5, 2 * (gap // 2) + 1))
        pad = size[1] > len(acs_block(m[i])) if padded_calibration == "auto" else padded_calibration
        out[i] = grappa_kspace(k[i], m[i], kernel=size, lam=lam, padded_calibration=pad)
    return out[0] if single else out
