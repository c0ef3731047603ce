"""The datasets: random phantoms (or real brain slices), their k-space and masks, in HDF5.

Layout of ``mri_dataset.h5``::

    /train/phantoms             (N, H, W) float32   reference magnitude images, maximum 1
    /train/images               (N, H, W) complex64 the complex reference images
    /train/kspace_full          (N, H, W) complex64 noise-free k-space on the H x W grid
    /train/kspace_undersampled  (N, H, W) complex64 measured samples (noise added), zero elsewhere
    /train/masks                (N, H, W) bool      a fresh mask per sample
    /test/...                   the same five datasets
    /{train,test}/maps          (N, C, H, W) complex64 the multicoil preset only: the true coil maps

Three presets:

``"seed"`` (the default, chapters 1-10)
    The research study's setting: real-valued, noise-free, piecewise-constant
    phantoms rasterised on the reconstruction grid, ``kspace_full = fft2c(phantoms)``.
``"realistic"`` (Part IV)
    The same phantoms (same geometry and masks for the same seed) with every factor of
    :mod:`mrilab.data.realistic` switched on: a smooth phase, k-space from a 4x finer
    grid, intensity ramps, a bias field, texture and noise of standard deviation 0.01.
``"multicoil"`` (Part V)
    The realistic preset seen by an array of ``n_coils`` receive coils (default 8, on a ring
    rotated at random for every sample, :func:`mrilab.multicoil.ring_maps`, normalised
    to root-sum-of-squares 1): every coil sees the object on the fine grid weighted by its
    map, and gets its own noise (standard deviation ``noise_std`` per coil, correlated
    between neighbouring coils by ``coil_correlation``, default 0). Masks follow the
    convention of parallel imaging (``pattern="regular"``: every 4th column and the ACS).
    ``kspace_full`` and ``kspace_undersampled`` get a coil axis, ``(N, C, H, W)``, and the
    true maps are stored as ``maps`` ``(N, C, H, W)``. Defaults to 100 training and 20 test
    samples (about 340 MB, made in under a minute).
``"anatomy"``
    The 11 real brain slices of :mod:`mrilab.data.anatomy` (test split only: never train
    on them), with a smooth phase and noise as in the realistic preset.

The phantom presets draw the study's ellipses by default; :func:`generate` takes
``family="other"`` (chapter 10's perturbed ellipses), ``family="polygons"`` (a test family far
from them) or ``family="randomized"`` (domain randomisation, for training): see
:mod:`mrilab.data.shapes`.

Each factor can be overridden by keyword (``make_dataset(..., preset="seed", phase=np.pi)``
adds only the phase). The file's attributes record every generation parameter. The train
and test splits draw from two independent child streams of ``seed``
(``np.random.SeedSequence(seed).spawn(2)``), so the test set does not change when
``n_train`` does. Within a split, the phantom geometry and the masks come from one
stream, the factors (phase, texture, ...) from a second and the noise from a third, so
switching a factor on or off changes nothing else.

Command line::

    python -m mrilab.data [--preset seed|realistic|anatomy|multicoil|radial|radial_multicoil|spiral] [--out FILE] [--n-train 500 --seed 0 ...]
    python -m mrilab.data --preset cine|cine_multicoil|cine_radial [...]   (Part XI's movies, :mod:`mrilab.data.cine`)
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._checks import positive_int
from .._io import atomic_path
from .._version import __version__
from ..fourier import fft2c
from ..phantom import other_ellipses, random_ellipses
from ..sampling import cartesian_mask
from . import anatomy, realistic
from .anatomy import MissingDependencyError, brain_slices
from .protocol import remeasure
from .shapes import IMAGE_FAMILIES
from .realistic import FACTORS, REALISTIC_FACTORS, SEED_FACTORS, check_factors, snr_db
from .real import REAL_FILES, real_file
from .seed import book_path, book_seed
from .cine import CINE_PRESETS, book_cine, generate_cine, load_cine, make_cine_dataset, remeasure_cine

__all__ = ["CINE_PRESETS", "book_cine", "generate_cine", "load_cine", "make_cine_dataset", "remeasure_cine", "real_file", "REAL_FILES", "make_dataset", "generate", "load_dataset", "ensure_dataset", "book_seed", "book_dataset",
           "Split", "dataset_params", "brain_slices", "remeasure", "snr_db", "MissingDependencyError",
           "SPLITS", "KEYS", "DEFAULTS", "PRESETS", "FACTORS", "DEFAULT_PATHS", "MULTICOIL_DEFAULTS",
           "RADIAL_DEFAULTS", "RADIAL_KEYS", "SPIRAL_DEFAULTS", "NONCARTESIAN_PRESETS", "split_keys"]

SPLITS = ("train", "test")
KEYS = ("phantoms", "images", "kspace_full", "kspace_undersampled", "masks")
#: The factors of each preset (see :mod:`mrilab.data.realistic`). The anatomy preset
#: takes the phase and noise of the realistic one; its other factors do not apply.
PRESETS: dict[str, dict[str, Any]] = {
    "seed": dict(SEED_FACTORS),
    "realistic": dict(REALISTIC_FACTORS),
    "anatomy": dict(SEED_FACTORS, phase=REALISTIC_FACTORS["phase"], noise_std=REALISTIC_FACTORS["noise_std"]),
    "multicoil": dict(REALISTIC_FACTORS),
    "radial": dict(REALISTIC_FACTORS),
    "radial_multicoil": dict(REALISTIC_FACTORS),
    "spiral": dict(REALISTIC_FACTORS),
}
#: The presets measured on radial spokes (Part VI): k-space samples on a golden-angle trajectory,
#: taken from the fine grid of the realistic objects (no inverse crime), instead of masked columns.
NONCARTESIAN_PRESETS = ("radial", "radial_multicoil", "spiral")
#: The trajectory of the radial presets: the first ``n_spokes`` spokes of the golden-angle sequence,
#: ``n_samples`` per spoke (2 x 128: the scanner's two-fold readout oversampling). Any first ``n`` of
#: them is a golden-angle acquisition of ``n`` spokes, so one dataset serves every smaller spoke count.
RADIAL_DEFAULTS: dict[str, Any] = dict(n_spokes=96, n_samples=256)
#: The trajectory of the spiral preset (:func:`mrilab.noncartesian.spiral_trajectory`): 16 Archimedean
#: interleaves of 4 turns each, so that the turns of all 16 lie the Nyquist spacing 1/128 apart
#: (``n_turns n_interleaves = alpha k_max N = 64``), with 1600 samples per interleave (about 0.004 cycles per
#: pixel apart along the curve, under half the Nyquist spacing). Interleave ``j`` is rotated by
#: ``2 pi j / 16``, so every ``k``-th interleave (``trajectory[::k]``) is a uniform spiral of ``16 / k``
#: interleaves, undersampled ``k`` times between its turns. ``n_samples`` is shared with the radial presets
#: (default 1600 here).
SPIRAL_DEFAULTS: dict[str, Any] = dict(n_interleaves=16, n_turns=4.0, alpha=1.0)
SPIRAL_SAMPLES = 1600
#: The arrays of a radial split: the references and their Cartesian k-space as in the other presets,
#: ``kdata`` the noisy samples ``(N, M)`` (``(N, C, M)`` with coils) and the ``trajectory`` ``(S, P, 2)``.
RADIAL_KEYS = ("phantoms", "images", "kspace_full", "kdata")
#: The coil parameters of the multicoil preset (stored with the other parameters).
MULTICOIL_DEFAULTS: dict[str, Any] = dict(n_coils=8, coil_correlation=0.0)
#: Where ``python -m mrilab.data`` writes each preset by default.
DEFAULT_PATHS = {"seed": "data/mri_dataset.h5", "realistic": "data/mri_dataset_realistic.h5",
                 "anatomy": "data/mri_anatomy.h5", "multicoil": "data/mri_dataset_multicoil.h5",
                 "radial": "data/mri_dataset_radial.h5", "radial_multicoil": "data/mri_dataset_radial_multicoil.h5",
                 "spiral": "data/mri_dataset_spiral.h5"}
#: Default generation parameters of the seed preset (used by the Makefile, the chapters and
#: the training command).
DEFAULTS: dict[str, Any] = dict(n_train=500, n_test=20, size=128, acceleration=4.0,
                                center_fraction=0.08, pattern="random", seed=0, preset="seed",
                                **SEED_FACTORS)

_REGENERATE = "regenerate it with `python -m mrilab.data --out {path} --force`"


@dataclass
class Split:
    """One split of a dataset, held in memory.

    Attributes
    ----------
    phantoms : float32 ndarray, shape (N, H, W)
        Reference magnitude images (maximum 1).
    images : complex64 ndarray, shape (N, H, W)
        Complex reference images (``ifft2c(kspace_full)``).
    kspace_full : complex64 ndarray, shape (N, H, W)
        Noise-free k-space.
    kspace_undersampled : complex64 ndarray, shape (N, H, W)
        The measurement: noisy samples where ``masks`` is set, zero elsewhere.
    masks : bool ndarray, shape (N, H, W)
    attrs : dict
        The generation parameters stored in the file.
    maps : complex64 ndarray, shape (N, C, H, W), or None
        The true coil sensitivity maps (multicoil presets only; ``kspace_full`` and
        ``kspace_undersampled`` then have the coil axis too).
    kdata : complex64 ndarray, shape (N, M) or (N, C, M), or None
        The radial presets' measurement: noisy samples on ``trajectory`` (those presets have no
        ``kspace_undersampled`` and no ``masks``: None).
    trajectory : float64 ndarray, shape (S, P, 2), or None
        The radial presets' spokes, in cycles per pixel (:mod:`mrilab.noncartesian.trajectory`).
    """

    phantoms: np.ndarray
    images: np.ndarray
    kspace_full: np.ndarray
    kspace_undersampled: np.ndarray | None
    masks: np.ndarray | None
    attrs: dict[str, Any] = field(default_factory=dict)
    maps: np.ndarray | None = None
    kdata: np.ndarray | None = None
    trajectory: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.phantoms)

    def subset(self, indices) -> "Split":
        """A new split of the images ``indices`` (a sequence of integers or a slice), with the same attrs."""
        from dataclasses import replace

        idx = np.arange(len(self))[indices] if isinstance(indices, slice) else np.asarray(list(indices), dtype=int)
        if idx.size and not (idx.min() >= -len(self) and idx.max() < len(self)):
            raise IndexError(f"indices must lie in 0..{len(self) - 1} for a split of {len(self)} images, got "
                             f"{idx.min()}..{idx.max()}")
        arrays = {name: None if getattr(self, name) is None else getattr(self, name)[idx]
                  for name in ("phantoms", "images", "kspace_full", "kspace_undersampled", "masks", "maps", "kdata")}
        return replace(self, **arrays)


def dataset_params(n_train: int | None = None, n_test: int | None = None, *, preset: str = "seed",
                   size: int = DEFAULTS["size"], acceleration: float = DEFAULTS["acceleration"],
                   center_fraction: float = DEFAULTS["center_fraction"],
                   pattern: str | None = None, seed: int = DEFAULTS["seed"],
                   n_coils: int | None = None, coil_correlation: float | None = None,
                   n_spokes: int | None = None, n_samples: int | None = None,
                   n_interleaves: int | None = None, n_turns: float | None = None, alpha: float | None = None,
                   **factors: Any) -> dict[str, Any]:
    """Check and collect the generation parameters (the file's attributes).

    ``n_train`` and ``n_test`` default to 500 and 20 (0 and 11 for the anatomy
    preset, 100 and 20 for the multicoil one); ``pattern`` to ``"random"``
    (``"regular"`` for the multicoil preset); each factor defaults to the preset's value
    (:data:`PRESETS`). ``n_coils`` and ``coil_correlation`` belong to the multicoil preset
    only (:data:`MULTICOIL_DEFAULTS`). The radial presets (:data:`NONCARTESIAN_PRESETS`) default to
    300 and 20 (radial_multicoil: 100 and 20) and take ``n_spokes`` and ``n_samples``
    (:data:`RADIAL_DEFAULTS`); the spiral preset defaults to 300 and 20 and takes ``n_interleaves``,
    ``n_turns``, ``alpha`` (:data:`SPIRAL_DEFAULTS`) and ``n_samples`` (default 1600). ``acceleration``,
    ``center_fraction`` and ``pattern`` do not apply to the non-Cartesian presets and are stored as given.
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    anatomy_preset = preset == "anatomy"
    multicoil = preset in ("multicoil", "radial_multicoil")
    radial = preset in NONCARTESIAN_PRESETS
    n_slices = len(anatomy.SLICE_NAMES)
    default_train = 0 if anatomy_preset else 100 if multicoil else 300 if radial else DEFAULTS["n_train"]
    n_train = positive_int(default_train if n_train is None else n_train, "n_train", minimum=0)
    if pattern is None:
        pattern = "regular" if multicoil else DEFAULTS["pattern"]
    coils = {}
    if multicoil:
        from ..multicoil.coils import noise_covariance
        coils = dict(n_coils=positive_int(MULTICOIL_DEFAULTS["n_coils"] if n_coils is None else n_coils, "n_coils"),
                     coil_correlation=float(MULTICOIL_DEFAULTS["coil_correlation"] if coil_correlation is None
                                            else coil_correlation))
        noise_covariance(coils["n_coils"], 1.0, coils["coil_correlation"])  # checks both
    elif n_coils is not None or coil_correlation is not None:
        raise ValueError(f"n_coils and coil_correlation belong to the multicoil presets, got preset {preset!r}; "
                         f"pass preset='multicoil' or 'radial_multicoil'")
    spokes = {}
    spiral = preset == "spiral"
    if radial and not spiral:
        spokes = dict(n_spokes=positive_int(RADIAL_DEFAULTS["n_spokes"] if n_spokes is None else n_spokes, "n_spokes"),
                      n_samples=positive_int(2 * size if n_samples is None else n_samples, "n_samples"))
    elif spiral:
        if n_spokes is not None:
            raise ValueError("the spiral preset has interleaves, not spokes: pass n_interleaves instead of n_spokes")
        from ..noncartesian.trajectory import spiral_trajectory
        spokes = dict(n_interleaves=positive_int(SPIRAL_DEFAULTS["n_interleaves"] if n_interleaves is None
                                                 else n_interleaves, "n_interleaves"),
                      n_turns=float(SPIRAL_DEFAULTS["n_turns"] if n_turns is None else n_turns),
                      alpha=float(SPIRAL_DEFAULTS["alpha"] if alpha is None else alpha),
                      n_samples=positive_int(SPIRAL_SAMPLES if n_samples is None else n_samples, "n_samples"))
        spiral_trajectory(1, 2, n_turns=spokes["n_turns"], alpha=spokes["alpha"])  # checks n_turns and alpha
    elif n_spokes is not None or n_samples is not None:
        raise ValueError(f"n_spokes and n_samples belong to the non-Cartesian presets {NONCARTESIAN_PRESETS}, got "
                         f"preset {preset!r}")
    if not spiral and (n_interleaves is not None or n_turns is not None or alpha is not None):
        raise ValueError(f"n_interleaves, n_turns and alpha belong to the spiral preset, got preset {preset!r}")
    n_test = positive_int((n_slices if anatomy_preset else DEFAULTS["n_test"]) if n_test is None else n_test,
                          "n_test", minimum=0)
    seed = positive_int(seed, "seed", minimum=0)
    size = positive_int(size, "size", minimum=8)
    if n_train + n_test == 0:
        raise ValueError("n_train and n_test are both 0; ask for at least one sample")
    if anatomy_preset:
        if n_train:
            raise ValueError(f"the anatomy preset has no training split (real brain slices are for "
                             f"testing only), got n_train={n_train}; pass n_train=0")
        if n_test > n_slices or size > 128:
            raise ValueError(f"the anatomy preset has {n_slices} slices of at most 128 x 128, got "
                             f"n_test={n_test}, size={size}; pass n_test <= {n_slices} and size <= 128")
    values = check_factors(**{**PRESETS[preset], **factors})
    if anatomy_preset:
        fixed = {k: v for k, v in values.items() if k not in ("phase", "noise_std") and v != SEED_FACTORS[k]}
        if fixed:
            raise ValueError(f"the anatomy preset takes only phase and noise_std; real slices have "
                             f"their own texture and grid, got {fixed}")
    # Let cartesian_mask check acceleration, center_fraction and pattern now, before any work.
    cartesian_mask((size, size), acceleration, center_fraction, pattern=pattern, rng=0)
    return dict(n_train=n_train, n_test=n_test, size=size, acceleration=float(acceleration),
                center_fraction=float(center_fraction), pattern=str(pattern), seed=seed,
                preset=preset, **values, **coils, **spokes)


def _generate_split(n: int, ss: np.random.SeedSequence, p: dict[str, Any],
                    slices: list[np.ndarray] | None = None, ellipses_of=random_ellipses,
                    image_of=None) -> dict[str, np.ndarray]:
    """One split: geometry and masks from ``ss``, factors and noise from two children of it.

    ``image_of(rng, fine_size)``, where given, draws each object as an image on the fine grid
    (:data:`mrilab.data.shapes.IMAGE_FAMILIES`) instead of an ellipse table.
    """
    size = p["size"]
    shape = (size, size)
    geometry = np.random.default_rng(ss)
    factor_ss, noise_ss = ss.spawn(2)
    factor_rng = np.random.default_rng(factor_ss)
    factors = {k: p[k] for k in FACTORS if k != "noise_std"}
    n_coils = p.get("n_coils")
    traj = None
    if p.get("n_spokes") or p.get("n_interleaves"):
        from ..noncartesian.trajectory import radial_trajectory, spiral_trajectory
        traj = (radial_trajectory(p["n_spokes"], p["n_samples"]) if p.get("n_spokes") else
                spiral_trajectory(p["n_interleaves"], p["n_samples"], n_turns=p["n_turns"], alpha=p["alpha"]))
        traj_shape = traj.shape
        traj = traj.reshape(-1, 2)
        samples = np.empty((n, *((n_coils,) if n_coils else ()), len(traj)), dtype=np.complex64)
    coil_shape = (n_coils,) if n_coils else ()
    if n_coils:
        from ..multicoil.coils import ring_maps, coil_noise, noise_covariance
        # the array's rotation from a third child stream: the other draws do not move
        rotations = np.random.default_rng(ss.spawn(1)[0]).uniform(0, 2 * np.pi / n_coils, size=n)
        maps = np.stack([ring_maps(size, n_coils, rotation=r) for r in rotations]) if n else \
            np.empty((0, n_coils, *shape), dtype=np.complex64)
    refs = np.empty((n, *shape), dtype=np.complex128)
    kspace = np.empty((n, *coil_shape, *shape), dtype=np.complex64 if n_coils else np.complex128)
    masks = np.empty((n, *shape), dtype=bool)
    for i in range(n):
        if image_of is not None:
            drawn = image_of(geometry, size * p["oversampling"])
        elif slices is None:
            ellipses = ellipses_of(geometry)
        if traj is None:
            masks[i] = cartesian_mask(shape, p["acceleration"], p["center_fraction"],
                                      pattern=p["pattern"], rng=geometry)
        draws = realistic.draw_factors(factor_rng, size, 10)
        coils = None
        if n_coils:
            def coils(grid, r=rotations[i]):
                return ring_maps(grid, n_coils, rotation=r)
        if image_of is not None:
            got = realistic.acquire(drawn, draws, size, phase=p["phase"], coils=coils, traj=traj)
        elif slices is None:
            got = realistic.simulate(ellipses, draws, size, coils=coils, traj=traj, **factors)
        else:
            got = realistic.acquire(slices[i], draws, size, phase=p["phase"], traj=traj)
        kspace[i], refs[i] = got[:2]
        if traj is not None:
            samples[i] = got[2]
    real = p["phase"] == 0
    phantoms = np.abs(refs).astype(np.float32)
    images = refs.astype(np.complex64)
    if slices is None and p["oversampling"] == 1 and not n_coils:
        # the reference is the image on the reconstruction grid: k-space is its FFT (in single
        # precision, as the seed dataset always had it)
        kspace_full = fft2c(phantoms if real else images).astype(np.complex64)
    else:
        kspace_full = kspace.astype(np.complex64)
    measured = kspace_full
    if traj is not None:  # the measurement: noisy samples on the spokes, no mask
        out = dict(phantoms=phantoms, images=images, kspace_full=kspace_full, kspace_undersampled=None, masks=None,
                   trajectory=traj.reshape(traj_shape))
        noise_rng = np.random.default_rng(noise_ss)
        if n_coils:
            out["maps"] = maps
            psi = noise_covariance(n_coils, p["noise_std"], p["coil_correlation"])
            for i in range(n):
                noise = coil_noise(noise_rng, (*samples.shape[1:], 1), psi)[..., 0]  # (C, M): coils on axis -3
                samples[i] += noise.astype(np.complex64)
        elif p["noise_std"] > 0:
            samples += realistic.complex_noise(noise_rng, samples.shape, p["noise_std"]).astype(np.complex64)
        out["kdata"] = samples
        return out
    if n_coils:
        out = dict(phantoms=phantoms, images=images, kspace_full=kspace_full, masks=masks, maps=maps)
        psi = noise_covariance(n_coils, p["noise_std"], p["coil_correlation"])
        noise_rng = np.random.default_rng(noise_ss)
        out["kspace_undersampled"] = np.empty_like(kspace_full)
        for i in range(n):  # one image at a time: the noise of the whole split would be large
            noisy = kspace_full[i] + coil_noise(noise_rng, kspace_full.shape[1:], psi)
            out["kspace_undersampled"][i] = noisy * masks[i]
        return out
    if p["noise_std"] > 0:
        noise = realistic.complex_noise(np.random.default_rng(noise_ss), kspace_full.shape, p["noise_std"])
        measured = kspace_full + noise
    return dict(phantoms=phantoms, images=images, kspace_full=kspace_full,
                kspace_undersampled=(measured * masks).astype(np.complex64), masks=masks)


def make_dataset(path: str | os.PathLike, n_train: int | None = None, n_test: int | None = None, *,
                 preset: str = "seed", size: int = DEFAULTS["size"],
                 acceleration: float = DEFAULTS["acceleration"],
                 center_fraction: float = DEFAULTS["center_fraction"],
                 pattern: str | None = None, seed: int = DEFAULTS["seed"],
                 **factors: Any) -> Path:
    """Generate a dataset and write it to ``path`` (HDF5).

    The file is written under a temporary name in the same folder and then
    renamed, so an interrupted run never leaves a half-written file behind.

    Parameters
    ----------
    path : str or path-like
        Output file, conventionally ``data/mri_dataset.h5`` (:data:`DEFAULT_PATHS`).
        Parent folders are created.
    n_train, n_test : int
        Number of samples in each split (default 500 and 20; for the anatomy
        preset 0 and 11).
    preset : {"seed", "realistic", "anatomy", "multicoil", "radial", "radial_multicoil", "spiral"}, keyword-only
        The data model (module docstring); ``"seed"`` is the study's. The radial presets store
        :data:`RADIAL_KEYS` and the ``trajectory`` instead of masks and masked k-space.
    size : int, keyword-only
        Image width and height.
    acceleration, center_fraction, pattern : keyword-only
        Passed to :func:`mrilab.cartesian_mask`; each sample gets its own mask.
    seed : int, keyword-only
        Root seed; the same parameters give the same arrays.
    **factors : keyword-only
        Override the preset's factors: ``phase``, ``oversampling``, ``gradient``,
        ``bias``, ``texture``, ``noise_std`` (:mod:`mrilab.data.realistic`); for the
        multicoil presets also ``n_coils`` and ``coil_correlation``; for the radial ones
        ``n_spokes`` and ``n_samples``.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    ValueError
        For an unknown preset or factor, a negative factor, ``oversampling`` below 1,
        a training split for the anatomy preset; :class:`MissingDependencyError` (a
        ValueError) for the anatomy preset without dipy installed.
    """
    import h5py

    splits = generate(n_train, n_test, preset=preset, size=size, acceleration=acceleration,
                      center_fraction=center_fraction, pattern=pattern, seed=seed, **factors)
    params = splits["test"].attrs
    path = Path(path)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs.update(params)
        f.attrs["mrilab_version"] = __version__
        for name, split in splits.items():
            group = f.create_group(name)
            for key in split_keys(preset) + (("maps",) if split.maps is not None else ()):
                data = getattr(split, key)
                # the coil arrays are large and, undersampled, mostly zeros: lzf compresses them fast
                compress = "lzf" if data.ndim == 4 and len(data) else None
                group.create_dataset(key, data=data, chunks=True if len(data) else None, compression=compress)
            if split.trajectory is not None and "trajectory" not in f:
                f.create_dataset("trajectory", data=split.trajectory)
            if preset == "anatomy" and name == "test":
                group.attrs["names"] = list(anatomy.SLICE_NAMES[:params["n_test"]])
    return path


def generate(n_train: int | None = None, n_test: int | None = None, *, preset: str = "seed",
             size: int = DEFAULTS["size"], acceleration: float = DEFAULTS["acceleration"],
             center_fraction: float = DEFAULTS["center_fraction"], pattern: str | None = None,
             seed: int = DEFAULTS["seed"], family: str = "study", **factors: Any) -> dict[str, Split]:
    """The splits of :func:`make_dataset`, in memory, without writing a file.

    Takes the same parameters and gives the same arrays as ``make_dataset`` followed by
    :func:`load_dataset`; convenient for small experiments (a chapter that adds one factor
    at a time, say).

    ``family="other"`` draws the phantoms from :func:`mrilab.phantom.other_ellipses` (the
    out-of-family generator of chapter 10) instead of the study's, with the same factors and
    noise (the masks are drawn after each phantom, so they differ): data that no network of
    this book was trained on. ``family="polygons"`` (a test family far from the ellipses) and
    ``family="randomized"`` (domain randomisation, for training) draw objects that are not
    ellipses (:mod:`mrilab.data.shapes`), with their own texture and bias and the preset's
    phase, oversampling, coils and noise.

    Returns
    -------
    dict
        ``{"train": Split, "test": Split}``, each with the generation parameters as ``attrs``.
    """
    params = dataset_params(n_train, n_test, preset=preset, size=size, acceleration=acceleration,
                            center_fraction=center_fraction, pattern=pattern, seed=seed, **factors)
    families = {"study": random_ellipses, "other": other_ellipses, **IMAGE_FAMILIES}
    if family not in families or (family != "study" and preset == "anatomy"):
        raise ValueError(f"family must be one of {sorted(families)} (phantom presets only: the anatomy preset "
                         f"has its slices), got {family!r} with preset {preset!r}")
    if family == "other" and preset == "multicoil":
        raise ValueError("family 'other' takes the seed or realistic preset; the image families "
                         "('polygons', 'randomized') take every phantom preset")
    if family != "study":
        params["family"] = family
    slices = brain_slices()[:params["n_test"]] if preset == "anatomy" else None
    seqs = np.random.SeedSequence(params["seed"]).spawn(2)
    image_of = IMAGE_FAMILIES.get(family)
    return {split: Split(**_generate_split(params[f"n_{split}"], ss, params,
                                           slices if split == "test" else None, families[family], image_of),
                         attrs=dict(params))
            for split, ss in zip(SPLITS, seqs)}


def split_keys(preset: str) -> tuple[str, ...]:
    """The arrays a split of ``preset`` stores (:data:`KEYS`, or :data:`RADIAL_KEYS` for the radial presets)."""
    return RADIAL_KEYS if preset in NONCARTESIAN_PRESETS else KEYS


def _open(path: str | os.PathLike):
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no dataset at {path}; make it with "
                                f"`python -m mrilab.data --out {path}` (or `make data`)")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path} is not a readable HDF5 file ({exc}); it may be truncated or "
                         f"not a dataset at all: " + _REGENERATE.format(path=path)) from exc


