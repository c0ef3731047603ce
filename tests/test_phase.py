"""The calibration region's low-resolution phase, and the unrolled networks' denoisers demodulated by it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mrilab
from mrilab.fourier import fft2c
from mrilab.models import Unrolled, UnrolledMulticoil
from mrilab.models.unrolled import denoise
from mrilab.multicoil import ring_maps
from mrilab.phantom import shepp_logan
from mrilab.phase import calibration_phase, hann_taper
from mrilab.sampling import cartesian_mask

N = 64


@pytest.fixture(scope="module")
def smooth():
    """A magnitude phantom, its phase (smooth, turning by about a cycle), the complex image."""
    x = shepp_logan(N).astype(np.float32)
    yy, xx = np.mgrid[-1:1:N * 1j, -1:1:N * 1j]
    phi = 2.5 * xx + 1.5 * yy ** 2 + 0.4
    return x, phi, (x * np.exp(1j * phi)).astype(np.complex64)


def _nontrivial(net, seed=0):
    """Give the denoisers' last layers (zero at initialisation, the identity) random weights."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for d in net.denoisers:
            d.tail.weight.copy_(0.05 * torch.randn(d.tail.weight.shape, generator=g))
    return net.eval()


def test_hann_taper():
    t = hann_taper(16, [6, 7, 8, 9, 10])
    assert t.shape == (16,) and (t[:6] == 0).all() and (t[11:] == 0).all() and (t[6:11] > 0).all()
    np.testing.assert_allclose(t[6:11], t[6:11][::-1])
    assert t[8] == t.max()
    with pytest.raises(ValueError, match="columns"):
        hann_taper(16, [15, 16])


def test_recovers_a_smooth_phase(smooth):
    x, phi, image = smooth
    m = cartesian_mask((N, N), 4, 0.25, rng=0)
    est = calibration_phase(fft2c(image) * m, m)
    assert est.shape == (N, N) and np.allclose(np.abs(est), 1, atol=1e-5)
    inside = x > 0.1 * x.max()
    err = np.angle(est * np.exp(-1j * phi))[inside]
    assert np.median(np.abs(err)) < 0.1 and np.percentile(np.abs(err), 90) < 0.3
    # stacks: one mask for all, or one per image
    both = calibration_phase(np.stack([fft2c(image) * m] * 2), m)
    np.testing.assert_allclose(both[1], est, atol=1e-6)


def test_multicoil_phase_is_the_combined_images(smooth):
    x, phi, image = smooth
    maps = ring_maps(N, 8)[None].astype(np.complex64)
    k = fft2c(maps[0] * image)[None]
    m = cartesian_mask((N, N), 4, 0.25, rng=1)
    est = calibration_phase(k * m, m, maps)
    assert est.shape == (1, N, N)
    inside = x > 0.1 * x.max()
    # the maps' phases are taken out by the combination sum_c conj(S_c) x_c: what remains is the object's
    err = np.angle(est[0] * np.exp(-1j * phi))[inside]
    assert np.median(np.abs(err)) < 0.1


def test_errors(smooth):
    _, _, image = smooth
    k = fft2c(image)
    no_acs = np.zeros((N, N), bool)
    no_acs[:, ::4] = True
    with pytest.raises(ValueError, match="no calibration region.*phase=None"):
        calibration_phase(k * no_acs, no_acs)
    m = cartesian_mask((N, N), 4, 0.25, rng=0)
    with pytest.raises(ValueError, match="maps="):
        calibration_phase(np.stack([k] * 2)[None], m)
    with pytest.raises(ValueError, match="maps must have shape"):
        calibration_phase(np.stack([k] * 2)[None], m, np.ones((1, 3, N, N)))
    with pytest.raises(ValueError, match="mask must have shape"):
        calibration_phase(k, m[:8])


def test_denoise_with_unit_phase_is_the_denoiser():
    net = _nontrivial(Unrolled(iterations=1, chans=4, layers=3))
    x = torch.randn(2, 16, 16, dtype=torch.complex64)
    with torch.no_grad():
        torch.testing.assert_close(denoise(net.denoisers[0], x, torch.ones(2, 16, 16, dtype=torch.complex64)),
                                   denoise(net.denoisers[0], x))


@pytest.mark.parametrize("coils", [False, True])
def test_a_constant_phase_passed_is_taken_out_exactly(smooth, coils):
    """A network is not equivariant to a global phase; told the phase, it is (the data step is linear)."""
    x, _, _ = smooth
    c = np.exp(0.9j).astype(np.complex64)
    m = torch.from_numpy(cartesian_mask((N, N), 4, 0.25, rng=2))[None]
    if coils:
        net = _nontrivial(UnrolledMulticoil(iterations=2, chans=4, layers=3, cg_iterations=3))
        maps = torch.from_numpy(ring_maps(N, 4).astype(np.complex64))[None]
        k = lambda img: torch.from_numpy(fft2c(ring_maps(N, 4) * img).astype(np.complex64))[None] * m  # noqa: E731
        run = lambda kk, **kw: net.reconstruct(kk, m, maps, **kw)  # noqa: E731
    else:
        net = _nontrivial(Unrolled(iterations=2, chans=4, layers=3))
        k = lambda img: torch.from_numpy(fft2c(img).astype(np.complex64))[None] * m  # noqa: E731
        run = lambda kk, **kw: net.reconstruct(kk, m, **kw)  # noqa: E731
    phase = torch.full((1, N, N), complex(c), dtype=torch.complex64)
    with torch.no_grad():
        plain = run(k(x))
        turned = run(k(x * c))
        told = run(k(x * c), phase=phase)
    assert (turned - plain).abs().max() > 1e-3 * plain.max()        # the phase matters to the network ...
    torch.testing.assert_close(told, plain, atol=1e-4 * float(plain.max()), rtol=0)   # ... and is taken out


def test_registry_option(smooth):
    _, _, image = smooth
    m = cartesian_mask((128, 128), 4, 0.08, rng=0)
    img = np.kron(image, np.ones((2, 2))).astype(np.complex64)
    k = fft2c(img) * m
    plain = mrilab.reconstruct("unrolled", k, m, weights="robust")
    told = mrilab.reconstruct("unrolled", k, m, weights="robust", phase="calibration")
    assert told.shape == plain.shape == (128, 128) and not np.allclose(told, plain)
    with pytest.raises(ValueError, match="'calibration'"):
        mrilab.reconstruct("unrolled", k, m, weights="robust", phase="acs")
    with pytest.raises(ValueError, match="no parameter"):
        mrilab.reconstruct("kspace_unet", k, m, phase="calibration")


def test_the_band_is_symmetric_about_dc(smooth):
    """An ACS with an extra sampled column beside it (as random masks have) must not tilt the phase: a real,
    positive image's estimated phase is zero."""
    x, _, _ = smooth
    m = np.zeros((N, N), bool)
    m[:, N // 2 - 6:N // 2 + 8] = True          # a run of 14 columns through DC, 6 left of it and 7 right
    est = calibration_phase(fft2c(x.astype(np.complex64)) * m, m)
    inside = x > 0.1 * x.max()
    assert np.abs(np.angle(est[inside])).max() < 1e-3
