"""Raw data from the scanner's file: ISMRMRD and fastMRI read and written, Siemens twix read.

* :mod:`.raw` :class:`RawData`, what a raw file holds once read, and the conventions;
* :mod:`.scan` :func:`simulate_scan`: a simulation turned into what a scanner records (readout
  oversampling, a noise scan, flagged calibration lines, partial Fourier);
* :mod:`.ismrmrd_file` :func:`read_ismrmrd` and :func:`write_ismrmrd` (the ``ismrmrd`` package);
* :mod:`.fastmri_file` :func:`read_fastmri` and :func:`write_fastmri` (the fastMRI HDF5 layout);
* :mod:`.twix_file` :func:`read_twix` (Siemens ``.dat``, with ``twixtools``);
* :mod:`.pulseq` :func:`seq_trajectory`: the k-space trajectory of a Pulseq sequence file (``pypulseq``);
* :func:`read_raw` (:mod:`.reader`), any of these formats by what the file holds.

From the file to the image: :func:`mrilab.recon.reconstruct_file` and ``python -m mrilab.recon``.
"""

from .raw import RawData
from .scan import simulate_scan
from .ismrmrd_file import read_ismrmrd, write_ismrmrd
from .fastmri_file import read_fastmri, write_fastmri
from .twix_file import is_twix, read_twix
from .pulseq import seq_trajectory
from .reader import read_raw

__all__ = ["RawData", "read_raw", "simulate_scan", "read_ismrmrd", "write_ismrmrd", "read_fastmri",
           "write_fastmri", "read_twix", "is_twix", "seq_trajectory"]
