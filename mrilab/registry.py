"""One entry point for every reconstruction method: :func:`reconstruct`.

Each method takes undersampled k-space and its mask(s) and returns magnitude
images. Default parameters were chosen on the training split by
``python benchmarks/tune_classical.py`` (never on the test split); pass a
parameter to override it. Later parts of the book register their networks
here with :func:`register`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._checks import as_stack, kspace_and_mask
from .interp import interpolate_kspace
from .recon import zero_filled
from .tv import TV_CS_DEFAULTS, tv_cs, tv_denoise

__all__ = ["reconstruct", "register", "methods", "Method", "TV_DENOISE_DEFAULTS", "WEIGHTS_DIR"]

#: Where the shipped network weights live: ``weights/`` in the repository, or
#: ``$MRILAB_WEIGHTS`` if that is set.
WEIGHTS_DIR = Path(os.environ.get("MRILAB_WEIGHTS", Path(__file__).resolve().parents[1] / "weights"))

#: TV denoising of the zero-filled magnitude image; ``lam`` chosen on the training split
#: by SSIM (by PSNR every TV weight loses to no denoising at all).
TV_DENOISE_DEFAULTS = dict(lam=0.05, max_iter=200)


@dataclass
class Method:
    """A registered reconstruction method."""

    name: str
    fn: Callable[..., np.ndarray]
    defaults: dict[str, Any] = field(default_factory=dict)
    description: str = ""


_REGISTRY: dict[str, Method] = {}


def register(name: str, fn: Callable[..., np.ndarray], *, defaults: dict[str, Any] | None = None,
             description: str = "") -> None:
    """Add a method: ``fn(kspace (N, H, W), mask (N, H, W), **params) -> images (N, H, W)``."""
    _REGISTRY[name] = Method(name, fn, dict(defaults or {}), description)


def methods() -> dict[str, Method]:
    """The registered methods by name (a copy)."""
    return dict(_REGISTRY)


def reconstruct(method: str, kspace_undersampled: Any, mask: Any, **params: Any) -> np.ndarray:
    """Reconstruct magnitude image(s) from undersampled k-space with a named method.

    Parameters
    ----------
    method : str
        One of ``mrilab.registry.methods()``: ``"zero_filled"``,
        ``"interp_linear"``, ``"interp_cubic"``, ``"interp_radial"``,
        ``"tv_denoise"``, ``"tv_cs"`` (and the networks of Part III when
        registered).
    kspace_undersampled : complex ndarray, shape (H, W) or (N, H, W)
    mask : bool ndarray, shape (H, W) or (N, H, W)
        One mask for all images or one per image.
    **params
        Override the method's defaults (``methods()[method].defaults``).

    Returns
    -------
    images : float32 ndarray, shape (H, W) or (N, H, W)

    Examples
    --------
    >>> images = reconstruct("tv_cs", test.kspace_undersampled, test.masks)  # doctest: +SKIP
    """
    if method not in _REGISTRY:
        raise ValueError(f"unknown method {method!r}; known methods: {sorted(_REGISTRY)}")
    k, m = kspace_and_mask(kspace_undersampled, mask, "kspace_undersampled")
    entry = _REGISTRY[method]
    unknown = set(params) - set(entry.defaults)
    if unknown:
        raise ValueError(f"method {method!r} takes no parameter(s) {sorted(unknown)}; "
                         f"its parameters are {sorted(entry.defaults) or 'none'}")
    k3, m3 = as_stack(k, m)
    out = entry.fn(k3, m3, **{**entry.defaults, **params})
    return np.asarray(out, dtype=np.float32).reshape(k.shape)


def _zero_filled(k, m):
    return zero_filled(k * m)


def _interp(method):
    def run(k, m):
        return zero_filled(interpolate_kspace(k, m, method=method))
    return run


def _tv_denoise(k, m, lam, max_iter):
    return tv_denoise(zero_filled(k * m), lam, max_iter=max_iter)


def _tv_cs(k, m, lam, n_iter, tau):
    return np.abs(tv_cs(k, m, lam, n_iter=n_iter, tau=tau))


register("zero_filled", _zero_filled, description="inverse FFT of the zero-filled k-space")
for _name in ("linear", "cubic", "radial"):
    register(f"interp_{_name}", _interp(_name), description=f"{_name} k-space interpolation")
register("tv_denoise", _tv_denoise, defaults=TV_DENOISE_DEFAULTS,
         description="TV (ROF) denoising of the zero-filled image")
register("tv_cs", _tv_cs, defaults=TV_CS_DEFAULTS,
         description="compressed sensing with TV and exact data consistency (PDHG)")


@lru_cache(maxsize=8)
def _cached_model(path: str, mtime: float, expected: str):
    from .train import load_model

    return load_model(path, expected=expected)


def _network(expected: str):
    def run(k, m, weights):
        import torch

        from .train import predict

        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"no weights at {path}; train them with `make weights` "
                                    f"(python -m mrilab.train ...) or pass weights=PATH")
        model = _cached_model(str(path), path.stat().st_mtime, expected)
        with torch.inference_mode():
            return predict(model, k, m)
    return run


register("kspace_unet", _network("KSpaceUNet"),
         defaults=dict(weights=str(WEIGHTS_DIR / "kspace_unet.pt")),
         description="U-Net on weighted k-space with hard data consistency (shipped weights)")
register("cascade", _network("Cascade"),
         defaults=dict(weights=str(WEIGHTS_DIR / "cascade.pt")),
         description="frozen k-space U-Net, inverse FFT, residual image-space U-Net (shipped weights)")
