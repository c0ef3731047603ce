"""What a scanner adds to a phantom: phase, a finer grid, texture and bias, noise.

Each factor is a separate switch, so that a chapter can add them one at a time
(:func:`simulate` with one factor changed from its seed value):

``phase`` (radians, default of the realistic preset ``pi``)
    A smooth random phase: a random polynomial of degree 2 in ``x`` and ``y``
    (constant term included), scaled so that its largest absolute value over
    the field of view is ``phase``. Real scanners give such a phase (off-resonance,
    coil and receiver phase); it makes the image complex, so that k-space loses
    the conjugate symmetry of a real image.
``oversampling`` (integer, default 4)
    The phantom is rasterised on a grid ``oversampling`` times finer than the
    reconstruction grid, transformed there, and only the central ``size x size``
    block of its k-space is kept. The object is then no longer a sum of pixels of
    the reconstruction grid (no "inverse crime"): like a real scan, the measured
    k-space is the truncation of an infinite spectrum, and the reference image
    (the inverse FFT of the noise-free cropped k-space) carries Gibbs ringing.
``gradient`` (relative, default 0.1)
    Every structure but the skull gets a linear intensity ramp along a random
    direction: its intensity changes by up to ``gradient`` times its level
    between its centre and its rim.
``bias`` (relative, default 0.1)
    A smooth multiplicative field ``1 + b`` with ``b`` a random polynomial of
    degree 2 scaled to ``max |b| = bias`` over the field of view (receive-coil
    shading).
``texture`` (relative, default 0.03)
    A multiplicative band-limited random field ``1 + texture * t``: ``t`` is white
    noise smoothed by a Gaussian of standard deviation ``TEXTURE_CORRELATION``
    (1 pixel of the reconstruction grid), scaled to unit standard deviation. It is
    band-limited to the reconstruction grid, so it is the same field whatever the
    oversampling.
``noise_std`` (relative, default 0.01)
    Complex white Gaussian noise added to the measured k-space: real and imaginary
    parts each with standard deviation ``noise_std`` times the maximum of the
    reference magnitude (which is 1). With the orthonormal FFT the same standard
    deviation appears in every pixel of a fully sampled image; in the background of
    a magnitude image it becomes Rayleigh-distributed, with mean
    ``noise_std * sqrt(pi / 2)``. :func:`snr_db` reports the SNR.

The seed preset has every factor off (``phase=0, oversampling=1, gradient=0,
bias=0, texture=0, noise_std=0``); then :func:`simulate` returns exactly the
phantom of :func:`mrilab.random_phantom`.
"""

from __future__ import annotations

import numpy as np

from ..fourier import fft2c, ifft2c
from ..phantom import pixel_grid, rasterise

__all__ = ["FACTORS", "SEED_FACTORS", "REALISTIC_FACTORS", "TEXTURE_CORRELATION", "check_factors",
           "simulate", "acquire", "draw_factors", "smooth_field", "texture_field", "crop_kspace", "complex_noise",
           "snr_db"]

#: The factors of a realistic acquisition, in the order a chapter adds them.
FACTORS = ("phase", "oversampling", "gradient", "bias", "texture", "noise_std")
#: Every factor off: the study's phantoms.
SEED_FACTORS = dict(phase=0.0, oversampling=1, gradient=0.0, bias=0.0, texture=0.0, noise_std=0.0)
#: Every factor on, at the values documented in this module.
REALISTIC_FACTORS = dict(phase=float(np.pi), oversampling=4, gradient=0.1, bias=0.1, texture=0.03,
                         noise_std=0.01)
#: Standard deviation (pixels of the reconstruction grid) of the Gaussian that smooths the texture.
TEXTURE_CORRELATION = 1.0


def check_factors(**factors) -> dict:
    """Check factor values; return them as floats (``oversampling`` as int).

    Raises
    ------
    ValueError
        For an unknown factor, a negative value, or ``oversampling`` below 1 or not an integer.
    """
    out = {}
    for name, value in factors.items():
        if name not in FACTORS:
            raise ValueError(f"unknown factor {name!r}; the factors are {FACTORS}")
        if name == "oversampling":
            if isinstance(value, bool) or not float(value).is_integer() or value < 1:
                raise ValueError(f"oversampling must be an integer >= 1 (the fine grid is that many times "
                                 f"the reconstruction grid; 1 = no oversampling), got {value!r}")
            out[name] = int(value)
            continue
        if isinstance(value, bool) or not np.isscalar(value) or not np.isfinite(value) or value < 0:
            fix = " (0 = noise-free)" if name == "noise_std" else " (0 switches it off)"
            raise ValueError(f"{name} must be a number >= 0{fix}, got {value!r}")
        out[name] = float(value)
    return out


