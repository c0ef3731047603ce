"""Real brain slices, for testing only: never train on them.

The slices ship inside the wheel of the dipy package (no download):

* ``t1_coronal_slice``: one T1-weighted coronal slice, 256 x 256;
* ``S0_10``: ten axial b0 (non-diffusion-weighted) slices of a diffusion scan,
  128 x 128 at 2 mm.

:func:`brain_slices` returns their magnitudes on the grid they come on; the
dataset builder (``make_dataset(..., preset="anatomy")``) adds a smooth phase,
k-space on the reconstruction grid and noise, as for the realistic phantoms.
The T1 slice is cropped to its central 192 x 192 pixels (the head) and reaches
the 128 x 128 grid through its k-space (:func:`mrilab.data.realistic.crop_kspace`),
so its reference is band-limited as a scan is. The b0 slices are already on a
128 x 128 grid: their k-space is the FFT of the images themselves, which are
themselves reconstructions of a real scan (with its own noise floor).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["brain_slices", "MissingDependencyError", "SLICE_NAMES"]

#: Names of the slices, in the order of :func:`brain_slices`.
SLICE_NAMES = ("t1_coronal",) + tuple(f"b0_axial_{i}" for i in range(10))


class MissingDependencyError(ImportError, ValueError):
    """An optional package that a request needs is not installed."""


@lru_cache(maxsize=1)
def _read() -> tuple[np.ndarray, ...]:
    try:
        from dipy.data import get_fnames
        import nibabel
    except ImportError as exc:
        raise MissingDependencyError(
            "the real brain slices come with the dipy package, which is not installed "
            f"({exc}); install it with `pip install dipy` (its wheel carries the slices, "
            "nothing is downloaded), or use preset='realistic' for phantoms") from exc
    t1 = np.load(get_fnames(name="t1_coronal_slice")).astype(np.float64)
    b0 = np.asarray(nibabel.load(get_fnames(name="S0_10")).get_fdata(), dtype=np.float64)[..., 0]
    return (t1[32:224, 32:224],) + tuple(np.rot90(b0[:, :, i]) for i in range(b0.shape[2]))


def brain_slices() -> list[np.ndarray]:
    """The 11 brain slices as magnitude images, each scaled to maximum 1.

    Returns
    -------
    list of float64 ndarray
        The T1 coronal slice (192 x 192, the central part of the 256 x 256 original)
        and the ten b0 slices (128 x 128), in the order of :data:`SLICE_NAMES`.

    Raises
    ------
    MissingDependencyError
        (a ValueError and an ImportError) if dipy is not installed.
    """
    return [s / s.max() for s in _read()]
