"""Compressed sensing with an orthogonal wavelet transform (the original "Sparse MRI" prior).

Lustig, Donoho and Pauly (2007) reconstruct from undersampled Cartesian k-space by
minimising

.. math::

    \\tfrac12 \\lVert M \\mathcal{F} x - y \\rVert_2^2 + \\lambda \\lVert \\Psi x \\rVert_1

with ``Psi`` an orthogonal wavelet transform. BART's ``pics -l1`` runs the same iteration
with a random shift of the wavelet grid in every iteration (cycle spinning), and so does
:func:`wavelet_cs` by default: that iteration no longer minimises this objective (see
:func:`wavelet_cs`). Here ``Psi`` is PyWavelets'
multilevel 2-D transform with periodic extension (``mode="periodization"``), which
is orthonormal for orthogonal wavelets (Daubechies, symlets), so that its inverse is
its adjoint (tested). Only the detail coefficients are penalised: the coarsest
approximation (a ``H / 2^level`` image of local means) is left free.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._checks import as_rng, as_stack, kspace_and_mask, positive_int, positive_number
from .fourier import fft2c, ifft2c

__all__ = ["Wavelet", "wavelet_cs", "wavelet_cs_objective", "soft_threshold", "WAVELET_CS_DEFAULTS",
           "WAVELET_CS_BY_NOISE"]

#: Default parameters of :func:`wavelet_cs`, chosen by mean PSNR on 20 training phantoms
#: of the seed data (noise-free, R = 4) by ``python benchmarks/tune_classical.py``.
WAVELET_CS_DEFAULTS = dict(lam=1e-3, n_iter=200, wavelet="haar", level=4)
#: Parameters for realistic data at each noise level (``python benchmarks/tune_classical.py
#: --preset realistic``), as :data:`mrilab.tv.TV_CS_BY_NOISE`. The search covers the wavelet
#: (Haar, sym4), the weight (3e-4 to 1e-2) and the iteration count (100, 200, 400); at noise
#: 0, 0.01 and 0.04 it chose the same setting every time, Haar with a small weight stopped
#: after 200 iterations (sym4 was 5 to 7 dB worse). The cycle-spun iteration does not
#: converge (:func:`wavelet_cs`), so the iteration count regularises too: with this small
#: weight the PSNR rises to 200 iterations and falls after, and larger weights cost detail
#: faster than they remove noise.
WAVELET_CS_BY_NOISE = {
    0.0: dict(lam=0.0003, n_iter=200, wavelet="haar", level=4),
    0.005: dict(lam=0.0003, n_iter=200, wavelet="haar", level=4),
    0.01: dict(lam=0.0003, n_iter=200, wavelet="haar", level=4),
    0.02: dict(lam=0.0003, n_iter=200, wavelet="haar", level=4),
    0.04: dict(lam=0.0003, n_iter=200, wavelet="haar", level=4),
}


class Wavelet:
    """Orthonormal 2-D wavelet transform of images (H, W) or stacks (N, H, W), real or complex.

    ``forward`` returns the coefficients packed in one array of the image's shape
    (PyWavelets' ``coeffs_to_array`` layout: the approximation in the top-left
    ``H / 2^level`` block); ``adjoint`` is its inverse.

    Parameters
    ----------
    shape : tuple of int (H, W)
        Image shape; both must be divisible by ``2 ** level``.
    wavelet : str
        An orthogonal PyWavelets wavelet (``"haar"``, ``"db2"``, ``"db4"``, ``"sym4"``, ...).
    level : int
        Decomposition levels.
    """

    def __init__(self, shape: tuple[int, int], wavelet: str = "db4", level: int = 4):
        import pywt

        level = positive_int(level, "level")
        try:
            w = pywt.Wavelet(wavelet)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"wavelet must be a discrete PyWavelets wavelet such as 'db4', got {wavelet!r}") from exc
        if not w.orthogonal:
            raise ValueError(f"wavelet {wavelet!r} is not orthogonal, so the transform would not be "
                             f"orthonormal; use a Daubechies ('db4') or symlet ('sym4') wavelet")
        h, wd = shape
        if h % 2 ** level or wd % 2 ** level:
            raise ValueError(f"level={level} needs image sides divisible by {2 ** level}, got {shape}; "
                             f"lower the level")
        self.shape, self.wavelet, self.level = (int(h), int(wd)), wavelet, level
        coeffs = pywt.wavedec2(np.zeros(self.shape), wavelet, mode="periodization", level=level)
        _, self._slices = pywt.coeffs_to_array(coeffs)
        self.approx = np.zeros(self.shape, dtype=bool)
        self.approx[self._slices[0]] = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Wavelet coefficients of shape ``x.shape``."""
        import pywt

        coeffs = pywt.wavedec2(x, self.wavelet, mode="periodization", level=self.level, axes=(-2, -1))
        return pywt.coeffs_to_array(coeffs, axes=(-2, -1))[0]

    def adjoint(self, c: np.ndarray) -> np.ndarray:
        """The image of coefficients ``c`` (the inverse, which is also the adjoint)."""
        import pywt

        lead = (slice(None),) * (c.ndim - 2)
        slices = [lead + self._slices[0]] + [{k: lead + v for k, v in d.items()} for d in self._slices[1:]]
        coeffs = pywt.array_to_coeffs(c, slices, output_format="wavedec2")
        return pywt.waverec2(coeffs, self.wavelet, mode="periodization", axes=(-2, -1))