def smooth_field(coefficients: np.ndarray, size: int) -> np.ndarray:
    """A polynomial of degree 2 on the field of view, scaled to ``max |field| = 1``.

    Parameters
    ----------
    coefficients : ndarray, shape (6,)
        Weights of ``1, x, y, x^2, x y, y^2``.
    size : int
        Grid size.
    """
    x, y = pixel_grid(size)
    c = coefficients
    field = c[0] + c[1] * x + c[2] * y + c[3] * x ** 2 + c[4] * x * y + c[5] * y ** 2
    return field / max(np.abs(field).max(), 1e-12)


def _half_pixel_ramp(size: int, oversampling: float, sign: float = 1.0) -> np.ndarray:
    """Linear phase that moves a spectrum by ``0.5 - 0.5 / oversampling`` coarse pixels.

    The centred FFT puts the origin of an ``F x F`` grid at index ``F // 2``, half a
    *fine* pixel from the centre of the field of view, and that of the ``size x size``
    grid half a *coarse* pixel from it. Cropping (or padding) k-space moves the image by
    the difference unless this ramp compensates it.
    """
    u = np.arange(size) - size // 2
    delta = 0.5 - 0.5 / oversampling
    return np.exp(sign * 2j * np.pi * (u[:, None] + u[None, :]) * delta / size)


