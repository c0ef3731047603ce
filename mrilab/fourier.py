"""Centred, orthonormal 2-D Fourier transforms.

One convention is used everywhere in the book: the image and k-space both have
their origin (DC) in the middle of the array, at index ``(H // 2, W // 2)``,
and the transform is unitary (``norm="ortho"``), so that Parseval's theorem
``||x|| = ||F x||`` holds exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import is_tensor

__all__ = ["fft2c", "ifft2c"]

_AXES = (-2, -1)


def _check_rank(x: Any, name: str) -> None:
    if len(x.shape) < 2:
        raise ValueError(f"{name} must have at least 2 dimensions (..., H, W), got shape "
                         f"{tuple(x.shape)}; reshape a flat vector to (H, W) first")


def _transform(x: Any, name: str, inverse: bool) -> Any:
    if is_tensor(x):
        import torch

        _check_rank(x, name)
        if not (x.is_complex() or x.is_floating_point()):
            x = x.to(torch.float32)
        fft = torch.fft.ifft2 if inverse else torch.fft.fft2
        x = torch.fft.ifftshift(x, dim=_AXES)
        x = fft(x, dim=_AXES, norm="ortho")
        return torch.fft.fftshift(x, dim=_AXES)
    arr = np.asarray(x)
    _check_rank(arr, name)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float32)
    fft = np.fft.ifft2 if inverse else np.fft.fft2
    arr = np.fft.ifftshift(arr, axes=_AXES)
    arr = fft(arr, axes=_AXES, norm="ortho")
    return np.fft.fftshift(arr, axes=_AXES)


def fft2c(image: Any) -> Any:
    """Centred, orthonormal 2-D FFT over the last two axes.

    Computes ``fftshift(fft2(ifftshift(image)))`` with ``norm="ortho"``.

    Parameters
    ----------
    image : ndarray or torch.Tensor, shape (..., H, W)
        Real or complex image(s); any leading batch shape, odd or even H, W.

    Returns
    -------
    kspace : complex ndarray or torch.Tensor, shape (..., H, W)
        Centred k-space, DC at index ``(H // 2, W // 2)``. Single precision in
        gives single precision out (complex64).

    Examples
    --------
    >>> k = fft2c(shepp_logan(64))
    >>> np.allclose(ifft2c(k).real, shepp_logan(64), atol=1e-6)
    True
    """
    return _transform(image, "image", inverse=False)


def ifft2c(kspace: Any) -> Any:
    """Centred, orthonormal inverse 2-D FFT over the last two axes.

    The exact inverse of :func:`fft2c`:
    ``fftshift(ifft2(ifftshift(kspace)))`` with ``norm="ortho"``.

    Parameters
    ----------
    kspace : ndarray or torch.Tensor, shape (..., H, W)
        Centred k-space, DC at index ``(H // 2, W // 2)``.

    Returns
    -------
    image : complex ndarray or torch.Tensor, shape (..., H, W)
    """
    return _transform(kspace, "kspace", inverse=True)
