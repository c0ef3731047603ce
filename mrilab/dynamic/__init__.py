"""Dynamic MRI: movies reconstructed with time as a prior (Part XI).

* :mod:`~mrilab.dynamic.operator`: the measurement of a movie, Cartesian k-t masks
  (:class:`KTOperator`) or golden-angle spokes per frame (:class:`RadialKTOperator`);
* :mod:`~mrilab.dynamic.calibration`: coil maps from the time-averaged k-space;
* :mod:`~mrilab.dynamic.view_sharing`: the sliding window;
* :mod:`~mrilab.dynamic.lowrank`: low rank plus sparse (Otazo et al. 2015) and the x-f transform;
* :mod:`~mrilab.dynamic.tv`: temporal (and spatial) total variation, GRASP's regulariser
  (Feng et al. 2014) and, with the spatial term alone, frame-by-frame TV compressed sensing.

The learned method for movies, the unrolled network in time, is :class:`mrilab.models.UnrolledDynamic`
(chapter 30), trained by ``python -m mrilab.train unrolled-dynamic``.

The registry (:func:`mrilab.reconstruct`) calls them as ``reconstruct(name, kspace (N, T, [C,] H, W),
masks (N, T, H, W), maps=...)``; the parameter tables here were chosen on the training split of the
``cine_multicoil`` preset by ``python benchmarks/tune_dynamic.py``, by PSNR.
"""

from .calibration import time_average, time_averaged_maps
from .lowrank import L_PLUS_S_DEFAULTS, l_plus_s, soft_threshold, svt, temporal_fft, temporal_ifft
from .operator import KTOperator, RadialKTOperator
from .tv import FRAME_TV_DEFAULTS, TEMPORAL_TV_DEFAULTS, temporal_tv, time_difference, time_difference_adjoint
from .view_sharing import sliding_window

__all__ = ["KTOperator", "RadialKTOperator", "time_average", "time_averaged_maps",
           "sliding_window", "l_plus_s", "svt", "soft_threshold", "temporal_fft", "temporal_ifft", "temporal_tv",
           "time_difference", "time_difference_adjoint", "L_PLUS_S_DEFAULTS", "TEMPORAL_TV_DEFAULTS", "FRAME_TV_DEFAULTS"]
