"""Any raw-data file the book reads, told apart by its content: :func:`read_raw`.

Kept apart from :mod:`.raw` (which the format readers import), so that imports run one way: this
module sits above :mod:`.ismrmrd_file`, :mod:`.fastmri_file` and :mod:`.twix_file`.
"""

from __future__ import annotations

import os
from pathlib import Path

from .raw import RawData

__all__ = ["read_raw"]


def read_raw(path: str | os.PathLike) -> RawData:
    """Read an ISMRMRD, fastMRI or Siemens twix file, telling them apart by what they hold.

    A twix file starts with a VB or VD/VE header (:func:`mrilab.io.is_twix`); an ISMRMRD file is HDF5
    with a group (``dataset`` or another) holding ``xml`` and ``data``; a fastMRI file is HDF5 with a
    ``kspace`` dataset at its root. Anything else is refused with the reason. The extension plays no
    part.
    """
    import h5py

    from .raw import check_hdf5, damaged_message, is_twix

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    if not h5py.is_hdf5(path):
        if is_twix(path):
            from .twix_file import read_twix
            return read_twix(path)
        with open(path, "rb") as fh:
            head = fh.read(16)
        raise ValueError(f"{path} is neither HDF5 nor a Siemens twix file (it starts with {head!r}); mrilab reads "
                         f"ISMRMRD (.h5), fastMRI (.h5) and Siemens twix (.dat) raw data; convert other vendors' "
                         f"files (GE P-files, Philips .raw) with their ISMRMRD converter first, and copy a damaged "
                         f"file again")
    check_hdf5(path, "ISMRMRD or fastMRI")  # the signature is there: refuse a truncated file with the reason
    try:
        with h5py.File(path, "r") as f:
            fastmri = "kspace" in f
            groups = [k for k, v in f.items() if isinstance(v, h5py.Group) and "xml" in v]
    except OSError as exc:
        raise ValueError(damaged_message(path, exc, "ISMRMRD or fastMRI")) from None
    if fastmri:
        from .fastmri_file import read_fastmri
        return read_fastmri(path)
    if groups:
        from .ismrmrd_file import read_ismrmrd
        return read_ismrmrd(path, dataset=groups[0])
    raise ValueError(f"{path} is HDF5 but neither fastMRI (no 'kspace' dataset at its root) nor ISMRMRD (no group "
                     f"with an 'xml' header); mrilab reads those two layouts")
