"""From a raw-data file to an image; and, for older imports, :func:`zero_filled`.

* :func:`reconstruct_file` (:mod:`.pipeline`): read an ISMRMRD, fastMRI or twix file, whiten the
  coil noise, remove the readout oversampling, compress the coils, estimate maps and run any
  registered multi-coil method; ``python -m mrilab.recon FILE --method NAME --out image.png``;
* :func:`reconstruct_radial_file`: a radial twix file with the trajectory of its Pulseq sequence
  (``python -m mrilab.recon FILE --seq SEQ --out image.png``).

The pipeline sits above the registry of methods (:mod:`mrilab.registry`), which it calls;
:func:`zero_filled` lives below both, in :mod:`mrilab.zero_filling`, and is re-exported here.
"""

from __future__ import annotations

from ..zero_filling import zero_filled
from .pipeline import reconstruct_file, reconstruct_radial_file, remove_oversampling

__all__ = ["zero_filled", "reconstruct_file", "reconstruct_radial_file", "remove_oversampling"]
