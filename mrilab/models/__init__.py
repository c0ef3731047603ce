"""Neural networks for undersampled MRI (PyTorch).

* :class:`UNet`: the U-Net of Ronneberger et al. (2015) in the form of fastMRI's
  ``Unet``, with a kernel size per level;
* :class:`DataConsistency`: hard (replace) or soft (learnable weight) data consistency;
* :class:`KSpaceUNet`: a U-Net on the real and imaginary channels of weighted,
  normalised k-space, followed by data consistency;
* :class:`RefinementCNN` and :class:`Cascade`: a frozen :class:`KSpaceUNet`, the
  inverse FFT, and a residual image-space U-Net;
* :class:`Unrolled`: a small CNN prior alternating with data consistency, K times
  (MoDL; Part IV);
* :class:`UnrolledMulticoil`: the same with the multi-coil forward model and a
  conjugate-gradient data step (Part V);
* :class:`UnrolledNUFFT`: the same on non-Cartesian k-space, its data step the density-weighted
  Toeplitz normal operator (Part VI);
* :class:`UnrolledDynamic`: the same on cine movies, its denoiser convolving across frames
  ((2+1)D, cyclic in time; Part XI);
* :class:`NoiseLevelDenoiser`: a Gaussian denoiser that takes the noise level as an input, the
  prior of plug-and-play reconstruction (:mod:`mrilab.pnp`, Part VII) and, trained by the squared error at
  every noise level, the score model of posterior sampling (:mod:`mrilab.posterior`, Part XII).

Every model has ``reconstruct(kspace, mask) -> magnitude image`` (the multi-coil one
``reconstruct(kspace, mask, maps)``, the non-Cartesian one ``reconstruct(rhs, kernel, maps=None)``)
and a ``config``
dict that rebuilds it (see :func:`mrilab.load_model`).
"""

from .cascade import Cascade, RefinementCNN
from .dc import DataConsistency
from .kspace_unet import KSpaceUNet
from .unet import UNet
from .unrolled import Denoiser, Unrolled
from .unrolled_multicoil import UnrolledMulticoil
from .unrolled_nufft import UnrolledNUFFT
from .unrolled_dynamic import TimeDenoiser, UnrolledDynamic
from .denoiser import NoiseLevelDenoiser

__all__ = ["UNet", "DataConsistency", "KSpaceUNet", "RefinementCNN", "Cascade", "Unrolled", "UnrolledMulticoil", "UnrolledNUFFT", "UnrolledDynamic", "TimeDenoiser", "Denoiser",
           "NoiseLevelDenoiser", "MODELS"]

#: The model classes a checkpoint can name.
MODELS = {cls.__name__: cls for cls in (KSpaceUNet, Cascade, RefinementCNN, UNet, Unrolled,
                                         UnrolledMulticoil, UnrolledNUFFT, UnrolledDynamic, NoiseLevelDenoiser)}
