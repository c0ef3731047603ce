"""From a raw-data file to an image: the steps between a scanner and the methods of Parts II-VI.

:func:`reconstruct_file` (Cartesian data) runs, in order:

1. **read** the file (:func:`mrilab.io.read_raw`: ISMRMRD, fastMRI or Siemens twix);
2. **whiten** the coil noise with the covariance of the file's noise scan, if it has one: the
   methods that take ``covariance=`` (SENSE, CG-SENSE, SENSE + TV) whiten data and maps inside
   their solve, with maps estimated from the data as recorded; every other method gets
   prewhitened data (:func:`mrilab.multicoil.prewhiten`) and maps estimated from them. Maps
   estimated from whitened data are normalised in the whitened coil space, so the image they
   give is weighted by the whitened array's sensitivity (chapter 19 shows it);
3. **remove the readout oversampling**: inverse FFT along the (fully sampled) readout, keep the
   central ``recon_shape[0]`` rows, FFT back (:func:`remove_oversampling`);
4. **scale** so that the zero-filled root-sum-of-squares image has its maximum at 1, the range
   for which the book's parameters (TV weights, networks) were chosen (the image is scaled
   back at the end, so it comes out in the file's units);
5. optionally **compress** the coils (:func:`mrilab.multicoil.compress_coils`);
6. **maps** by ESPIRiT or by division, from the ACS;
7. **reconstruct** with any registered multi-coil method (:func:`mrilab.reconstruct`), and
   crop the image to ``recon_shape`` along the phase encodes too (fastMRI's 368 phase encodes
   give 320 columns).

:func:`reconstruct_radial_file` (a radial twix file and its Pulseq sequence, Part VIII) reads the
readouts, computes their trajectory from the ``.seq`` file, keeps the samples inside the chosen grid's
k-space, estimates and corrects the gradient delay (RING, :mod:`mrilab.noncartesian.delay`), scales the
data so that the image peaks near 1, and runs a non-Cartesian method (maps from the centre of k-space).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["reconstruct_file", "reconstruct_radial_file", "remove_oversampling", "FileReconstruction"]


def remove_oversampling(kspace: Any, size: int) -> np.ndarray:
    """Crop the readout (axis -2) to ``size`` samples in image space: k-space ``(..., size, W)``.

    The readout is fully sampled, so its 1-D inverse FFT is exact; the central ``size`` rows
    of that image are the field of view, the rest the margin the oversampling added.
    """
    k = np.asarray(kspace)
    h = k.shape[-2]
    if not 0 < size <= h:
        raise ValueError(f"size must be between 1 and the readout length {h}, got {size}")
    if size == h:
        return k.astype(np.complex64, copy=False)
    x = np.fft.fftshift(np.fft.ifft(np.fft.ifftshift(k, axes=-2), axis=-2, norm="ortho"), axes=-2)
    top = h // 2 - size // 2
    x = x[..., top:top + size, :]
    return np.fft.fftshift(np.fft.fft(np.fft.ifftshift(x, axes=-2), axis=-2, norm="ortho"),
                           axes=-2).astype(np.complex64)


@dataclass
class FileReconstruction:
    """What :func:`reconstruct_file` returns: the image and what each step found."""

    image: np.ndarray
    kspace: np.ndarray
    mask: np.ndarray
    maps: np.ndarray
    covariance: np.ndarray | None
    scale: float
    steps: list[str] = field(default_factory=list)


def reconstruct_file(path: str | os.PathLike, method: str = "cg_sense_tv", *, whiten: bool = True,
                     n_virtual: int | None = None, maps: str = "espirit", slice_index: int | None = None,
                     **params: Any) -> FileReconstruction:
    """Reconstruct the image of an ISMRMRD or fastMRI file (module docstring for the steps).

    Parameters
    ----------
    path : path of the file
    method : str
        A registered multi-coil method (``mrilab.registry.methods(multicoil=True)``).
    whiten : bool, keyword-only
        Prewhiten with the file's noise scan (ignored if it has none).
    n_virtual : int or None, keyword-only
        Compress to this many virtual coils; None keeps all.
    maps : {"espirit", "division"}, keyword-only
        How the coil maps are estimated from the ACS.
    slice_index : int or None, keyword-only
        One slice of a multi-slice file; None reconstructs every slice.
    **params
        Passed to the method.

    Returns
    -------
    FileReconstruction
        ``image`` ``(H, W)`` (or ``(N, H, W)``) at ``recon_shape``, in the file's units;
        ``kspace`` and ``mask`` as the method got them (whitened, cropped, scaled by
        ``1 / scale``, compressed), ``maps``, ``covariance`` (None without a noise scan) and the
        ``steps`` taken, one line each.
    """
    from ..fourier import ifft2c
    from ..io import read_raw
    from ..multicoil import MAP_METHODS, coil_maps, compression_matrix, estimate_noise_covariance, prewhiten
    from ..registry import methods, reconstruct

    if method not in methods(multicoil=True):
        raise ValueError(f"method must be a multi-coil method, got {method!r}; choose one of "
                         f"{sorted(methods(multicoil=True))}")
    if maps not in MAP_METHODS:
        raise ValueError(f"maps must be one of {MAP_METHODS}, got {maps!r}")
    raw = read_raw(path)
    steps = [f"read {raw.format}: k-space {raw.kspace.shape}, {int(raw.mask[0].sum())} of {raw.mask.shape[1]} "
             f"phase encodes, {int(raw.calibration.sum())} calibration lines"]
    k = raw.kspace
    if slice_index is not None:
        if k.ndim != 4 or not 0 <= slice_index < len(k):
            raise ValueError(f"slice_index {slice_index} is out of range for k-space of shape {k.shape}")
        k = k[slice_index]
    covariance = None
    in_solver = "covariance" in methods()[method].defaults
    if whiten and raw.noise is not None:
        covariance = estimate_noise_covariance(raw.noise)
        if in_solver:
            params = {**params, "covariance": covariance}
            steps.append(f"noise covariance from {raw.noise.shape[1]} noise samples per coil, whitened in {method}")
        else:
            k = prewhiten(k, covariance)
            steps.append(f"prewhitened with the covariance of {raw.noise.shape[1]} noise samples per coil")
    rh, rw = raw.recon_shape or (k.shape[-2], k.shape[-1])
    k = remove_oversampling(k, rh)
    mask = raw.mask[:rh]
    steps.append(f"readout cropped from {raw.kspace.shape[-2]} to {rh} samples")
    scale = float(np.sqrt(np.sum(np.abs(ifft2c(k)) ** 2, axis=-3)).max())
    k = k / scale
    if covariance is not None and in_solver:
        params["covariance"] = covariance / scale ** 2
    if n_virtual is not None:
        u, _ = compression_matrix(k, n_virtual)
        k = np.einsum("vc,...chw->...vhw", u, k)
        if "covariance" in params:  # the virtual coils' noise covariance, for the solver to whiten
            params["covariance"] = u @ params["covariance"] @ u.conj().T
        steps.append(f"compressed to {n_virtual} virtual coils")
    stack = k if k.ndim == 4 else k[None]   # (N, C, H, W): what every multi-coil method takes
    if method == "sake":                    # it needs no maps; the maps returned are the ones asked for
        estimated = coil_maps(k, mask, maps)
        image = reconstruct(method, stack, mask, **params)
    elif method == "nlinv":                 # it estimates its maps with the image: those are the maps returned
        from ..multicoil import nlinv

        found, estimated = nlinv(stack, mask, **params)
        image = np.abs(found).astype(np.float32)
        estimated = estimated if k.ndim == 4 else estimated[0]
        steps.append("image and coil maps estimated together by NLINV (maps= is not used)")
    else:
        estimated = coil_maps(k, mask, maps)
        image = reconstruct(method, stack, mask, maps=estimated if k.ndim == 4 else estimated[None], **params)
    image = (image if k.ndim == 4 else image[0]) * np.float32(scale)
    w = image.shape[-1]
    if rw < w:
        left = w // 2 - rw // 2
        image = image[..., left:left + rw]
    steps.append(f"{method} with {maps} maps: image {image.shape}")
    return FileReconstruction(image=image, kspace=k, mask=mask, maps=estimated, covariance=covariance, scale=scale,
                              steps=steps)


def reconstruct_radial_file(path: str | os.PathLike, seq: str | os.PathLike, method: str = "cg_nufft", *,
                            matrix: int | None = None, correct_delay: bool = True, **params: Any) -> FileReconstruction:
    """Reconstruct a 2-D radial twix file with the trajectory of its Pulseq sequence (module docstring).

    Parameters
    ----------
    path : path of the raw file (readouts = spokes, in the order they were played)
    seq : path of the Pulseq ``.seq`` file that played them
    method : str
        A non-Cartesian method (``mrilab.registry.methods(noncartesian=True)``).
    matrix : int or None, keyword-only
        The image grid (square); None: the grid whose k-space the trajectory reaches (``2 kmax FOV``).
        On a coarser grid only the samples inside its k-space are kept.
    correct_delay : bool, keyword-only
        Estimate the gradient delay from the data (RING) and reconstruct on the corrected trajectory, if that
        lowers the disagreement of crossing spokes (:func:`mrilab.noncartesian.intersection_residual`); a
        delay too small to measure is left alone.
    **params
        Passed to the method.

    Returns
    -------
    FileReconstruction
        ``image`` ``(matrix, matrix)`` in the file's units, ``kspace`` the samples used ``(C, M)``,
        ``mask`` the trajectory used ``(M, 2)``, ``maps`` (None for one coil) and the steps.
    """
    from ..io import read_raw, seq_trajectory
    from ..noncartesian import correct_trajectory, estimate_gradient_delay, intersection_residual, maps_from_center
    from ..registry import methods, reconstruct

    if method not in methods(noncartesian=True):
        raise ValueError(f"method must be a non-Cartesian method, got {method!r}; choose one of "
                         f"{sorted(methods(noncartesian=True))}")
    raw = read_raw(path)
    if raw.kspace.ndim != 3:
        raise ValueError(f"{path} holds {raw.kspace.shape[0]} slices; reconstruct_radial_file reads one 2-D slice")
    trajectory = seq_trajectory(seq)
    c, samples, readouts = raw.kspace.shape
    if trajectory.k.shape[:2] != (readouts, samples):
        raise ValueError(f"{seq} plays {trajectory.k.shape[0]} readouts of {trajectory.k.shape[1]} samples but {path} "
                         f"holds {readouts} of {samples}: the sequence file is not the one that made these data")
    natural = trajectory.natural_shape
    n = int(matrix) if matrix is not None else max(natural)
    if n < 8:
        raise ValueError(f"matrix must be at least 8 pixels, got {matrix}")
    t = trajectory.cycles_per_pixel((n, n))
    y = np.transpose(raw.kspace, (0, 2, 1))                      # (C, readouts, samples)
    inside = np.all(np.abs(t) < 0.5, axis=(0, 2))                 # samples within the grid's k-space on every spoke
    if inside.sum() < 8:
        raise ValueError(f"a {n} x {n} grid keeps {int(inside.sum())} samples of each readout; choose a larger matrix")
    t, y = t[:, inside], y[:, :, inside]
    steps = [f"read {raw.format}: {c} coils, {readouts} readouts of {samples} samples; trajectory from {Path(seq).name} "
             f"(natural grid {natural[0]} x {natural[1]}), {int(inside.sum())} samples per readout on {n} x {n}"]
    if correct_delay:
        delay = estimate_gradient_delay(y, t)
        moved = correct_trajectory(t, delay)
        before, after = intersection_residual(y, t), intersection_residual(y, moved)
        kept = after < before
        t = moved if kept else t
        steps.append(f"gradient delay (RING): S_yy {delay.s_yy:+.3f}, S_xx {delay.s_xx:+.3f}, S_xy {delay.s_xy:+.3f} "
                     f"samples; crossing spokes' residual {before:.4f} -> {after:.4f}: "
                     f"{'corrected' if kept else 'not corrected (too small to measure)'}")
    flat_t, flat_y = t.reshape(-1, 2), y.reshape(c, -1)
    maps = maps_from_center(flat_y, flat_t, (n, n)) if c > 1 else None
    first = reconstruct("gridding", flat_y if c > 1 else flat_y[0], flat_t, shape=(n, n), maps=maps)
    scale = float(first.max()) or 1.0
    image = reconstruct(method, (flat_y / scale) if c > 1 else flat_y[0] / scale, flat_t, shape=(n, n), maps=maps,
                        **params) * np.float32(scale)
    steps.append(f"{method}{' with maps from the centre of k-space' if c > 1 else ''}: image {image.shape}")
    return FileReconstruction(image=image, kspace=flat_y, mask=flat_t, maps=maps, covariance=None, scale=scale,
                              steps=steps)


def main(argv: list[str] | None = None) -> int:
    """``python -m mrilab.recon FILE --method NAME --out image.npy`` (or ``.png``)."""
    import argparse

    from .._io import atomic_path
    from ..multicoil import MAP_METHODS
    from ..registry import methods

    parser = argparse.ArgumentParser(prog="python -m mrilab.recon",
                                     description="Reconstruct an ISMRMRD, fastMRI or Siemens twix raw-data file; a radial "
                                                 "twix file with its Pulseq sequence (--seq).")
    parser.add_argument("file", help="an ISMRMRD (.h5), fastMRI (.h5) or Siemens twix (.dat) file")
    parser.add_argument("--method", default=None,
                        help=f"a multi-coil method: {', '.join(sorted(methods(multicoil=True)))} (default cg_sense_tv); "
                             f"with --seq a non-Cartesian one: {', '.join(sorted(methods(noncartesian=True)))} "
                             f"(default cg_nufft)")
    parser.add_argument("--seq", default=None, help="the Pulseq .seq file of a radial scan (its trajectory)")
    parser.add_argument("--matrix", type=int, default=None, help="with --seq: the image grid (default: the trajectory's)")
    parser.add_argument("--no-delay-correction", action="store_true",
                        help="with --seq: do not estimate and correct the gradient delay")
    parser.add_argument("--out", required=True, help="output image: .npy (float32) or .png")
    parser.add_argument("--maps", choices=MAP_METHODS, default="espirit")
    parser.add_argument("--virtual-coils", type=int, default=None, help="compress to this many coils")
    parser.add_argument("--no-whiten", action="store_true", help="skip noise prewhitening")
    parser.add_argument("--slice", type=int, default=None, help="one slice of a multi-slice file")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.suffix not in (".npy", ".png"):
        parser.error(f"--out must end in .npy or .png, got {out.name}")
    try:
        if args.seq is not None:
            result = reconstruct_radial_file(args.file, args.seq, args.method or "cg_nufft", matrix=args.matrix,
                                             correct_delay=not args.no_delay_correction)
        else:
            result = reconstruct_file(args.file, args.method or "cg_sense_tv", whiten=not args.no_whiten,
                                      n_virtual=args.virtual_coils, maps=args.maps, slice_index=args.slice)
    except (ValueError, FileNotFoundError) as exc:
        parser.exit(2, f"error: {exc}\n")
    for step in result.steps:
        print(step)
    image = result.image
    with atomic_path(out) as tmp:
        if out.suffix == ".npy":
            with open(tmp, "wb") as f:
                np.save(f, image.astype(np.float32))
        else:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            frame = image if image.ndim == 2 else np.concatenate(list(image), axis=1)
            plt.imsave(tmp, frame, cmap="gray", vmin=0, vmax=float(np.percentile(frame, 99.5)), format="png")
    print(f"wrote {out} ({image.shape[-2]} x {image.shape[-1]})")
    return 0
