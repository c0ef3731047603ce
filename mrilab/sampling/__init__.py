"""Where to sample: undersampling patterns and how to measure them.

* :mod:`~mrilab.sampling.cartesian`: column masks of 2-D Cartesian imaging (random with a fully
  sampled centre, equispaced, the regular lattice of parallel imaging), their effective
  acceleration and point spread function;
* :mod:`~mrilab.sampling.variable_density`: variable-density random column masks with the
  polynomial density of Lustig, Donoho and Pauly (2007);
* :mod:`~mrilab.sampling.poisson_disc`: variable-density Poisson-disc masks of the two
  phase-encode directions of a 3-D acquisition;
* :mod:`~mrilab.sampling.incoherence`: the transform point spread function (TPSF) of any mask and
  its peak side lobe;
* :mod:`~mrilab.sampling.kt`: k-t masks of a movie, one column mask per frame (random with a small
  centre, or a lattice shifted from frame to frame);
* :mod:`~mrilab.sampling.patterns`: every pattern by its name, :func:`mask`;
* :mod:`~mrilab.sampling.learned`: masks chosen from training images, LOUPE's relaxed mask and
  the greedy search (trained with a network in :mod:`mrilab.train.sampling`).
"""

from .cartesian import acs_columns, cartesian_mask, effective_acceleration, point_spread_function
from .incoherence import peak_sidelobe, tpsf
from .kt import KT_PATTERNS, kt_mask
from .learned import LoupeMask, greedy_columns
from .patterns import PATTERNS, mask
from .poisson_disc import poisson_disc_mask, poisson_disc_radius
from .variable_density import variable_density_mask, variable_density_pdf

__all__ = ["cartesian_mask", "effective_acceleration", "acs_columns", "point_spread_function",
           "variable_density_mask", "variable_density_pdf", "poisson_disc_mask", "poisson_disc_radius",
           "tpsf", "peak_sidelobe", "kt_mask", "KT_PATTERNS", "mask", "PATTERNS", "LoupeMask", "greedy_columns"]
