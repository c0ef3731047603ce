"""Incoherence of a sampling pattern: the transform point spread function (TPSF).

Compressed sensing needs the aliasing of an undersampled acquisition to look like noise *in
the domain where the image is sparse*. Lustig, Donoho and Pauly (2007) measure it with the
transform point spread function

.. math::

    \\mathrm{TPSF}(i; j) = e_j^* \\, \\Psi \\, \\mathcal{F}^* M \\mathcal{F} \\, \\Psi^* e_i ,

the amount by which a unit coefficient ``i`` of the sparsifying transform ``Psi`` leaks into
coefficient ``j`` after the mask ``M`` and zero filling. With ``Psi`` the identity it is the
ordinary point spread function, the same for every pixel; with a wavelet transform it depends on
the coefficient's scale: coarse coefficients live near the centre of k-space, which every mask
samples densely, fine ones far out. Its *peak side lobe*, ``max_{j != i} |TPSF(i; j)| /
|TPSF(i; i)|``, is the number Lustig et al. use to compare patterns: the smaller, the more
noise-like the aliasing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array
from ..fourier import fft2c, ifft2c

__all__ = ["tpsf", "peak_sidelobe"]

_DOMAINS = ("image", "wavelet")
_BANDS = {"horizontal": "da", "vertical": "ad", "diagonal": "dd"}   # PyWavelets' dwt2: cH = "da", cV = "ad"


def _check_coefficient(level, scale, band):
    if not np.isscalar(scale) or int(scale) != scale or not 1 <= scale <= level:
        raise ValueError(f"scale must be an integer from 1 (the finest details) to level={level}, got {scale!r}")
    if band not in _BANDS:
        raise ValueError(f"band must be one of {tuple(_BANDS)}, got {band!r}")


def _coefficient(shape, wavelet, level, scale, band):
    """The index, in PyWavelets' packed layout, of the coefficient at the centre of a detail band."""
    import pywt

    coeffs = pywt.wavedec2(np.zeros(shape), wavelet, mode="periodization", level=level)
    _, slices = pywt.coeffs_to_array(coeffs)
    rows, cols = slices[level + 1 - int(scale)][_BANDS[band]]
    (r0, r1, _), (c0, c1, _) = rows.indices(shape[0]), cols.indices(shape[1])   # a band's slice may start at None
    return ((r0 + r1) // 2, (c0 + c1) // 2)


def tpsf(mask: Any, *, domain: str = "image", wavelet: str = "db4", level: int = 3, scale: int = 1,
         band: str = "diagonal", weights: Any = None) -> tuple[np.ndarray, tuple[int, int]]:
    """The transform point spread function of a 2-D mask, and the coefficient it is taken at.

    Parameters
    ----------
    mask : bool ndarray, shape (H, W)
        Any 2-D sampling mask: a column mask, a Poisson-disc mask.
    domain : {"image", "wavelet"}, keyword-only
        ``"image"``: the point spread function of a pixel at the centre, ``(H // 2, W // 2)``.
        ``"wavelet"``: the TPSF of one coefficient of an orthonormal wavelet transform
        (PyWavelets, periodic extension), in the packed coefficient layout of
        :class:`mrilab.wavelet.Wavelet`.
    wavelet, level : keyword-only
        The wavelet and the number of levels.
    scale : int, keyword-only
        The coefficient's scale, 1 the finest details, ``level`` the coarsest.
    band : {"horizontal", "vertical", "diagonal"}, keyword-only
        The detail band (PyWavelets' cH, cV, cD); the coefficient is the one at its centre.
    weights : array (H, W) or None, keyword-only
        k-space weights applied with the mask (for example ``1 / density`` to compensate a
        variable density); None weights every sample by 1, as zero filling does.

    Returns
    -------
    tpsf : complex ndarray, shape (H, W)
    index : (int, int)
        Where the unit coefficient was put; ``tpsf[index]`` is the coefficient's own value (the
        sampled fraction of its energy, for unit weights), which other coefficients can exceed.
    """
    m = as_array(mask, "mask", min_ndim=2, allow_complex=False)
    if m.ndim != 2:
        raise ValueError(f"mask must be one 2-D mask (H, W), got shape {m.shape}; take one mask of a stack")
    if domain not in _DOMAINS:
        raise ValueError(f"domain must be one of {_DOMAINS}, got {domain!r}")
    sampling = m.astype(float)
    if weights is not None:
        w = as_array(weights, "weights", min_ndim=2, allow_complex=False)
        if w.shape != m.shape:
            raise ValueError(f"weights must have the mask's shape {m.shape}, got {w.shape}")
        sampling = sampling * w
    if domain == "image":
        index = (m.shape[0] // 2, m.shape[1] // 2)
        unit = np.zeros(m.shape, dtype=complex)
        unit[index] = 1
        return ifft2c(fft2c(unit) * sampling), index
    from ..wavelet import Wavelet

    _check_coefficient(level, scale, band)
    psi = Wavelet(m.shape, wavelet=wavelet, level=level)      # checks the shape against the level
    index = _coefficient(m.shape, wavelet, level, scale, band)
    unit = np.zeros(m.shape)
    unit[index] = 1
    image = psi.adjoint(unit)
    aliased = ifft2c(fft2c(image) * sampling)
    return psi.forward(aliased), index


def peak_sidelobe(mask: Any, **options) -> float:
    """The peak side lobe of :func:`tpsf`: ``max_{j != i} |TPSF(i; j)| / |TPSF(i; i)|``.

    Takes the options of :func:`tpsf`. 0 for a fully sampled mask; close to 1 where the
    aliasing repeats the coefficient at full strength (an equispaced mask).
    """
    t, index = tpsf(mask, **options)
    peak = abs(t[index])
    if peak == 0:
        raise ValueError("the coefficient's TPSF is zero at its own position: the mask samples none of its energy")
    a = np.abs(t)
    a[index] = 0
    return float(a.max() / peak)
