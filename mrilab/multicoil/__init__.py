"""Part V: many receive coils.

* :mod:`.coils` simulated sensitivity maps (a ring of coils) and correlated coil noise;
* :mod:`.operator` the forward model ``E = M F S``, its adjoint and the shape checks;
* :mod:`.combine` root-sum-of-squares and Roemer's sensitivity-weighted combination;
* :mod:`.calibration` the ACS and coil maps estimated from it;
* :mod:`.sense` SENSE (direct, and the pixel-wise unfolding), the g-factor, pseudo-replicas;
* :mod:`.cg` CG-SENSE and SENSE with total variation;
* :mod:`.grappa` GRAPPA;
* :mod:`.noise` the noise covariance from a noise scan, and prewhitening (chapter 19);
* :mod:`.espirit` ESPIRiT maps (chapter 19);
* :mod:`.compression` coil compression to virtual coils (chapter 19);
* :mod:`.nlinv` image and maps estimated together, without calibration (NLINV);
* :mod:`.sake` calibrationless completion of k-space by a low-rank block-Hankel matrix (SAKE).

Shapes: k-space ``(C, H, W)`` or ``(N, C, H, W)``, maps the same, masks ``(H, W)`` or ``(N, H, W)``.
"""

from .calibration import MIN_ACS, acs_block, estimate_maps, map_error
from .cg import CG_SENSE_DEFAULTS, CG_SENSE_TV_DEFAULTS, SENSE_TV_BY_ACCELERATION, cg_sense, cg_sense_tv, sense_tv
from .coils import birdcage_maps, ring_maps, coil_noise, noise_covariance, rss_normalise, simulate_coils
from .combine import roemer, rss
from .compression import compress_coils, compression_matrix
from .espirit import ESPIRIT_DEFAULTS, MAP_METHODS, calibration_matrix, coil_maps, espirit_maps
from .noise import estimate_noise_covariance, prewhiten, prewhitening_matrix, whiten, whitening
from .grappa import GRAPPA_DEFAULTS, calibration_windows, grappa, grappa_kspace, grappa_weights
from .nlinv import NLINV_DEFAULTS, nlinv, sobolev_weight
from .operator import MultiCoilFourier, check_maps, check_multicoil
from .sake import SAKE_DEFAULTS, hankel_adjoint, hankel_matrix, sake
from .sense import (full_noise_std, g_factor, g_factor_unfold, lattice_weights, pseudo_replica, sense,
                    sense_unfold)

__all__ = ["ring_maps", "birdcage_maps", "simulate_coils", "coil_noise", "noise_covariance", "rss_normalise", "whitening",
           "whiten",
           "MultiCoilFourier", "check_maps", "check_multicoil", "rss", "roemer",
           "acs_block", "estimate_maps", "map_error", "MIN_ACS",
           "sense", "sense_unfold", "g_factor", "g_factor_unfold", "full_noise_std", "pseudo_replica",
           "lattice_weights", "cg_sense", "sense_tv", "cg_sense_tv", "CG_SENSE_DEFAULTS", "CG_SENSE_TV_DEFAULTS",
           "SENSE_TV_BY_ACCELERATION",
           "grappa", "grappa_kspace", "calibration_windows", "grappa_weights", "GRAPPA_DEFAULTS",
           "estimate_noise_covariance", "prewhitening_matrix", "prewhiten", "espirit_maps", "calibration_matrix",
           "ESPIRIT_DEFAULTS", "MAP_METHODS", "coil_maps", "compress_coils", "compression_matrix",
           "nlinv", "sobolev_weight", "NLINV_DEFAULTS", "sake", "hankel_matrix", "hankel_adjoint", "SAKE_DEFAULTS"]
