"""The synthetic dataset: random phantoms, their k-space and masks, in HDF5.

Layout of ``mri_dataset.h5``::

    /train/phantoms             (N, H, W) float32   ground-truth images in [0, 1]
    /train/kspace_full          (N, H, W) complex64 fft2c(phantoms)
    /train/kspace_undersampled  (N, H, W) complex64 kspace_full * masks
    /train/masks                (N, H, W) bool      a fresh mask per sample
    /test/...                   the same four datasets

The file's attributes record every generation parameter. The train and test
splits draw from two independent child streams of ``seed``
(``np.random.SeedSequence(seed).spawn(2)``), so the test set does not change
when ``n_train`` does, and the same parameters always give the same arrays.

Command line::

    python -m mrilab.data --out data/mri_dataset.h5 [--n-train 500 --seed 0 ...]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path
from .._version import __version__
from ..fourier import fft2c
from ..phantom import random_phantom
from ..sampling import cartesian_mask

__all__ = ["make_dataset", "load_dataset", "ensure_dataset", "Split", "dataset_params",
           "SPLITS", "KEYS", "DEFAULTS"]

SPLITS = ("train", "test")
KEYS = ("phantoms", "kspace_full", "kspace_undersampled", "masks")
#: Default generation parameters (used by the Makefile, the chapters and the training command).
DEFAULTS: dict[str, Any] = dict(n_train=500, n_test=20, size=128, acceleration=4.0,
                                center_fraction=0.08, pattern="random", seed=0)

_REGENERATE = "regenerate it with `python -m mrilab.data --out {path} --force`"


@dataclass
class Split:
    """One split of the dataset, held in memory.

    Attributes
    ----------
    phantoms : float32 ndarray, shape (N, H, W)
    kspace_full, kspace_undersampled : complex64 ndarray, shape (N, H, W)
    masks : bool ndarray, shape (N, H, W)
    attrs : dict
        The generation parameters stored in the file.
    """

    phantoms: np.ndarray
    kspace_full: np.ndarray
    kspace_undersampled: np.ndarray
    masks: np.ndarray
    attrs: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.phantoms)


def dataset_params(n_train: int = DEFAULTS["n_train"], n_test: int = DEFAULTS["n_test"], *,
                   size: int = DEFAULTS["size"], acceleration: float = DEFAULTS["acceleration"],
                   center_fraction: float = DEFAULTS["center_fraction"],
                   pattern: str = DEFAULTS["pattern"], seed: int = DEFAULTS["seed"]) -> dict[str, Any]:
    """Check and collect the generation parameters (the file's attributes)."""
    for name, value, low in (("n_train", n_train, 0), ("n_test", n_test, 0), ("size", size, 8),
                             ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if n_train + n_test == 0:
        raise ValueError("n_train and n_test are both 0; ask for at least one sample")
    # Let cartesian_mask check acceleration, center_fraction and pattern now, before any work.
    cartesian_mask((size, size), acceleration, center_fraction, pattern=pattern, rng=0)
    return dict(n_train=int(n_train), n_test=int(n_test), size=int(size),
                acceleration=float(acceleration), center_fraction=float(center_fraction),
                pattern=str(pattern), seed=int(seed))


def _generate_split(n: int, rng: np.random.Generator, p: dict[str, Any]) -> dict[str, np.ndarray]:
    shape = (p["size"], p["size"])
    phantoms = np.empty((n, *shape), dtype=np.float32)
    masks = np.empty((n, *shape), dtype=bool)
    for i in range(n):
        phantoms[i] = random_phantom(rng, p["size"])
        masks[i] = cartesian_mask(shape, p["acceleration"], p["center_fraction"],
                                  pattern=p["pattern"], rng=rng)
    kspace_full = fft2c(phantoms).astype(np.complex64)
    return dict(phantoms=phantoms, kspace_full=kspace_full,
                kspace_undersampled=(kspace_full * masks).astype(np.complex64), masks=masks)


def make_dataset(path: str | os.PathLike, n_train: int = DEFAULTS["n_train"],
                 n_test: int = DEFAULTS["n_test"], *, size: int = DEFAULTS["size"],
                 acceleration: float = DEFAULTS["acceleration"],
                 center_fraction: float = DEFAULTS["center_fraction"],
                 pattern: str = DEFAULTS["pattern"], seed: int = DEFAULTS["seed"]) -> Path:
    """Generate the dataset and write it to ``path`` (HDF5).

    The file is written under a temporary name in the same folder and then
    renamed, so an interrupted run never leaves a half-written file behind.

    Parameters
    ----------
    path : str or path-like
        Output file, conventionally ``data/mri_dataset.h5``. Parent folders
        are created.
    n_train, n_test : int
        Number of phantoms in each split.
    size : int, keyword-only
        Image width and height.
    acceleration, center_fraction, pattern : keyword-only
        Passed to :func:`mrilab.cartesian_mask`; each sample gets its own mask.
    seed : int, keyword-only
        Root seed; the same parameters give the same arrays.

    Returns
    -------
    path : pathlib.Path
    """
    import h5py

    params = dataset_params(n_train, n_test, size=size, acceleration=acceleration,
                            center_fraction=center_fraction, pattern=pattern, seed=seed)
    path = Path(path)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(params["seed"]).spawn(2)]
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs.update(params)
        f.attrs["mrilab_version"] = __version__
        for split, rng in zip(SPLITS, rngs):
            arrays = _generate_split(params[f"n_{split}"], rng, params)
            group = f.create_group(split)
            for key in KEYS:
                group.create_dataset(key, data=arrays[key], chunks=True if len(arrays[key]) else None)
    return path


def _open(path: str | os.PathLike):
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no dataset at {path}; make it with "
                                f"`python -m mrilab.data --out {path}` (or `make data`)")
    return h5py.File(path, "r")


