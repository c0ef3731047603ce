"""Image quality metrics with the ground truth's intensity range.

Both images are mapped with the *target's* range,
``(x - target.min()) / (target.max() - target.min())``, before PSNR, SSIM and
RMSE are computed with ``data_range=1``. Normalising each image to [0, 1] on
its own would stretch a reconstruction's range to fit and flatter smooth or
biased outputs; the common mapping keeps errors in intensity visible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from ._checks import as_array, same_shape

__all__ = ["normalize_pair", "psnr", "ssim", "rmse", "evaluate"]


def normalize_pair(target: Any, pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Map ``target`` and ``pred`` with the target's range, per image.

    Parameters
    ----------
    target, pred : real ndarray, shape (H, W) or (N, H, W)

    Returns
    -------
    target_n, pred_n : float64 ndarray
        ``target_n`` spans exactly [0, 1]; ``pred_n`` uses the same mapping.
    """
    t = as_array(target, "target", min_ndim=2, max_ndim=3, allow_complex=False).astype(np.float64)
    p = as_array(pred, "pred", min_ndim=2, max_ndim=3, allow_complex=False).astype(np.float64)
    same_shape(t, p, "target", "pred")
    lo = t.min(axis=(-2, -1), keepdims=True)
    hi = t.max(axis=(-2, -1), keepdims=True)
    if np.any(hi <= lo):
        raise ValueError("target is constant (max == min) in at least one image, so its intensity "
                         "range cannot normalise the metrics; pass the ground-truth image as target")
    return (t - lo) / (hi - lo), (p - lo) / (hi - lo)


def _psnr(t: np.ndarray, p: np.ndarray) -> float:
    with np.errstate(divide="ignore"):  # a perfect reconstruction has PSNR = inf
        return peak_signal_noise_ratio(t, p, data_range=1.0)


def _ssim(t: np.ndarray, p: np.ndarray) -> float:
    return structural_similarity(t, p, data_range=1.0)


def _rmse(t: np.ndarray, p: np.ndarray) -> float:
    return np.sqrt(np.mean((t - p) ** 2))


_METRICS = {"psnr": _psnr, "ssim": _ssim, "rmse": _rmse}


def _per_image(fn, target: Any, pred: Any) -> float | np.ndarray:
    t, p = normalize_pair(target, pred)
    if t.ndim == 2:
        return float(fn(t, p))
    return np.array([fn(ti, pi) for ti, pi in zip(t, p)])


def psnr(target: Any, pred: Any) -> float | np.ndarray:
    """Peak signal-to-noise ratio in dB after mapping both with the target's range.

    ``10 log10(1 / MSE)`` on the normalised images (scikit-image's
    ``peak_signal_noise_ratio`` with ``data_range=1``).

    Parameters
    ----------
    target : real ndarray, shape (H, W) or (N, H, W)
        Ground truth.
    pred : real ndarray, same shape
        Reconstruction (a magnitude image).

    Returns
    -------
    float, or ndarray of shape (N,) for a stack
    """
    return _per_image(_psnr, target, pred)


def ssim(target: Any, pred: Any) -> float | np.ndarray:
    """Structural similarity after mapping both with the target's range.

    scikit-image's ``structural_similarity`` with ``data_range=1`` and its
    defaults (7 x 7 uniform window).

    Returns
    -------
    float, or ndarray of shape (N,) for a stack
    """
    return _per_image(_ssim, target, pred)


def rmse(target: Any, pred: Any) -> float | np.ndarray:
    """Root-mean-square error after mapping both with the target's range.

    Returns
    -------
    float, or ndarray of shape (N,) for a stack; 0 is perfect, in units of
    the target's intensity range.
    """
    return _per_image(_rmse, target, pred)


def evaluate(target: Any, pred: Any) -> dict[str, np.ndarray]:
    """PSNR, SSIM and RMSE of every image in a stack.

    Parameters
    ----------
    target, pred : real ndarray, shape (H, W) or (N, H, W)

    Returns
    -------
    dict with keys ``"psnr"``, ``"ssim"``, ``"rmse"``, each a float64 ndarray
    of shape (N,) (N = 1 for a single image).

    Examples
    --------
    >>> scores = evaluate(phantoms, recons)
    >>> scores["psnr"].mean()  # doctest: +SKIP
    """
    t, p = normalize_pair(target, pred)
    t, p = t.reshape(-1, *t.shape[-2:]), p.reshape(-1, *p.shape[-2:])
    return {name: np.array([fn(a, b) for a, b in zip(t, p)]) for name, fn in _METRICS.items()}
