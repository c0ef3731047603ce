"""The dynamic methods' parameters, chosen on the training split (``python benchmarks/tune_dynamic.py``).

Each table maps an acceleration (Cartesian k-t masks, ``"random"`` pattern, eight coils, noise 0.01)
or a number of spokes per frame (GRASP) to the parameters that gave the best mean movie PSNR over the box
around the heart (:func:`mrilab.metrics.movie_psnr`, :func:`mrilab.data.cine.heart_box`) on the six training movies of the ``cine_multicoil`` (or
``cine_radial``) preset. :func:`tuned` reads them at any acceleration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DYNAMIC_BY_ACCELERATION", "GRASP_BY_SPOKES", "tuned"]

#: method -> acceleration -> parameters, as ``benchmarks/tune_dynamic.py`` printed them (heart-box PSNR on the six
#: training movies, random k-t masks). Measured at R = 4, 8 and 12 (frame TV at 4 and 8 only: chapter 30 does not
#: use it at 12; ``tuned`` takes R = 8's beyond 8). A sliding window of width 10 takes every frame of the 20 (the
#: widest there is). L + S's ``lam_s`` = 0.003 at R = 4 is the low end of its grid (0.001 measured worse in an
#: earlier run), its ``lam_l`` = 0.03 at R = 8 and 12 the high end: 0.1 was worse at ``lam_s`` = 0.001 at R = 8 and
#: gave the same heart-box PSNR to 0.02 dB at R = 12 (27.13 against 27.15 dB, ``lam_s`` = 0.01), a plateau.
DYNAMIC_BY_ACCELERATION: dict[str, dict[float, dict[str, Any]]] = {
    "sliding_window": {4.0: {"width": 6}, 8.0: {"width": 10}, 12.0: {"width": 10}},
    "frame_tv": {4.0: {"lam_s": 0.002}, 8.0: {"lam_s": 0.004}},
    "temporal_tv": {4.0: {"lam_t": 0.01}, 8.0: {"lam_t": 0.01}, 12.0: {"lam_t": 0.02}},
    "l_plus_s": {4.0: {"lam_l": 0.01, "lam_s": 0.003}, 8.0: {"lam_l": 0.03, "lam_s": 0.01},
                 12.0: {"lam_l": 0.03, "lam_s": 0.01}},
}
#: spokes per frame -> GRASP's temporal weight (two training movies of ``cine_radial``; 0.005 at 21 spokes is the
#: low end of the grid).
GRASP_BY_SPOKES: dict[int, dict[str, Any]] = {21: {"lam_t": 0.005}, 13: {"lam_t": 0.01}, 8: {"lam_t": 0.02}}


def tuned(table: dict[float, dict[str, Any]], at: float) -> dict[str, Any]:
    """The parameters of ``table`` at ``at`` (an acceleration or a spoke count).

    At a tabulated value its entry; between two, every float parameter interpolated linearly in
    its logarithm against ``log(at)`` and every integer one taken from the nearer; outside the
    tabulated range the nearest entry's (an extrapolation would be a guess).
    """
    if isinstance(at, bool) or not np.isscalar(at) or not np.isfinite(at) or at <= 0:
        raise ValueError(f"the acceleration (or spoke count) must be a positive number, got {at!r}")
    keys = sorted(table)
    at = float(min(max(at, keys[0]), keys[-1]))
    if at in table:
        return dict(table[at])
    hi = next(i for i, k in enumerate(keys) if k > at)
    lo_k, hi_k = keys[hi - 1], keys[hi]
    w = (np.log(at) - np.log(lo_k)) / (np.log(hi_k) - np.log(lo_k))
    out = {}
    for name, lo_v in table[lo_k].items():
        hi_v = table[hi_k][name]
        if isinstance(lo_v, (int, np.integer)) and not isinstance(lo_v, bool):
            out[name] = lo_v if w < 0.5 else hi_v
        else:
            out[name] = float(np.exp((1 - w) * np.log(lo_v) + w * np.log(hi_v)))
    return out