def _stored_params(f) -> dict[str, Any]:
    out = {}
    for k in DEFAULTS:
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
        ``phantoms``, ``kspace_full``, ``kspace_undersampled``, ``masks`` and ``attrs``.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If ``split`` is unknown, or the file lacks the split's group or one of its datasets.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    with _open(path) as f:
        if split not in f:
            raise ValueError(f"{path} has no group '{split}/' (it has {sorted(f.keys())}); "
                             + _REGENERATE.format(path=path))
        group = f[split]
        missing = [k for k in KEYS if k not in group]
        if missing:
            raise ValueError(f"{path} group '{split}/' lacks {missing}; "
                             + _REGENERATE.format(path=path))
        sel = slice(None) if index is None else index
        arrays = {k: group[k][sel] for k in KEYS}
        attrs = _stored_params(f)
    if index is not None and np.ndim(index) == 0 and not isinstance(index, slice):
        arrays = {k: v[None] for k, v in arrays.items()}
    return Split(**arrays, attrs=attrs)


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
                complete = all(s in f and all(k in f[s] for k in KEYS) for s in SPLITS)
                if complete and _stored_params(f) == wanted:
                    return path
        except OSError:
            pass  # unreadable: regenerate
    return make_dataset(path, **wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mrilab.data",
                                     description="Make the synthetic MRI dataset (HDF5).")
    parser.add_argument("--out", default="data/mri_dataset.h5", help="output file")
    parser.add_argument("--n-train", type=int, default=DEFAULTS["n_train"])
    parser.add_argument("--n-test", type=int, default=DEFAULTS["n_test"])
    parser.add_argument("--size", type=int, default=DEFAULTS["size"])
    parser.add_argument("--acceleration", type=float, default=DEFAULTS["acceleration"])
    parser.add_argument("--center-fraction", type=float, default=DEFAULTS["center_fraction"])
    parser.add_argument("--pattern", choices=["random", "equispaced"], default=DEFAULTS["pattern"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--force", action="store_true",
                        help="regenerate even if an identical dataset exists")
    args = parser.parse_args(argv)
    params = dict(n_train=args.n_train, n_test=args.n_test, size=args.size,
                  acceleration=args.acceleration, center_fraction=args.center_fraction,
                  pattern=args.pattern, seed=args.seed)
    start = time.perf_counter()
    try:
        if args.force:
            make_dataset(args.out, **params)
            made = True
        else:
            before = os.path.getmtime(args.out) if os.path.exists(args.out) else None
            ensure_dataset(args.out, **params)
            made = before is None or os.path.getmtime(args.out) != before
    except ValueError as exc:
        parser.error(str(exc))
    state = "wrote" if made else "up to date:"
    print(f"{state} {args.out} ({params['n_train']} train, {params['n_test']} test, "
          f"{params['size']}x{params['size']}, R={params['acceleration']:g}, "
          f"ACS {params['center_fraction']:.0%}, seed {params['seed']}) "
          f"in {time.perf_counter() - start:.1f} s")
    return 0

