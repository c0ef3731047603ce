"""Retrospective undersampling of a fully sampled real scan, and every method scored on it (Part VIII).

A fully sampled scan lets a study do with real data what the book did with simulations: keep a mask's
columns, reconstruct, and compare with the reconstruction of all the columns. The steps:

1. **noise without a noise scan** (:func:`background_mask`, :func:`noise_from_background`): the coil
   images' pixels outside the object hold noise only (for an orthonormal FFT a pixel's noise has the
   covariance of one k-space sample's), so their covariance stands in for a noise scan's. It costs
   what a region instead of a scan costs: fewer samples (thousands, not hundreds of thousands), and any
   signal that leaks there (ghosts, the object's ringing, flow) counts as noise;
2. **whiten** with it and optionally **compress** to virtual coils (:func:`prepare_scan`);
3. **the reference**: the fully sampled root-sum-of-squares (the fastMRI convention) and, beside it,
   the SENSE combination with maps from the fully sampled centre; both are reconstructions, neither the
   truth, and scores are computed inside the object's support (:func:`object_support`) so that the
   background's noise, which the two treat differently, does not decide them;
4. **reconstruct** each undersampled copy (:func:`reconstruct_scan`): the k-space is scaled so that
   its zero-filled image peaks at 1 (the range the book's parameters and networks were made for, found
   from the undersampled data alone) and the image scaled back;
5. **score** (:func:`score_methods`) and **tune** (:func:`tune_on_scan`) on *another* scan than the one
   reported, the real-data counterpart of a training split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["background_mask", "noise_from_background", "object_support", "Scan", "prepare_scan",
           "virtual_coil", "reconstruct_scan", "score", "score_methods", "tune_on_scan"]


def background_mask(image: Any, *, level: float = 0.08, margin: int = 6, smooth: int = 5) -> np.ndarray:
    """Pixels that hold no signal: outside the (smoothed) object by ``margin`` pixels.

    Parameters
    ----------
    image : real ndarray (H, W)
        A magnitude image of the scan, e.g. the root-sum-of-squares of the coil images.
    level : float, keyword-only
        The object is where the image, smoothed over ``smooth`` pixels, exceeds ``level`` times its maximum.
    margin : int, keyword-only
        Pixels between the object and the background (ringing and blur stay out of the noise estimate).
    """
    from scipy.ndimage import binary_dilation, uniform_filter

    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"image must be one (H, W) magnitude image, got shape {x.shape}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (a fraction of the image maximum), got {level}")
    obj = uniform_filter(x, smooth) > level * x.max()
    return ~binary_dilation(obj, iterations=margin) if margin > 0 else ~obj


def noise_from_background(coil_images: Any, background: Any) -> np.ndarray:
    """The coil noise covariance ``(C, C)`` from the background pixels of the coil images ``(C, H, W)``.

    With the book's orthonormal FFT a pixel's noise has the covariance of a k-space sample's, so the
    result is what :func:`mrilab.multicoil.estimate_noise_covariance` gives for a noise scan.
    """
    from .multicoil import estimate_noise_covariance

    x = np.asarray(coil_images)
    b = np.asarray(background, dtype=bool)
    if x.ndim != 3 or b.shape != x.shape[1:]:
        raise ValueError(f"coil_images must be (C, H, W) and background (H, W), got {x.shape} and {b.shape}")
    if b.sum() < 4 * len(x):
        raise ValueError(f"the background has {int(b.sum())} pixels for {len(x)} coils, too few for a covariance; "
                         f"lower background_mask's level or margin")
    return estimate_noise_covariance(x[:, b])


def object_support(image: Any, *, level: float = 0.1, margin: int = 3) -> np.ndarray:
    """Where the scores are computed: the object (the image above ``level`` of its maximum, holes filled)
    widened by ``margin`` pixels."""
    from scipy.ndimage import binary_dilation, binary_fill_holes, uniform_filter

    x = np.asarray(image, dtype=np.float64)
    inside = binary_fill_holes(uniform_filter(x, 3) > level * x.max())
    return binary_dilation(inside, iterations=margin) if margin > 0 else inside


@dataclass
class Scan:
    """A fully sampled scan made ready for retrospective undersampling (:func:`prepare_scan`).

    Attributes
    ----------
    kspace : complex64 ndarray (C, H, W)
        Whitened (unit-free: the coils' mean noise variance is kept) and, if asked, compressed.
    covariance : complex ndarray (C0, C0)
        The noise covariance of the coils as recorded, from the background.
    noise_std : float
        The standard deviation of one coil's complex noise after whitening, relative to the maximum of
        ``rss``.
    background, support : bool ndarray (H, W)
        Where the noise was estimated, and where scores are computed.
    rss, sense : float32 ndarray (H, W)
        The two fully sampled references: root-sum-of-squares, and the SENSE combination with ESPIRiT
        maps from the fully sampled centre (``calibration`` columns, ``calib_rows`` rows).
    maps : complex ndarray (C, H, W)
        Those maps.
    """

    kspace: np.ndarray
    covariance: np.ndarray
    noise_std: float
    background: np.ndarray
    support: np.ndarray
    rss: np.ndarray
    sense: np.ndarray
    maps: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def prepare_scan(kspace: Any, *, n_virtual: int | None = None, calibration: int = 24,
                 calib_rows: int | None = None) -> Scan:
    """Whiten a fully sampled multi-coil scan with its background noise, compress it, and make its references.

    Parameters
    ----------
    kspace : complex ndarray (C, H, W)
        Fully sampled, readout oversampling removed.
    n_virtual : int or None, keyword-only
        Compress to this many virtual coils (after whitening); None keeps them all.
    calibration : int, keyword-only
        The central columns from which the reference's ESPIRiT maps are estimated.
    calib_rows : int or None, keyword-only
        ESPIRiT's calibration rows (:func:`mrilab.multicoil.espirit_maps`): None takes every readout row of
        those columns, a number the central rows (``calibration`` for a square region).
    """
    from .fourier import ifft2c
    from .multicoil import compression_matrix, espirit_maps, prewhiten, rss

    k = np.asarray(kspace)
    if k.ndim != 3 or not np.iscomplexobj(k):
        raise ValueError(f"kspace must be fully sampled complex multi-coil k-space (C, H, W), got {k.dtype} "
                         f"{k.shape}; for one coil pass k[None]")
    coils = ifft2c(k)
    background = background_mask(rss(coils))
    covariance = noise_from_background(coils, background)
    kw = prewhiten(k, covariance) if len(k) > 1 else k
    energy = 1.0
    if n_virtual is not None and n_virtual < len(kw):
        u, s = compression_matrix(kw, n_virtual)
        energy = float(np.sum(s[:n_virtual] ** 2) / np.sum(s ** 2))
        kw = np.einsum("vc,chw->vhw", u, kw)
    kw = kw.astype(np.complex64)
    coils = ifft2c(kw)
    reference = rss(coils).astype(np.float32)
    noise = np.sqrt(np.real(np.trace(noise_from_background(coils, background))) / len(kw)) if len(kw) > 1 else \
        float(np.sqrt(np.mean(np.abs(coils[0][background]) ** 2)))
    h, w = k.shape[-2:]
    cal = np.zeros((h, w), dtype=bool)
    cal[:, w // 2 - calibration // 2:w // 2 - calibration // 2 + calibration] = True
    maps = espirit_maps(kw, cal, calib_rows=calib_rows) if len(kw) > 1 else np.ones_like(kw)
    sense = np.abs(np.sum(np.conj(maps) * coils, axis=0)).astype(np.float32)
    return Scan(kspace=kw, covariance=covariance, noise_std=float(noise / reference.max()), background=background,
                support=object_support(reference), rss=reference, sense=sense, maps=maps,
                info=dict(coils_recorded=len(k), coils=len(kw), energy_kept=energy))


def virtual_coil(kspace: Any) -> np.ndarray:
    """One coil's k-space ``(H, W)`` from many: the first virtual coil of :func:`mrilab.multicoil.compression_matrix`
    (the combination with the most energy; a single-coil scan's counterpart)."""
    from .multicoil import compress_coils

    return compress_coils(np.asarray(kspace), 1)[0]


def reconstruct_scan(method: str, kspace: Any, mask: Any, *, maps: Any = None, **params: Any) -> np.ndarray:
    """Reconstruct the undersampled copy ``kspace * mask`` of a scan with a registered method.

    The k-space is divided by the maximum of its zero-filled image (root-sum-of-squares over coils), the
    range the book's parameters were chosen for, and the image multiplied back. ``maps`` may be an array,
    a callable ``maps(kspace_scaled, mask) -> (C, H, W)``, or None (the method's own).
    ``params`` may hold ``noise_std`` relative to that maximum as a callable ``noise_std(scale)``.
    """
    from .fourier import ifft2c
    from .registry import methods, reconstruct

    k = np.asarray(kspace)
    m = np.asarray(mask, dtype=bool)
    y = k * m
    image = np.abs(ifft2c(y))
    scale = float(np.sqrt(np.sum(image ** 2, axis=0)).max() if y.ndim == 3 else image.max())
    y = y / scale
    params = {name: value(scale) if callable(value) and name == "noise_std" else value for name, value in params.items()}
    if callable(maps):
        maps = maps(y, m)
    if maps is not None:
        params["maps"] = maps
    if y.ndim == 3 and not methods(multicoil=True).get(method):
        raise ValueError(f"{method!r} is a single-coil method; pass one coil's k-space (H, W), e.g. virtual_coil(k)")
    return reconstruct(method, y[None], m[None], **params)[0] * np.float32(scale)


def score(reference: Any, image: Any, support: Any) -> dict[str, float]:
    """PSNR, SSIM and RMSE of ``image`` against ``reference`` inside ``support`` (both set to zero outside;
    the reference's range normalises both, :func:`mrilab.metrics.normalize_pair`)."""
    from .metrics import evaluate

    s = np.asarray(support, dtype=bool)
    scores = evaluate(np.asarray(reference) * s, np.asarray(image) * s)
    return {k: float(v[0]) for k, v in scores.items()}


def score_methods(kspace: Any, masks: Any, methods: dict[str, tuple[str, dict[str, Any]]], references: dict[str, Any],
                  support: Any) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """Every method on every mask, scored against every reference.

    Parameters
    ----------
    kspace : complex ndarray (C, H, W) or (H, W)
    masks : bool ndarray (M, H, W)
    methods : dict label -> (registered name, parameters for :func:`reconstruct_scan`)
    references : dict name -> (H, W) image
    support : bool ndarray (H, W)

    Returns
    -------
    scores : dict label -> dict ``"<metric>"`` (against the first reference) and ``"<metric>_<reference>"``
        (against every reference) -> array over the masks
    images : dict label -> the reconstruction from the first mask
    """
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim == 2:
        masks = masks[None]
    first = next(iter(references))
    scores: dict[str, dict[str, list[float]]] = {}
    images: dict[str, np.ndarray] = {}
    for label, (name, params) in methods.items():
        table = scores.setdefault(label, {})
        for i, m in enumerate(masks):
            x = reconstruct_scan(name, kspace, m, **params)
            if i == 0:
                images[label] = x
            for ref_name, ref in references.items():
                for metric, value in score(ref, x, support).items():
                    table.setdefault(f"{metric}_{ref_name}", []).append(value)
                    if ref_name == first:
                        table.setdefault(metric, []).append(value)
    return {k: {m: np.asarray(v) for m, v in t.items()} for k, t in scores.items()}, images


def tune_on_scan(kspace: Any, masks: Any, method: str, grid: dict[str, list[Any]], reference: Any, support: Any,
                 **fixed: Any) -> tuple[dict[str, dict[str, Any]], list[tuple[dict[str, Any], dict[str, float]]]]:
    """Choose a method's parameters on a scan: every combination of ``grid`` on every mask, by each metric.

    Returns
    -------
    best : dict metric -> parameters
        For ``"psnr"`` and ``"ssim"`` the combination with the highest mean, for ``"rmse"`` the lowest.
    curve : list of (parameters, dict metric -> mean over the masks), one per combination

    Tune on another scan than the one the chosen parameters are reported on (module docstring).
    """
    import itertools

    masks = np.asarray(masks, dtype=bool)
    masks = masks[None] if masks.ndim == 2 else masks
    names = list(grid)
    if not names or any(len(grid[n]) == 0 for n in names):
        raise ValueError(f"grid must map each parameter to a non-empty list of values, got {grid!r}")
    curve = []
    for values in itertools.product(*(grid[n] for n in names)):
        p = dict(zip(names, values))
        runs = [score(reference, reconstruct_scan(method, kspace, m, **fixed, **p), support) for m in masks]
        curve.append((p, {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}))
    best = {metric: dict((min if metric == "rmse" else max)(curve, key=lambda c: c[1][metric])[0])
            for metric in curve[0][1]}
    return best, curve
