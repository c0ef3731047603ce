"""The dataset seed every chapter draws through: :func:`book_seed`."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["book_seed", "book_path", "DEFAULT_SEED"]

#: The seed of the book's datasets when ``$MRILAB_SEED`` is not set.
DEFAULT_SEED = 0


def book_seed() -> int:
    """The dataset seed the chapters use: ``$MRILAB_SEED``, or 0 when it is not set.

    Every chapter draws its data through this seed, so that the whole book can be run
    on other random phantoms (``MRILAB_SEED=1 make test``, or set it before starting
    Jupyter); the claims the chapters assert must hold for any seed.
    """
    value = os.environ.get("MRILAB_SEED", "")
    if value.strip() == "":
        return DEFAULT_SEED
    if not value.strip().isdigit():
        raise ValueError(f"MRILAB_SEED must be a non-negative integer (the dataset seed), got {value!r}; "
                         f"unset it for the default seed 0")
    return int(value)


def book_path(default_path: str, folder: str | os.PathLike | None = None) -> Path:
    """Where the chapters keep a dataset for :func:`book_seed`: ``folder/<name>`` for seed 0,
    ``folder/<stem>_seed<N>.h5`` for another seed, so that datasets of several seeds live side by side.

    ``default_path`` is the dataset's default path (``data/<name>``); the default ``folder`` is the
    checkout's ``data/`` (beside ``pyproject.toml``) wherever the caller runs, and for an installed copy
    without a checkout ``../data`` from the working directory, as the chapters in ``notebooks/`` see it.
    """
    if folder is None:
        root = Path(__file__).resolve().parents[2]
        folder = root / "data" if (root / "pyproject.toml").is_file() else Path("..") / "data"
    seed = book_seed()
    name = Path(default_path).name
    if seed != DEFAULT_SEED:
        name = name.replace(".h5", f"_seed{seed}.h5")
    return Path(folder) / name
