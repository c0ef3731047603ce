"""mrilab: the helper package of the book *Undersampled MRI reconstruction*.

The chapters introduce and explain each function; this package keeps and
tests them. The public API:

Fourier transforms
    :func:`fft2c`, :func:`ifft2c`
Phantoms
    :func:`shepp_logan`, :func:`random_phantom`
Sampling
    :func:`cartesian_mask`, :func:`effective_acceleration`, :func:`point_spread_function`
Reconstruction
    :func:`zero_filled`, :func:`interpolate_kspace`, :func:`lowpass`,
    :func:`tv_denoise`, :func:`tv_cs`, :func:`wavelet_cs`, and :func:`reconstruct`,
    which runs any of them by name (:mod:`mrilab.registry`)
Operators with adjoints
    :mod:`mrilab.operators` (gradient/divergence, masked Fourier)
Metrics (normalised by the ground truth's range)
    :func:`psnr`, :func:`ssim`, :func:`rmse`, :func:`evaluate`
Data
    :func:`make_dataset` (presets ``"seed"``, ``"realistic"``, ``"anatomy"``),
    :func:`load_dataset`, :func:`ensure_dataset`; :mod:`mrilab.data.realistic` (what a
    scanner adds) and :mod:`mrilab.data.anatomy` (real brain slices)
Networks (PyTorch, imported on first use)
    :mod:`mrilab.models`, :mod:`mrilab.train` (training loop, checkpoints,
    ``python -m mrilab.train``), :func:`load_model`, :mod:`mrilab.compare`
Non-Cartesian k-space (Part VI)
    :mod:`mrilab.noncartesian` (radial and spiral trajectories, the NUFFT, density compensation, the
    Toeplitz normal operator, gridding, CG and TV reconstruction; ``reconstruct(name, kdata, traj,
    shape=...)``)
Many coils (Part V) and the scanner's file (Part VI)
    :mod:`mrilab.multicoil` (maps, SENSE, GRAPPA, CG-SENSE, prewhitening, ESPIRiT, coil
    compression), :mod:`mrilab.io` (ISMRMRD and fastMRI files), :func:`mrilab.recon.reconstruct_file`
    and ``python -m mrilab.recon``, :mod:`mrilab.partial_fourier` (homodyne, POCS)
Learned reconstruction in practice (Part VII)
    :func:`mrilab.data.remeasure` (the same images under another protocol), the robust weight set,
    :mod:`mrilab.pnp` (plug-and-play with :class:`mrilab.models.NoiseLevelDenoiser`),
    :mod:`mrilab.data.shapes` (objects that are not ellipses: a far test family and domain
    randomisation, the randomized weight set)
Movies (Part XI)
    :mod:`mrilab.data.cine` (a synthetic cardiac cine, presets ``cine``, ``cine_multicoil``,
    ``cine_radial``), :func:`mrilab.sampling.kt_mask`, :mod:`mrilab.dynamic` (k-t operators, maps from
    the time average, view sharing, L + S, temporal TV; ``reconstruct(name, kspace (N, T, [C,] H, W),
    masks (N, T, H, W))``)
Figures
    :mod:`mrilab.plot`
"""

from ._version import __version__
from .data import ensure_dataset, load_dataset, make_dataset
from .fourier import fft2c, ifft2c
from .metrics import evaluate, psnr, rmse, ssim
from .phantom import random_phantom, shepp_logan
from .zero_filling import zero_filled
from .sampling import cartesian_mask, effective_acceleration, point_spread_function
from .tv import total_variation, tv_cs, tv_denoise
from .wavelet import wavelet_cs
from .interp import interpolate_kspace, lowpass
from .registry import reconstruct

__all__ = [
    "__version__",
    "fft2c", "ifft2c",
    "shepp_logan", "random_phantom",
    "cartesian_mask", "effective_acceleration", "point_spread_function",
    "zero_filled",
    "psnr", "ssim", "rmse", "evaluate",
    "make_dataset", "load_dataset", "ensure_dataset",
    "tv_denoise", "tv_cs", "total_variation", "wavelet_cs",
    "interpolate_kspace", "lowpass",
    "reconstruct",
]


def __getattr__(name: str):
    # torch is imported only when a network is first needed
    if name == "load_model":
        from .models.checkpoint import load_model

        return load_model
    if name in ("models", "train", "io", "multicoil", "partial_fourier", "noncartesian", "dynamic"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'mrilab' has no attribute {name!r}")