def _stored_params(f) -> dict[str, Any]:
    out = {}
    for k in (*DEFAULTS, *MULTICOIL_DEFAULTS, *RADIAL_DEFAULTS, *SPIRAL_DEFAULTS):
        if k in f.attrs:
            v = f.attrs[k]
            out[k] = v.item() if hasattr(v, "item") else v
            if isinstance(out[k], bytes):
                out[k] = out[k].decode()
    return out


def load_dataset(path: str | os.PathLike, split: str, *,
                 index: int | slice | np.ndarray | None = None) -> Split:
    """Read one split of the dataset into memory.

    Parameters
    ----------
    path : str or path-like
        The HDF5 file written by :func:`make_dataset`.
    split : {"train", "test"}
    index : int, slice or sorted int array, keyword-only
        Read only these samples (h5py reads nothing else); default all.

    Returns
    -------
    Split
        ``phantoms``, ``images``, ``kspace_full``, ``kspace_undersampled``, ``masks``
        and ``attrs`` (every generation parameter, the preset and its factors included);
        ``maps`` for the multicoil preset.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If ``split`` is unknown, the file is not readable HDF5, or it lacks the split's
        group or one of its datasets.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    with _open(path) as f:
        if split not in f:
            raise ValueError(f"{path} has no group '{split}/' (it has {sorted(f.keys())}); "
                             + _REGENERATE.format(path=path))
        group = f[split]
        attrs = _stored_params(f)
        keys = split_keys(attrs.get("preset", "seed"))
        missing = [k for k in keys if k not in group]
        if missing:
            raise ValueError(f"{path} group '{split}/' lacks {missing}; "
                             + _REGENERATE.format(path=path))
        sel = slice(None) if index is None else index
        arrays = {k: group[k][sel] for k in keys + (("maps",) if "maps" in group else ())}
        trajectory = f["trajectory"][()] if "trajectory" in f else None
    if index is not None and np.ndim(index) == 0 and not isinstance(index, slice):
        arrays = {k: v[None] for k, v in arrays.items()}
    if keys == RADIAL_KEYS:
        arrays.update(kspace_undersampled=None, masks=None)
    return Split(**arrays, attrs=attrs, trajectory=trajectory)


def ensure_dataset(path: str | os.PathLike, **params: Any) -> Path:
    """Make the dataset at ``path`` unless a complete one with these parameters is there.

    Parameters
    ----------
    path : str or path-like
    **params
        Generation parameters as for :func:`make_dataset`; missing ones take
        the defaults (:data:`DEFAULTS`).

    Returns
    -------
    path : pathlib.Path
    """
    wanted = dataset_params(**params)
    path = Path(path)
    if path.is_file():
        try:
            with _open(path) as f:
                keys = split_keys(wanted["preset"]) + (("maps",) if "n_coils" in wanted else ())
                complete = all(s in f and all(k in f[s] for k in keys) for s in SPLITS)
                if complete and _stored_params(f) == wanted:
                    return path
        except OSError:
            pass  # unreadable: regenerate
    return make_dataset(path, **wanted)


def book_dataset(folder: str | os.PathLike | None = None, *, preset: str = "seed") -> Path:
    """Make (if needed) and return the chapters' dataset for :func:`book_seed`.

    ``folder/mri_dataset.h5`` (``mri_dataset_realistic.h5``, ``mri_anatomy.h5`` for the
    other presets) with seed 0, ``folder/mri_dataset_seed1.h5`` and so on for another seed,
    so that datasets of several seeds live side by side. The default ``folder`` is the
    checkout's ``data/`` (beside ``pyproject.toml``), wherever the caller runs; for an
    installed copy without a checkout, ``../data`` from the working directory, as the
    chapters in ``notebooks/`` see it.
    """
    return ensure_dataset(book_path(DEFAULT_PATHS[preset], folder), preset=preset, seed=book_seed())


def main(argv: list[str] | None = None) -> int:
    import sys

    from .cine import CINE_PRESETS
    from .cine import main as cine_main

    argv = sys.argv[1:] if argv is None else list(argv)
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--preset", default="seed")
    if first.parse_known_args(argv)[0].preset in CINE_PRESETS:
        return cine_main(argv)  # the movies of Part XI have their own parameters
    parser = argparse.ArgumentParser(prog="python -m mrilab.data",
                                     description="Make a dataset of the book (HDF5).")
    parser.add_argument("--preset", choices=sorted(PRESETS) + list(CINE_PRESETS), default="seed",
                        help="seed: the study's phantoms; realistic: phase, finer grid, texture, noise; "
                             "anatomy: real brain slices (test only); multicoil: the realistic data seen by "
                             "a ring of receive coils; radial, radial_multicoil, spiral: the realistic data (and coils) "
                             "measured on golden-angle radial spokes (spiral: on spiral interleaves); cine, "
                             "cine_multicoil, cine_radial: cardiac movies (python -m mrilab.data --preset cine --help)")
    parser.add_argument("--out", default=None, help="output file (default: by preset, "
                        + ", ".join(f"{k}: {v}" for k, v in DEFAULT_PATHS.items()) + ")")
    parser.add_argument("--n-train", type=int, default=None, help="default 500 (anatomy: 0, multicoil and radial_multicoil: 100, radial and spiral: 300)")
    parser.add_argument("--n-test", type=int, default=None, help="default 20 (anatomy: 11)")
    parser.add_argument("--size", type=int, default=DEFAULTS["size"])
    parser.add_argument("--acceleration", type=float, default=DEFAULTS["acceleration"])
    parser.add_argument("--center-fraction", type=float, default=DEFAULTS["center_fraction"])
    parser.add_argument("--pattern", choices=["random", "equispaced", "regular"], default=None,
                        help="default random (multicoil: regular)")
    parser.add_argument("--n-coils", type=int, default=None, help="multicoil preset: coils (default 8)")
    parser.add_argument("--coil-correlation", type=float, default=None,
                        help="multicoil preset: noise correlation of neighbouring coils (default 0)")
    parser.add_argument("--n-spokes", type=int, default=None,
                        help=f"radial presets: golden-angle spokes (default {RADIAL_DEFAULTS['n_spokes']})")
    parser.add_argument("--n-samples", type=int, default=None,
                        help="radial presets: samples per spoke (default 2 x size); spiral: per interleave (default 1600)")
    parser.add_argument("--n-interleaves", type=int, default=None,
                        help=f"spiral preset: interleaves (default {SPIRAL_DEFAULTS['n_interleaves']})")
    parser.add_argument("--n-turns", type=float, default=None,
                        help=f"spiral preset: turns per interleave (default {SPIRAL_DEFAULTS['n_turns']:g})")
    parser.add_argument("--alpha", type=float, default=None,
                        help="spiral preset: 1 Archimedean, > 1 variable density (default 1)")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    for name in FACTORS:
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=None,
                            help=f"override the preset's {name} (seed {SEED_FACTORS[name]:g}, "
                                 f"realistic {REALISTIC_FACTORS[name]:g})")
    parser.add_argument("--force", action="store_true",
                        help="regenerate even if an identical dataset exists")
    args = parser.parse_args(argv)
    out = args.out or DEFAULT_PATHS[args.preset]
    params = dict(n_train=args.n_train, n_test=args.n_test, preset=args.preset, size=args.size,
                  acceleration=args.acceleration, center_fraction=args.center_fraction,
                  pattern=args.pattern, seed=args.seed,
                  **{k: getattr(args, k) for k in (*FACTORS, *MULTICOIL_DEFAULTS, *RADIAL_DEFAULTS, *SPIRAL_DEFAULTS)
                     if getattr(args, k) is not None})
    start = time.perf_counter()
    try:
        params = dataset_params(**params)
        if args.force:
            make_dataset(out, **params)
            made = True
        else:
            before = os.path.getmtime(out) if os.path.exists(out) else None
            ensure_dataset(out, **params)
            made = before is None or os.path.getmtime(out) != before
    except ValueError as exc:
        parser.error(str(exc))
    state = "wrote" if made else "up to date:"
    factors = ", ".join(f"{k} {params[k]:g}" for k in FACTORS if params[k] != SEED_FACTORS[k])
    print(f"{state} {out} ({params['preset']}: {params['n_train']} train, {params['n_test']} test, "
          f"{params['size']}x{params['size']}, "
          + (f"{params['n_interleaves']} spiral interleaves of {params['n_samples']} samples, {params['n_turns']:g} turns"
             if params['preset'] == "spiral" else
             f"{params['n_spokes']} golden-angle spokes of {params['n_samples']} samples"
             if params['preset'] in NONCARTESIAN_PRESETS else
             f"R={params['acceleration']:g}, ACS {params['center_fraction']:.0%}")
          + f", seed {params['seed']}"
          f"{'; ' + factors if factors else ''}) in {time.perf_counter() - start:.1f} s")
    if params["noise_std"] > 0:
        test = load_dataset(out, "test")
        print(f"noise {params['noise_std']:g} of the maximum: SNR {snr_db(test.images, params['noise_std']):.1f} dB "
              f"(mean magnitude over the object / noise standard deviation, test split)")
    return 0
