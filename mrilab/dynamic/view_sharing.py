"""View sharing: fill each frame's missing k-space with its neighbours' samples.

A sliding window (D'Arcy et al. 2002 for its use in contrast-enhanced MRI; the idea is as old as
keyhole imaging) gives frame ``t`` every sample measured within ``width`` frames of it: where several
frames measured the same point, the one nearest in time (the earlier on a tie). Cartesian k-t masks
whose frames together cover k-space then give complete frames without any iteration, at the price of
temporal blurring: a column measured ``w`` frames away shows the object as it was then.
"""

from __future__ import annotations

import numpy as np

from .._checks import positive_int

__all__ = ["sliding_window"]


def sliding_window(kspace: np.ndarray, masks: np.ndarray, width: int = 2, *, cyclic: bool = True
                   ) -> tuple[np.ndarray, np.ndarray]:
    """View-shared k-space of one movie.

    Parameters
    ----------
    kspace : complex ndarray (T, H, W) or (T, C, H, W)
        Measured samples, zero where not measured.
    masks : bool ndarray (T, H, W)
    width : int
        Frames on either side to borrow from (0 returns the data as they are).
    cyclic : bool, keyword-only
        The frames wrap around (a cine's cardiac cycle); otherwise the window stops at the ends.

    Returns
    -------
    kspace, masks : the shared k-space and what it now covers
    """
    width = positive_int(width, "width", minimum=0)
    k = np.asarray(kspace)
    m = np.asarray(masks, dtype=bool)
    n = len(m)
    out = k.copy()
    covered = m.copy()
    for t in range(n):
        for dist in range(1, width + 1):
            for s in (t - dist, t + dist):  # the earlier first: it wins a tie
                if not cyclic and not 0 <= s < n:
                    continue
                s %= n
                new = m[s] & ~covered[t]
                if not new.any():
                    continue
                take = np.broadcast_to(new, k[t].shape)  # (H, W), or the same for every coil
                out[t][take] = k[s][take]
                covered[t] |= new
    return out, covered