def texture_field(white: np.ndarray, oversampling: int = 1) -> np.ndarray:
    """Band-limited Gaussian random field of unit standard deviation.

    Parameters
    ----------
    white : ndarray, shape (size, size)
        White noise on the reconstruction grid.
    oversampling : int
        Evaluate the same (band-limited) field on a grid this many times finer.

    Returns
    -------
    field : float32 ndarray, shape (size * oversampling,) * 2
    """
    size = white.shape[-1]
    f = np.fft.fftshift(np.fft.fftfreq(size))
    transfer = np.exp(-2 * np.pi ** 2 * TEXTURE_CORRELATION ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    spectrum = fft2c(white) * transfer
    coarse = ifft2c(spectrum).real
    if oversampling > 1:
        fine = size * oversampling
        padded = np.zeros((fine, fine), dtype=np.complex64)
        start = fine // 2 - size // 2
        padded[start:start + size, start:start + size] = spectrum * _half_pixel_ramp(size, oversampling, -1.0)
        field = ifft2c(padded).real * oversampling
    else:
        field = coarse
    return ((field - coarse.mean()) / coarse.std()).astype(np.float32)


def crop_kspace(kspace: np.ndarray, size: int) -> np.ndarray:
    """The central ``size x size`` block of centred k-space, as k-space of the coarse grid.

    With the orthonormal FFT, keeping the centre of an ``F x F`` spectrum and
    transforming back on ``size x size`` samples the same band-limited image on a
    coarser grid, multiplied by ``F / size``: this undoes that factor, and moves the
    image by the sub-pixel offset between the two grids' origins, so that the coarse
    pixels sample the object at their own centres.
    """
    fine = kspace.shape[-1]
    if fine < size:
        raise ValueError(f"k-space of {fine} x {fine} cannot be cropped to size {size}")
    start = fine // 2 - size // 2
    block = kspace[..., start:start + size, start:start + size] * (size / fine)
    return block * _half_pixel_ramp(size, fine / size)


def draw_factors(rng: np.random.Generator, size: int, n_ellipses: int) -> dict[str, np.ndarray]:
    """The random numbers of one sample's factors, always drawn in the same order.

    Whatever factors are switched on, the same generator state gives the same
    draws, so turning one factor on leaves the others unchanged.
    """
    return dict(slopes=rng.uniform(-1.0, 1.0, size=(n_ellipses, 2)),
                bias=rng.uniform(-1.0, 1.0, size=6),
                phase=rng.uniform(-1.0, 1.0, size=6),
                texture=rng.standard_normal((size, size)))


def simulate(ellipses: np.ndarray, draws: dict[str, np.ndarray], size: int, *, phase: float = 0.0,
             oversampling: int = 1, gradient: float = 0.0, bias: float = 0.0,
             texture: float = 0.0, coils=None, traj=None) -> tuple[np.ndarray, ...]:
    """Noise-free k-space and complex reference image of one phantom.

    Parameters
    ----------
    ellipses : ndarray, shape (n, 6)
        From :func:`mrilab.phantom.random_ellipses`.
    draws : dict
        From :func:`draw_factors`.
    size : int
        Reconstruction grid.
    phase, oversampling, gradient, bias, texture : keyword-only
        The factors (module docstring); all off by default.
    coils : callable, keyword-only
        ``coils(n)`` gives the coil sensitivity maps ``(C, n, n)`` on an ``n x n`` grid
        (:func:`mrilab.multicoil.ring_maps`): the k-space is then that of every coil,
        ``(C, size, size)``, each coil seeing the object on the fine grid weighted by its map.
    traj : ndarray (..., M, 2), keyword-only
        A non-Cartesian trajectory (cycles per pixel of the reconstruction grid): the noise-free
        samples on it, taken from the fine grid (:func:`mrilab.noncartesian.sample_finer_grid`), are
        returned third, ``(M,)`` or ``(C, M)``.

    Returns
    -------
    kspace : complex128 ndarray, shape (size, size) (or (C, size, size) with ``coils``)
        Centred, noise-free k-space on the reconstruction grid.
    reference : complex128 ndarray, shape (size, size)
        ``ifft2c(kspace)``, scaled (with ``kspace``) so that its magnitude has maximum 1.
        With every factor off it is exactly the real phantom of :func:`mrilab.random_phantom`.
    """
    fine = size * oversampling
    slopes = None
    if gradient > 0:
        level = np.empty(len(ellipses))
        level[0] = 0.0  # the skull keeps its constant intensity
        brain = 1.0 + ellipses[1, 0]
        level[1] = brain
        level[2:] = brain + ellipses[2:, 0]
        slopes = gradient * level[:, None] * draws["slopes"] / np.sqrt(2)  # |ramp| <= gradient * level
    image = np.clip(rasterise(ellipses, fine, slopes=slopes), 0.0, 1.0).astype(np.float32)
    if bias > 0:
        image = image * (1.0 + bias * smooth_field(draws["bias"], fine)).astype(np.float32)
    if texture > 0:
        image = image * (1.0 + np.float32(texture) * texture_field(draws["texture"], oversampling))
    return acquire(image, draws, size, phase=phase, coils=coils, traj=traj)


def acquire(image: np.ndarray, draws: dict[str, np.ndarray], size: int, *,
            phase: float = 0.0, coils=None, traj=None) -> tuple[np.ndarray, ...]:
    """Phase, k-space on the reconstruction grid and the reference, for an image on any grid.

    ``image`` (real, shape (F, F) with ``F >= size``) gets the smooth phase of
    ``draws`` scaled to ``phase``; its k-space is cropped to ``size x size`` when
    ``F > size`` (:func:`crop_kspace`). Returns ``(kspace, reference)`` as
    :func:`simulate` does, scaled so that the reference magnitude has maximum 1.
    With ``coils`` (a function of the grid size giving maps ``(C, F, F)``) the k-space is
    that of each coil, ``(C, size, size)``; the reference is still the object alone. With ``traj``
    the samples on that trajectory follow, from the same grid (:func:`simulate`).
    """
    fine = image.shape[-1]
    if phase > 0:
        angle = (phase * smooth_field(draws["phase"], fine)).astype(np.float32)
        rotated = np.empty(image.shape, dtype=np.complex64)  # image * exp(i angle), in float32
        rotated.real = image * np.cos(angle)
        rotated.imag = image * np.sin(angle)
        image = rotated
    if fine > size:
        kspace = crop_kspace(fft2c(image), size)
        reference = ifft2c(kspace)
    else:
        reference = image.astype(complex)
        kspace = fft2c(reference)
    if coils is not None:
        kspace = crop_kspace(fft2c(coils(fine) * image), size) if fine > size else fft2c(coils(fine) * image)
    scale = np.abs(reference).max()
    if traj is None:
        return kspace / scale, reference / scale
    from ..noncartesian.nufft import sample_finer_grid

    seen = image if coils is None else coils(fine) * image
    return kspace / scale, reference / scale, sample_finer_grid(seen, traj, size) / scale


def complex_noise(rng: np.random.Generator, shape: tuple[int, ...], noise_std: float) -> np.ndarray:
    """Complex white Gaussian noise: real and imaginary parts each N(0, noise_std^2)."""
    return noise_std * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))


def snr_db(reference: np.ndarray, noise_std: float, *, threshold: float = 0.1) -> float:
    """SNR of an acquisition in dB: mean magnitude over the object / noise standard deviation.

    The object is where the reference magnitude exceeds ``threshold`` times its maximum;
    ``20 log10(mean / noise_std)``, the SNR of one pixel of a fully sampled image.
    Returns ``inf`` for noise-free data.
    """
    mag = np.abs(np.asarray(reference))
    obj = mag > threshold * mag.max(axis=(-2, -1), keepdims=True)
    if noise_std == 0:
        return float("inf")
    return float(20 * np.log10(mag[obj].mean() / noise_std))
