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

__all__ = ["normalize_pair", "psnr", "ssim", "rmse", "evaluate", "movie_psnr", "movie_ssim"]


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


def _movies(target: Any, pred: Any, region: Any):
    t = as_array(target, "target", min_ndim=3, max_ndim=4, allow_complex=False).astype(np.float64)
    p = as_array(pred, "pred", min_ndim=3, max_ndim=4, allow_complex=False).astype(np.float64)
    same_shape(t, p, "target", "pred")
    single = t.ndim == 3
    t, p = (t[None], p[None]) if single else (t, p)
    r = None
    if region is not None:
        r = np.asarray(region, dtype=bool)
        if not single and r.ndim == 3:
            r = r[:, None]                   # (N, H, W): one region per movie, the same in every frame
        if single and r.ndim in (2, 3):
            r = r[None]
        try:
            r = np.broadcast_to(r, t.shape)
        except ValueError:
            raise ValueError(f"region must be (H, W), one per movie (N, H, W) or per frame (N, T, H, W) for movies "
                             f"{t.shape}; for one movie (H, W) or (T, H, W); got {np.shape(region)}") from None
        if not r.reshape(len(t), -1).any(axis=1).all():
            raise ValueError("region is empty in at least one movie: nothing to score there")
    lo = t.min(axis=(1, 2, 3), keepdims=True)
    hi = t.max(axis=(1, 2, 3), keepdims=True)
    if np.any(hi <= lo):
        raise ValueError("target is constant in at least one movie, so its range cannot normalise the metrics")
    return (t - lo) / (hi - lo), (p - lo) / (hi - lo), r, single


def movie_psnr(target: Any, pred: Any, *, region: Any = None) -> float | np.ndarray:
    """PSNR of a movie (or of each of a stack of movies) in dB, over all its frames at once.

    ``target`` and ``pred`` are magnitude movies ``(T, H, W)`` or ``(N, T, H, W)``, mapped with the
    target movie's range (its minimum and maximum over every frame, so that a frame where little is
    bright is not scored on a stretched scale); ``10 log10(1 / MSE)`` with the MSE over every pixel of
    every frame, or over ``region`` only: a bool mask of the same shape, or one ``(H, W)`` for every frame
    (``(N, H, W)``, one per movie, for a stack; e.g. :func:`mrilab.data.cine.heart_box`).
    """
    t, p, r, single = _movies(target, pred, region)
    err = (t - p) ** 2
    mse = np.array([e[m].mean() if m is not None else e.mean()
                    for e, m in zip(err, r if r is not None else [None] * len(err))])
    with np.errstate(divide="ignore"):
        out = 10 * np.log10(1.0 / mse)
    return float(out[0]) if single else out


def movie_ssim(target: Any, pred: Any, *, region: Any = None) -> float | np.ndarray:
    """SSIM of a movie: scikit-image's SSIM map of every frame (the movie's range as data range 1), averaged
    over every pixel of every frame, or over ``region`` only (:func:`movie_psnr`)."""
    t, p, r, single = _movies(target, pred, region)
    out = []
    for i in range(len(t)):
        maps = np.stack([structural_similarity(a, b, data_range=1.0, full=True)[1] for a, b in zip(t[i], p[i])])
        out.append(maps[r[i]].mean() if r is not None else maps.mean())
    out = np.array(out)
    return float(out[0]) if single else out
