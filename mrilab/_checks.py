"""Input checks shared by the public functions.

Every check raises :class:`ValueError` with a message that names the
parameter, the value received, what was expected and how to fix it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np


def is_tensor(x: Any) -> bool:
    """True if ``x`` is a :class:`torch.Tensor` (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def describe(x: Any) -> str:
    """A short description of an array-like for error messages."""
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    if shape is not None:
        return f"array of shape {tuple(shape)} and dtype {dtype}"
    return f"{type(x).__name__} {x!r}"


def as_array(x: Any, name: str, *, min_ndim: int = 2, max_ndim: int | None = None,
             allow_complex: bool = True, finite: bool = True) -> np.ndarray:
    """Convert ``x`` to a numpy array and check its rank, dtype and values."""
    if is_tensor(x):
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy's own message is kept
        raise ValueError(f"{name} must be array-like, got {type(x).__name__}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}; "
                         f"convert it with np.asarray({name}, dtype=np.float32)")
    if arr.ndim < min_ndim or (max_ndim is not None and arr.ndim > max_ndim):
        want = (f"{min_ndim}" if max_ndim == min_ndim else
                f"at least {min_ndim}" if max_ndim is None else f"{min_ndim} to {max_ndim}")
        raise ValueError(f"{name} must have {want} dimensions (..., H, W), got shape "
                         f"{arr.shape}; pass a single image as (H, W) or a stack as (N, H, W)")
    if not allow_complex and np.iscomplexobj(arr):
        raise ValueError(f"{name} must be a real magnitude image, got complex dtype {arr.dtype}; "
                         f"take np.abs({name}) first (or use mrilab.zero_filled on k-space)")
    if finite and arr.dtype != bool and not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {n_bad} NaN or infinite values; "
                         f"check the computation that produced it")
    return arr


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} "
                         f"and {b.shape}")


def positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def positive_number(value: Any, name: str, meaning: str) -> float:
    """A finite number > 0 (a weight or a step size), as a float; ``meaning`` goes into the error."""
    if isinstance(value, bool) or not np.isscalar(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number ({meaning}), got {value!r}")
    return float(value)


def as_rng(rng: np.random.Generator | int | None, name: str = "rng") -> np.random.Generator:
    """Turn ``rng`` (a Generator, a seed or None) into a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ValueError(f"{name} must be a numpy Generator, an int seed or None, got "
                     f"{type(rng).__name__}; use np.random.default_rng(seed)")


def as_mask(mask: Any, name: str = "mask", *, max_ndim: int | None = 3) -> np.ndarray:
    """A sampling mask as a bool array: True/False or exactly 0 and 1, at least one sample per image.

    A mask is a sampling pattern, not a weight: a value such as 0.5 would silently
    scale the measured samples, so it is refused, as is a mask that samples nothing
    (its reconstruction would be a black image).
    """
    arr = as_array(mask, name, max_ndim=max_ndim, allow_complex=False)
    if arr.dtype != bool:
        bad = (arr != 0) & (arr != 1)
        if bad.any():
            raise ValueError(f"{name} must hold only True/False or 0/1 (a sampling pattern), got values "
                             f"such as {arr[bad].flat[0]!r}; to weight k-space multiply it yourself, or "
                             f"threshold the mask: {name} > 0.5")
        arr = arr.astype(bool)
    empty = ~arr.reshape(-1, arr.shape[-2] * arr.shape[-1]).any(axis=1)
    if empty.any():
        raise ValueError(f"{name} samples nothing in {int(empty.sum())} of {empty.size} image(s) (index "
                         f"{int(np.flatnonzero(empty)[0])}); a reconstruction from no data is a black image: "
                         f"check how the mask was made (cartesian_mask gives at least the ACS lines)")
    return arr


def kspace_and_mask(kspace: Any, mask: Any, name: str = "kspace") -> tuple[np.ndarray, np.ndarray]:
    """Check k-space of shape (H, W) or (N, H, W) and a mask for it.

    The mask may be one (H, W) mask for every image or one mask per image.
    Returns the k-space array and the mask as bool, unchanged in shape.
    """
    k = as_array(kspace, name, max_ndim=3)
    m = as_mask(mask, "mask")
    if m.shape[-2:] != k.shape[-2:] or (m.ndim == 3 and (k.ndim == 2 or len(m) != len(k))):
        raise ValueError(f"mask must have shape {k.shape[-2:]} or {k.shape}, got {m.shape}; "
                         f"pass one mask per k-space image or one mask for all")
    return k, m


def as_stack(kspace: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Checked k-space and mask (from :func:`kspace_and_mask`) as stacks of shape (N, H, W).

    One mask for all images is broadcast (a read-only view) to one per image.
    """
    k3 = kspace.reshape(-1, *kspace.shape[-2:])
    return k3, np.broadcast_to(mask.reshape(-1, *mask.shape[-2:]), k3.shape)


def image_stack_shapes(kshape: tuple[int, ...], mshape: tuple[int, ...], multicoil: bool) -> None:
    """The shapes of a stack of measurements for the iterative solvers with a prior (plug-and-play, posterior
    sampling): k-space ``(N, H, W)``, or ``(N, C, H, W)`` with maps; one mask ``(N, H, W)`` per image."""
    kshape, mshape = tuple(kshape), tuple(mshape)
    if len(kshape) != (4 if multicoil else 3):
        raise ValueError(f"kspace must be (N, H, W) single-coil or (N, C, H, W) with maps=, got shape "
                         f"{kshape}{' and maps' if multicoil else ' and no maps'}")
    if mshape != (kshape[0], *kshape[-2:]):
        raise ValueError(f"mask must have the shape {(kshape[0], *kshape[-2:])} (one per image), got {mshape}")
