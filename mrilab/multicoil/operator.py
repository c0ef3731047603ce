"""The multi-coil forward model ``E = M F S`` and its adjoint, with the checks of its inputs.

Coil ``c`` measures the Fourier transform of the object weighted by its map, on the sampled
frequencies: ``y_c = M F (S_c x)``. Stacked over coils, ``E x = (M F S_1 x, ..., M F S_C x)``,
and its adjoint combines the coils back into one image: ``E^H y = sum_c conj(S_c) F^H M y_c``.
With maps normalised to ``sum_c |S_c|^2 = 1`` a fully sampled ``E`` is an isometry
(``E^H E = I``), so ``||E|| <= 1`` for any mask.

Shapes used throughout :mod:`mrilab.multicoil`: k-space ``(C, H, W)`` or ``(N, C, H, W)``;
maps ``(C, H, W)`` (one set for all images) or ``(N, C, H, W)``; masks ``(H, W)`` or
``(N, H, W)`` (one pattern for all coils).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, as_mask
from ..fourier import fft2c, ifft2c

__all__ = ["MultiCoilFourier", "check_multicoil", "check_maps"]


def check_maps(maps: Any, n_coils: int | None = None, shape: tuple[int, int] | None = None,
               n_images: int | None = None) -> np.ndarray:
    """Maps as a complex array ``(N or 1, C, H, W)``, checked against the k-space they go with."""
    s = as_array(maps, "maps", min_ndim=3, max_ndim=4)
    s4 = s[None] if s.ndim == 3 else s
    if n_coils is not None and s4.shape[1] != n_coils:
        raise ValueError(f"maps have {s4.shape[1]} coils (axis -3 of shape {s.shape}) but the k-space has "
                         f"{n_coils}; pass one map per coil, in the same order")
    if shape is not None and s4.shape[-2:] != tuple(shape):
        raise ValueError(f"maps must have the image shape {tuple(shape)} in their last two axes, got shape "
                         f"{s.shape}; estimate them from this k-space (mrilab.multicoil.estimate_maps)")
    if n_images is not None and len(s4) not in (1, n_images):
        raise ValueError(f"maps of shape {s.shape} hold {len(s4)} sets for {n_images} images; pass one set "
                         f"(C, H, W) for all images or one per image (N, C, H, W)")
    return s4.astype(np.complex64, copy=False)


def check_multicoil(kspace: Any, mask: Any, maps: Any = None, name: str = "kspace"):
    """Check multi-coil k-space, its mask and (optionally) maps; return them as stacks.

    Returns ``(k, m, s, single)``: k-space ``(N, C, H, W)``, mask ``(N, H, W)`` (bool, broadcast
    to one per image), maps ``(N or 1, C, H, W)`` or None, and whether the input was one image.
    """
    k = as_array(kspace, name, min_ndim=3, max_ndim=4)
    single = k.ndim == 3
    k4 = k[None] if single else k
    m = as_mask(mask, "mask")
    if m.shape[-2:] != k4.shape[-2:] or (m.ndim == 3 and len(m) != len(k4)):
        raise ValueError(f"mask must have shape {k4.shape[-2:]} (one for all coils and images) or "
                         f"{(len(k4), *k4.shape[-2:])} (one per image) for {name} of shape {k.shape}, got "
                         f"{m.shape}; a multi-coil {name} is (C, H, W) or (N, C, H, W) and every coil shares "
                         f"the mask")
    m3 = np.broadcast_to(m.reshape(-1, *m.shape[-2:]), (len(k4), *k4.shape[-2:]))
    s4 = None if maps is None else check_maps(maps, k4.shape[1], k4.shape[-2:], len(k4))
    return k4, m3, s4, single


class MultiCoilFourier:
    """``E = M F S``: coil-weighted, Fourier-transformed, masked.

    Parameters
    ----------
    maps : complex ndarray, shape (C, H, W) or (N, C, H, W)
    mask : bool ndarray, shape (H, W) or (N, H, W)

    ``forward`` maps images ``(N, H, W)`` (or ``(H, W)``) to k-space ``(N, C, H, W)``;
    ``adjoint`` goes back; ``normal`` is ``E^H E``.
    """

    def __init__(self, maps: Any, mask: Any):
        self.maps = check_maps(maps)
        m = as_mask(mask, "mask")
        if m.shape[-2:] != self.maps.shape[-2:]:
            raise ValueError(f"mask must have the shape {self.maps.shape[-2:]} of the maps, got {m.shape}")
        self.mask = m.reshape(-1, 1, *m.shape[-2:])

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``M F (S_c x)`` for every coil: k-space ``(N, C, H, W)``."""
        x = np.asarray(x)
        return fft2c(self.maps * x.reshape(-1, 1, *x.shape[-2:])) * self.mask

    def adjoint(self, y: np.ndarray) -> np.ndarray:
        """``sum_c conj(S_c) F^H M y_c``: one image per stack entry, ``(N, H, W)``."""
        return np.sum(np.conj(self.maps) * ifft2c(np.asarray(y) * self.mask), axis=-3)

    def normal(self, x: np.ndarray) -> np.ndarray:
        """``E^H E x``."""
        return self.adjoint(self.forward(x))
