"""Real raw data measured on scanners (Part VIII): a registry of files, found locally or downloaded.

The files are raw k-space measured on Siemens 3 T scanners with Pulseq sequences and published
under the MIT licence by the Pulseq project. They are never part of the repository. :func:`real_file`
finds one, in this order:

1. the folder named by the environment variable ``MRILAB_REAL_DATA`` (the layout below);
2. ``../shared/realdata`` beside the repository (where the book's CI keeps a copy);
3. the user cache (``pooch.os_cache("mrilab")``, e.g. ``~/.cache/mrilab``), downloading the file there
   from its public source, pinned to a commit, when it is not there yet.

Every file is checked against its sha256 before it is returned, wherever it was found (a local copy
that does not match is refused, not silently used). The layout is ``<folder>/<subfolder>/<file>``:

============================  =================  ==============================================
name                          subfolder          what it is
============================  =================  ==============================================
``flash_head_array``          pulseq-flash2d     2-D FLASH of a head, 16-channel head coil
``flash_head_body``           pulseq-flash2d     the same head, body coil (2 channels)
``flash_phantom_array``       pulseq-flash2d     a phantom, 16-channel head coil
``flash_phantom_body``        pulseq-flash2d     the same phantom, body coil (2 channels)
``radial_phantom``            pulseq-radial      2-D radial GRE of a bottle phantom, 4 channels
``radial_phantom_seq``        pulseq-radial      the Pulseq sequence of ``radial_phantom``
============================  =================  ==============================================
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["REAL_FILES", "RealFile", "real_file", "real_data_dirs"]


@dataclass(frozen=True)
class RealFile:
    """One registered file: where it lives locally and upstream, and its checksum."""

    subfolder: str
    filename: str
    sha256: str
    repository: str
    commit: str
    path: str
    description: str

    @property
    def url(self) -> str:
        """The file at its pinned commit in its public repository."""
        return f"https://github.com/{self.repository}/raw/{self.commit}/{self.path}/{self.filename}"


_FLASH = dict(subfolder="pulseq-flash2d", repository="pulseq/MR-Physics-with-Pulseq",
              commit="446ac401ff5b2e1ab4ca5a6d36fc7434a83afd99",
              path="tutorials/04_hardware_and_imprefections/data")
_RADIAL = dict(subfolder="pulseq-radial", repository="pulseq/Ankara-UMRAM-Hands-on-Course--March-2024",
               commit="a09ae1271158e644b8f1af227e5e09fdaa835d23",
               path="tutorials/day2_advancedSequenceExercises/data_and_recon/sol24")

#: The registered real files (module docstring): name -> :class:`RealFile`.
REAL_FILES: dict[str, RealFile] = {
    "flash_head_array": RealFile(**_FLASH, filename="2024-02-06-164128.dat",
                                 sha256="b948e9f88fe0a5cc85b812d4e26bd2fd6da0959fe8c8e9a1d9a2d0ced7dd6cf7",
                                 description="2-D FLASH, in-vivo head, 16-channel head coil, 128 x 128"),
    "flash_head_body": RealFile(**_FLASH, filename="2024-02-06-164120.dat",
                                sha256="257883b353ba60aab246963068c315e561344b2bab9ffb20e45a7d79f4c1343e",
                                description="2-D FLASH, the same head, body coil (2 channels), 128 x 128"),
    "flash_phantom_array": RealFile(**_FLASH, filename="2024-02-06-160052.dat",
                                    sha256="842c36ce3d40b716c4a8dd152c65ec3973136d076614132fd0395205ce3f3aa1",
                                    description="2-D FLASH, phantom, 16-channel head coil, 128 x 128"),
    "flash_phantom_body": RealFile(**_FLASH, filename="2024-02-06-160115.dat",
                                   sha256="aeb248dcc74f6a69c51b16deb78df19937372e9d0388b0cdc0b32d13a2e43ecb",
                                   description="2-D FLASH, the same phantom, body coil (2 channels), 128 x 128"),
    "radial_phantom": RealFile(**_RADIAL, filename="meas_MID00118_FID33075_sol24.dat",
                               sha256="6eada6316fbb9ed73bd14ea84a9e96c68473d7ef96e17a76386ad0f57788e151",
                               description="2-D radial GRE, bottle phantom, 4 channels, 256 spokes x 256 samples"),
    "radial_phantom_seq": RealFile(**_RADIAL, filename="sol24_gre2radial_chen.seq",
                                   sha256="3b1f4cfff93eeafbca7290accbc123f24aadf0e0db99be23ee05fd37d66ab314",
                                   description="the Pulseq sequence file of radial_phantom (its trajectory)"),
}


def real_data_dirs() -> list[Path]:
    """The local folders searched, in order: ``$MRILAB_REAL_DATA``, then ``../shared/realdata`` beside
    the repository."""
    dirs = []
    if os.environ.get("MRILAB_REAL_DATA"):
        dirs.append(Path(os.environ["MRILAB_REAL_DATA"]).expanduser())
    dirs.append(Path(__file__).resolve().parents[3] / "shared" / "realdata")
    return dirs


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def real_file(name: str, *, download: bool = True) -> Path:
    """The local path of a registered real file (module docstring), checked against its sha256.

    Parameters
    ----------
    name : str
        A key of :data:`REAL_FILES`.
    download : bool, keyword-only
        Download the file into the user cache if no local copy is found (``pooch``); False only looks.

    Raises
    ------
    ValueError
        For an unknown name, or a local copy whose checksum does not match.
    FileNotFoundError
        When the file is nowhere locally and cannot be downloaded; the message names the variable to
        set and the source.
    """
    if name not in REAL_FILES:
        raise ValueError(f"name must be one of {sorted(REAL_FILES)}, got {name!r}")
    entry = REAL_FILES[name]
    for folder in real_data_dirs():
        candidate = folder / entry.subfolder / entry.filename
        if candidate.is_file():
            found = _sha256(candidate)
            if found != entry.sha256:
                raise ValueError(f"{candidate} has sha256 {found}, expected {entry.sha256}: the copy is damaged or "
                                 f"another file; replace it with {entry.url}, or remove it to download a fresh one")
            return candidate
    where = ", ".join(str(d) for d in real_data_dirs())
    advice = (f"set MRILAB_REAL_DATA to a folder holding {entry.subfolder}/{entry.filename}, or download it "
              f"from {entry.url} (searched: {where})")
    if not download:
        raise FileNotFoundError(f"the real file {name!r} is not here; {advice}")
    try:
        import pooch
    except ImportError:
        raise FileNotFoundError(f"the real file {name!r} is not here and downloading it needs pooch "
                                f"(pip install pooch); or {advice}") from None
    try:
        return Path(pooch.retrieve(entry.url, known_hash=f"sha256:{entry.sha256}", fname=entry.filename,
                                   path=pooch.os_cache("mrilab") / entry.subfolder, progressbar=False))
    except Exception as exc:  # no network, a changed file upstream, a full disk
        raise FileNotFoundError(f"the real file {name!r} is not here and could not be downloaded "
                                f"({type(exc).__name__}: {exc}); {advice}") from None
