"""Zero filling: the reconstruction that needs no optimisation (chapter 1).

The lowest reconstruction of the book, so that everything above it (the registry of methods, the
file pipeline, the networks' inputs) can use it without importing anything that uses them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_array, is_tensor
from .fourier import ifft2c

__all__ = ["zero_filled"]


def zero_filled(kspace: Any) -> Any:
    """Zero-filled reconstruction: the magnitude of the inverse FFT.

    Unsampled k-space locations are left at zero, so the image is the true
    image convolved with the mask's point spread function (aliasing).

    Parameters
    ----------
    kspace : complex ndarray or torch.Tensor, shape (..., H, W)
        Centred (undersampled) k-space.

    Returns
    -------
    image : float32 ndarray (or real tensor), shape (..., H, W)
    """
    if is_tensor(kspace):
        return ifft2c(kspace).abs()
    arr = as_array(kspace, "kspace")
    return np.abs(ifft2c(arr)).astype(np.float32)
