"""Coil maps of a movie from its time-averaged k-space.

Each frame of a k-t acquisition measures too little of the centre to calibrate on, but the frames
together do: averaging every k-space point over the frames that measured it gives one k-space whose
centre is fully sampled (for the ``"shifted"`` lattice every column once ``T >= R``; for random masks
the centre the frames cover together). The maps come from its central block by ESPIRiT
(:func:`mrilab.multicoil.espirit_maps`). The average blurs what moves, which the smooth maps do not
need; Otazo et al. (2015) and Feng et al. (2014) calibrate on the time average in the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["time_average", "time_averaged_maps"]


def time_average(kspace: Any, masks: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every k-space point averaged over the frames that measured it, and where any did.

    ``kspace`` ``(T, C, H, W)`` or ``(T, H, W)``, ``masks`` ``(T, H, W)``; returns ``(C, H, W)`` (or ``(H, W)``)
    and the union mask ``(H, W)``.
    """
    k = np.asarray(kspace)
    m = np.asarray(masks, dtype=bool)
    count = m.sum(axis=0)
    weights = m if k.ndim == 3 else m[:, None]
    total = (k * weights).sum(axis=0)
    return (total / np.maximum(count, 1)).astype(np.complex64), count > 0


def time_averaged_maps(kspace: Any, masks: Any, *, calib: int = 24, **espirit: Any) -> np.ndarray:
    """ESPIRiT maps ``(C, H, W)`` of one movie from its time-averaged k-space (module docstring).

    ``calib`` columns around DC of the union of the masks calibrate (fewer if the union's run of
    sampled columns through DC is narrower); ``espirit`` goes to :func:`mrilab.multicoil.espirit_maps`.
    """
    from ..multicoil.espirit import espirit_maps

    k = np.asarray(kspace)
    if k.ndim != 4:
        raise ValueError(f"kspace must be one movie's multi-coil k-space (T, C, H, W), got shape {k.shape}")
    avg, union = time_average(k, masks)
    mask = np.broadcast_to(union[None, :] if union.ndim == 1 else union, avg.shape[-2:]).copy()
    # keep only the central calib columns of the union, so the ACS run is at most that wide
    w = mask.shape[-1]
    cols = np.arange(w)
    mask[:, np.abs(cols - w // 2) > calib // 2] = False
    return espirit_maps(avg * mask, mask, **espirit)
