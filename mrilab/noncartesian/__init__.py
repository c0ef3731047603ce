"""Non-Cartesian k-space (Part VI, chapters 17 and 18): trajectories, the NUFFT, density compensation,
the Toeplitz normal operator, and reconstruction from samples that do not lie on a grid.

Conventions (:mod:`~mrilab.noncartesian.trajectory`): positions in cycles per pixel within
``[-0.5, 0.5)``, ``(ky, kx)`` in the order of the image axes, leading axes flattened in C order into
one sample axis ``M``; k-space data hold that axis last. :func:`nufft` has the sign, centring and
orthonormal scaling of :func:`mrilab.fft2c`.

Trajectories
    :func:`radial_trajectory` (uniform or golden-angle spokes), :func:`spiral_trajectory`
    (variable-density Archimedean), :func:`spoke_angles`, :func:`largest_angular_gap`,
    :func:`radial_nyquist_spokes`
The NUFFT
    :func:`nufft`, :func:`nufft_adjoint` (FINUFFT), :func:`ndft` (exact, small problems),
    :class:`KaiserBesselGridder` (gridding written out in numpy, for teaching),
    :func:`sample_finer_grid` (data without the inverse crime)
Density compensation
    :func:`density_compensation` (``"ramp"``, ``"voronoi"``, ``"pipe"``), :func:`point_spread_function`,
    :func:`radial_taper`
Normal operator
    :class:`ToeplitzNormal`, :func:`toeplitz_kernel`, :func:`normal_equations` (the inputs of
    :class:`mrilab.models.UnrolledNUFFT`)
Off-resonance (chapter 17)
    :func:`off_resonance_kdata` (the signal with a field map), :func:`conjugate_phase` (time-segmented
    correction), :func:`segment_times`
Gradient delays (chapters 18 and 25)
    :func:`estimate_gradient_delay` (RING), :func:`correct_trajectory`, :func:`intersection_residual`,
    :func:`opposed_spoke_residual`, :func:`delay_spokes` (a known delay imposed on measured spokes)
Reconstruction
    :func:`gridding`, :func:`cg_nufft`, :func:`tv_nufft`, :func:`maps_from_center` (:func:`nyquist_radius`); by name through
    ``mrilab.reconstruct(name, kdata, traj, shape=(H, W), maps=None, **options)``
"""

from .delay import (GradientDelay, correct_trajectory, delay_spokes, estimate_gradient_delay, intersection_residual,
                    opposed_spoke_residual, spoke_geometry)
from .density import DENSITY_METHODS, density_compensation, point_spread_function, radial_taper
from .gridder import KaiserBesselGridder, kaiser_bessel, kaiser_bessel_beta, kaiser_bessel_transform
from .offresonance import conjugate_phase, off_resonance_kdata, segment_times
from .nufft import NUFFT_EPS, ndft, ndft_matrix, nufft, nufft_adjoint, sample_finer_grid
from .recon import (CG_NUFFT_DEFAULTS, CG_NUFFT_MULTICOIL_DEFAULTS, TV_NUFFT_BY_SPOKES, TV_NUFFT_DEFAULTS,
                    TV_NUFFT_MULTICOIL_BY_SPOKES, cg_nufft, gridding, maps_from_center, nyquist_radius, tv_nufft)
from .toeplitz import ToeplitzNormal, normal_equations, toeplitz_kernel, weighted_adjoint
from .trajectory import (GOLDEN_ANGLE, check_trajectory, golden_angle_frames, largest_angular_gap, radial_nyquist_spokes,
                         radial_trajectory, spiral_trajectory, spoke_angles)

__all__ = ["golden_angle_frames", "GradientDelay", "correct_trajectory", "delay_spokes", "estimate_gradient_delay", "intersection_residual",
           "opposed_spoke_residual", "spoke_geometry",
           "DENSITY_METHODS", "density_compensation", "point_spread_function",
           "KaiserBesselGridder", "kaiser_bessel", "kaiser_bessel_beta", "kaiser_bessel_transform",
           "NUFFT_EPS", "ndft", "ndft_matrix", "nufft", "nufft_adjoint", "sample_finer_grid",
           "CG_NUFFT_DEFAULTS", "CG_NUFFT_MULTICOIL_DEFAULTS", "TV_NUFFT_BY_SPOKES", "TV_NUFFT_MULTICOIL_BY_SPOKES", "TV_NUFFT_DEFAULTS", "cg_nufft", "gridding", "maps_from_center", "nyquist_radius", "radial_taper", "conjugate_phase", "off_resonance_kdata", "segment_times", "tv_nufft",
           "ToeplitzNormal", "normal_equations", "toeplitz_kernel", "weighted_adjoint",
           "GOLDEN_ANGLE", "check_trajectory", "largest_angular_gap", "radial_nyquist_spokes",
           "radial_trajectory", "spiral_trajectory", "spoke_angles"]