def soft_threshold(c: np.ndarray, t: float) -> np.ndarray:
    """Complex soft thresholding: shrink the magnitude by ``t``, keep the phase."""
    mag = np.abs(c)
    return c * (np.maximum(mag - t, 0) / np.maximum(mag, 1e-30))


def wavelet_cs_objective(x: np.ndarray, kspace: np.ndarray, mask: np.ndarray, lam: float,
                         transform: Wavelet) -> np.ndarray:
    """``1/2 ||M F x - y||^2 + lam ||detail coefficients of x||_1`` per image."""
    residual = (fft2c(x) - kspace) * mask
    c = np.abs(transform.forward(x))
    return 0.5 * np.sum(np.abs(residual) ** 2, axis=(-2, -1)) + lam * np.sum(c * ~transform.approx, axis=(-2, -1))


def wavelet_cs(kspace: Any, mask: Any, lam: float = WAVELET_CS_DEFAULTS["lam"], *,
               n_iter: int = WAVELET_CS_DEFAULTS["n_iter"], wavelet: str = WAVELET_CS_DEFAULTS["wavelet"],
               level: int = WAVELET_CS_DEFAULTS["level"], shift: bool = True,
               rng: np.random.Generator | int | None = 0,
               callback: Callable[[int, np.ndarray], Any] | None = None) -> np.ndarray:
    """Compressed sensing with an L1 wavelet prior: FISTA's iteration with cycle spinning.

    The iteration is that of the fast iterative shrinkage-thresholding algorithm of Beck
    and Teboulle (2009), step 1 (``||M F|| = 1``)::

        g     <- F^H [ (1 - M) F z + M y ]          gradient step on the data term
        x'    <- S^-1 Psi^H soft(Psi S g, lam)       proximal step, S a random shift
        z     <- x' + (t - 1) / t' (x' - x)          momentum

    With step 1 the gradient step is the replacement of the measured samples. A
    fixed wavelet grid makes the thresholding produce blocky artefacts along the
    grid; moving the grid by a random shift ``S`` (up to ``2^level - 1`` pixels per
    axis) in every iteration (cycle spinning, as BART's ``pics`` does by default)
    averages them out.

    What this computes. With ``shift=False`` it is plain FISTA on the objective of
    :func:`wavelet_cs_objective`, and converges to its minimiser. With shifts (the
    default) every iteration takes a proximal step for *another* objective (the L1 norm
    on another grid), so the iteration minimises no fixed objective and does not settle
    to a fixed point: it behaves like a stochastic proximal method for the shift-averaged,
    nearly translation-invariant wavelet prior, and its iterates keep moving by the random
    shifts. The result after ``n_iter`` iterations is what is returned, so ``n_iter`` is a
    parameter of the method, tuned with ``lam`` and the wavelet
    (``benchmarks/tune_classical.py``). On the book's realistic data the shift-averaged
    iteration is several dB better than the converged fixed-grid minimiser.

    Parameters
    ----------
    kspace : complex ndarray, shape (H, W) or (N, H, W)
        Measured centred k-space ``y``; values outside the mask are ignored.
    mask : bool ndarray, shape (H, W) or (N, H, W)
    lam : float
        Weight of the L1 term (images with maximum about 1).
    n_iter : int, keyword-only
    wavelet, level : keyword-only
        Passed to :class:`Wavelet`.
    shift : bool, keyword-only
        Random shifts of the wavelet grid (cycle spinning).
    rng : keyword-only
        Seed or Generator of the shifts.
    callback : callable, keyword-only
        ``callback(i, x)`` after every iteration with the current complex images (N, H, W).

    Returns
    -------
    x : complex64 ndarray, same shape as ``kspace``

    References
    ----------
    M. Lustig, D. Donoho, J. M. Pauly, "Sparse MRI", Magn. Reson. Med. 58 (2007).
    A. Beck, M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear
    inverse problems", SIAM J. Imaging Sci. 2 (2009).
    """
    y, m = kspace_and_mask(kspace, mask)
    lam = positive_number(lam, "lam", "the weight of the L1 term")
    n_iter = positive_int(n_iter, "n_iter")
    rng = as_rng(rng)
    shape = y.shape
    y, mk = as_stack(y, m)
    y = (y * mk).astype(np.complex64)
    psi = Wavelet(shape[-2:], wavelet, level)
    detail = ~psi.approx
    x = ifft2c(y)
    z = x.copy()
    t = 1.0
    for i in range(n_iter):
        g = ifft2c(np.where(mk, y, fft2c(z)))
        d = rng.integers(0, 2 ** level, size=2) if shift else (0, 0)
        c = psi.forward(np.roll(g, tuple(d), axis=(-2, -1)))
        c = np.where(detail, soft_threshold(c, lam), c)
        x_new = np.roll(psi.adjoint(c), tuple(-d for d in d), axis=(-2, -1)).astype(np.complex64)
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        z = x_new + ((t - 1) / t_new) * (x_new - x)
        x, t = x_new, t_new
        if callback is not None:
            callback(i, x)
    return x.reshape(shape)
