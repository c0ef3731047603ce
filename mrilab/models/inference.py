"""Inference: images from a trained network, for numpy or torch inputs.

Used by the registry of methods (:mod:`mrilab.registry`) and by the chapters; it sits with the models,
below both the registry and the training code (:mod:`mrilab.train` re-exports it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["predict", "predict_nufft"]


@torch.no_grad()
def predict(model: nn.Module, kspace: Any, mask: Any, *, maps: Any = None, phase: Any = None,
            batch_size: int = 32, device: str | torch.device = "cpu") -> np.ndarray:
    """Magnitude images from a model's ``reconstruct`` for numpy or torch inputs (N, H, W).

    A multi-coil model takes ``maps`` (N, C, H, W): ``reconstruct(kspace, mask, maps)``. An unrolled
    network takes a ``phase`` (N, H, W) of unit modulus that demodulates its denoisers' input
    (:func:`mrilab.models.unrolled.denoise`).
    """
    model.eval()
    # copies: inputs may be read-only views (np.broadcast_to), which torch must not share
    as_tensor = lambda a, dtype: a if torch.is_tensor(a) else torch.from_numpy(np.array(a, dtype=dtype))  # noqa: E731
    k = as_tensor(kspace, np.complex64)
    m = as_tensor(mask, bool)
    s = None if maps is None else as_tensor(maps, np.complex64)
    p = None if phase is None else as_tensor(phase, np.complex64)
    out = []
    for i in range(0, len(k), batch_size):
        args = [k[i:i + batch_size].to(device), m[i:i + batch_size].to(device)]
        if s is not None:
            args.append(s[i:i + batch_size].to(device))
        extra = {} if p is None else dict(phase=p[i:i + batch_size].to(device))
        out.append(model.reconstruct(*args, **extra).cpu())
    return torch.cat(out).numpy()


def predict_nufft(model: torch.nn.Module, kdata: Any, traj: Any, shape: Any, *, maps: Any = None,
                  batch_size: int = 8) -> np.ndarray:
    """Magnitude images (N, H, W) of an :class:`~mrilab.models.UnrolledNUFFT` from samples on one trajectory.

    ``kdata`` is ``(N, M)`` or, with coils, ``(N, C, M)`` with ``maps`` ``(N, C, H, W)`` (estimated from the
    centre of k-space when None). The density weights and the kernel are computed once for the stack.
    """
    from ..noncartesian import density_compensation, maps_from_center, normal_equations

    t = np.asarray(traj, dtype=float).reshape(-1, 2)
    y = np.asarray(kdata)
    w = density_compensation(t, shape, "pipe")
    if y.ndim == 3 and maps is None:
        maps = np.stack([maps_from_center(yi, t, shape, weights=w) for yi in y])
    if y.ndim == 3:
        rhs, kernel = normal_equations(y, t, shape, w, maps=maps)
    else:
        rhs, kernel = normal_equations(y, t, shape, w)
    model.eval()
    rhs, kernel = torch.from_numpy(rhs), torch.from_numpy(kernel)
    # a copy: the maps may be a read-only view (np.broadcast_to), which torch must not share
    s = None if maps is None else torch.from_numpy(np.array(maps, dtype=np.complex64))
    out = []
    with torch.inference_mode():
        for i in range(0, len(rhs), batch_size):
            out.append(model.reconstruct(rhs[i:i + batch_size], kernel,
                                         None if s is None else s[i:i + batch_size]))
    return torch.cat(out).numpy()
