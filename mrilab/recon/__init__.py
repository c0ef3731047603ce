"""Reconstructions that need no optimisation, and the way from a raw-data file to an image.

* :func:`zero_filled`: the magnitude of the inverse FFT (chapter 1);
* :func:`reconstruct_file` (:mod:`.pipeline`): read an ISMRMRD or fastMRI file, whiten the coil
  noise, remove the readout oversampling, compress the coils, estimate maps and run any
  registered multi-coil method; ``python -m mrilab.recon FILE --method NAME --out image.png``;
* :func:`reconstruct_radial_file`: a radial twix file with the trajectory of its Pulseq sequence
  (``python -m mrilab.recon FILE --seq SEQ --out image.png``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, is_tensor
from ..fourier import ifft2c

__all__ = ["zero_filled", "reconstruct_file", "reconstruct_radial_file", "remove_oversampling"]


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


from .pipeline import reconstruct_file, reconstruct_radial_file, remove_oversampling  # noqa: E402  (the pipeline imports lazily)
