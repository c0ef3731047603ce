"""Partial Fourier: masks, homodyne and POCS, the registry, the phase-constrained CG and TV."""

from __future__ import annotations

import numpy as np
import pytest

import mrilab
from mrilab.fourier import fft2c
from mrilab.partial_fourier import homodyne, low_resolution_phase, partial_fourier_mask, pocs, symmetric_band
from mrilab.phantom import shepp_logan


@pytest.fixture(scope="module")
def smooth():
    x = shepp_logan(64)
    yy, xx = np.mgrid[-1:1:64j, -1:1:64j]
    image = (x * np.exp(1j * (0.8 * xx + 0.5 * yy ** 2 + 0.3))).astype(np.complex64)
    return x, image, fft2c(image)


def test_mask_and_band():
    m = partial_fourier_mask((8, 64), 5 / 8)
    assert m[0].sum() == 40 and m[0, -1] and not m[0, 0] and (m == m[:1]).all()
    band = symmetric_band(m[0])
    assert band.sum() == 2 * (32 - 24) + 1 and band[32]
    low = partial_fourier_mask((8, 64), 5 / 8, side="low")
    assert low[0, 0] and not low[0, -1]
    with pytest.raises(ValueError, match="fraction"):
        partial_fourier_mask((8, 64), 0.4)


@pytest.mark.parametrize("fraction", [5 / 8, 6 / 8, 7 / 8])
def test_smooth_phase_is_recovered(smooth, fraction):
    x, image, k = smooth
    m = partial_fourier_mask(x.shape, fraction)
    zf = mrilab.psnr(x, np.abs(np.fft.ifft2(k)) * 0 + mrilab.zero_filled(k * m))
    for name in ("homodyne", "pocs"):
        out = mrilab.reconstruct(name, k * m, m)
        assert mrilab.psnr(x, out) > zf + 3, name
        assert mrilab.psnr(x, out) > 30, name


def test_pocs_keeps_the_measured_samples(smooth):
    x, image, k = smooth
    m = partial_fourier_mask(x.shape, 5 / 8, side="low")
    out = pocs(k * m, m, n_iter=5)
    assert np.allclose(fft2c(out)[m], k[m], atol=1e-4)


def test_multicoil_and_stack(smooth):
    x, image, k = smooth
    maps = mrilab.multicoil.ring_maps(64, 4)
    kc = fft2c(maps * image)[None]
    m = partial_fourier_mask(x.shape, 6 / 8)
    out = mrilab.reconstruct("homodyne", kc * m, m)
    assert out.shape == (1, 64, 64) and mrilab.psnr(x, out[0]) > 30
    stack = mrilab.reconstruct("pocs", np.stack([k, k]) * m, m)
    assert stack.shape == (2, 64, 64)
    assert "homodyne" in mrilab.registry.methods(multicoil=True)
    assert "homodyne" not in mrilab.registry.methods(multicoil=True, special=False)


def test_errors(smooth):
    x, image, k = smooth
    random = mrilab.cartesian_mask(x.shape, 2, 0.0, rng=0)
    random[:, 31:34] = True
    with pytest.raises(ValueError, match="filter"):
        homodyne(k, partial_fourier_mask(x.shape, 5 / 8), filter="hann")
    no_centre = np.zeros(x.shape, bool)
    no_centre[:, 40:] = True
    with pytest.raises(ValueError, match="symmetric band"):
        homodyne(k * no_centre, no_centre)


def test_real_constraint_fills_the_missing_side(smooth):
    """Phase-constrained CG (maps carrying the phase, x real) beats the unconstrained one."""
    x, image, k = smooth
    m = partial_fourier_mask(x.shape, 5 / 8)
    kc = (k * m)[None, None]
    # the phase from the symmetric band only: the whole sampled run is not symmetric about DC
    maps = low_resolution_phase(k * m, m[0])[None, None]
    free = mrilab.reconstruct("cg_sense", kc, m, maps=maps, n_iter=30)
    real = mrilab.reconstruct("cg_sense", kc, m, maps=maps, n_iter=30, real=True)
    assert mrilab.psnr(x, real[0]) > mrilab.psnr(x, free[0]) + 3
    tv_free = mrilab.reconstruct("cg_sense_tv", kc, m, maps=maps)
    tv_real = mrilab.reconstruct("cg_sense_tv", kc, m, maps=maps, real=True)
    assert mrilab.psnr(x, tv_real[0]) > mrilab.psnr(x, tv_free[0]) + 3
