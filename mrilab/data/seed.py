"""The dataset seed every chapter draws through: :func:`book_seed`."""

from __future__ import annotations

import os

__all__ = ["book_seed", "DEFAULT_SEED"]

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
