"""Siemens raw data (twix ``.dat`` files, VB and VD/VE), read with ``twixtools``.

A twix file holds one or more measurements (VD/VE files put adjustment scans before the imaging
one); each is a protocol header and a list of measurement data blocks (MDBs), one readout each, with
an MDH header of loop counters (``Lin``, ``Par``, ``Sli``, ``Ave``, ``Eco``, ``Rep``, ...) and flags
(``NOISEADJSCAN``, ``PATREFSCAN``, ``PHASCOR``, ...). ``twixtools.map_twix`` sorts the MDBs by their
flags (image, noise, refscan, phasecorr, ...) and places each readout by its counters; :func:`read_twix`
takes those arrays into the book's convention (:mod:`.raw`): readout on axis -2, phase encodes on axis
-1, a line at its ``Lin`` counter.

What it does with what it meets:

* **Readout**: the samples as recorded (oversampling kept, as in ISMRMRD files;
  :func:`mrilab.recon.remove_oversampling` crops it); ``recon_shape[0]`` is the readout length over the
  header's oversampling factor. An asymmetric echo (``CenterCol`` off the middle) is zero-padded on the
  short side, so that the echo's centre is the centre of axis -2.
* **Phase encodes**: ``W`` is the protocol's number of lines or the lines found, whichever is larger,
  and at least twice the MDH's ``CenterLin``; lines are shifted so that ``CenterLin`` lands on
  ``W // 2`` (partial Fourier leaves the lines it skipped at zero). A sequence that leaves ``CenterLin``
  at 0 (Pulseq's interpreter does) while its lines start at 0 is read as centred: ``W // 2``.
* **Averages** (``Ave``) and segments (``Seg``) are averaged, as ``twixtools`` does by default; slices
  (``Sli``) become the leading axis ``N``. 3-D encoding (``Par`` > 1) and loops the book does not model
  (echoes, repetitions, sets, phases, ...) are refused with a clear error.
* **Noise** (``NOISEADJSCAN`` readouts, in any measurement of the file) becomes ``noise`` ``(C, n)``;
  **calibration** lines (``PATREFSCAN``, ``PATREFANDIMASCAN``) fill the lines the imaging scan skipped
  and are flagged in ``calibration``; phase-correction and other navigator readouts are left out.

The header facts a chapter needs go into ``attrs`` (``fov_mm``, ``slice_thickness_mm``, ``te_ms``,
``tr_ms``, ``flip_angle_deg``, ``coil_names``, ``field_strength_t``, ``scanner``, ``sequence``). They are
what the protocol says: a Pulseq scan runs inside a placeholder protocol whose TE, TR and matrix are
not the sequence's (the ``.seq`` file is the truth there, and ``attrs["pulseq"]`` says so).
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from .raw import RawData, is_twix  # is_twix: byte sniffing, kept low for every reader

__all__ = ["read_twix", "is_twix", "twix_header_facts"]

#: twixtools' loop counters, in its order; the last two axes of its arrays are Cha and Col
_LOOPS = ("Ide", "Idd", "Idc", "Idb", "Ida", "Seg", "Set", "Rep", "Phs", "Eco", "Par", "Sli", "Ave", "Lin")
_MODELLED = {"Seg", "Ave", "Sli", "Lin"}


def _twixtools():
    try:
        import twixtools
    except ImportError:  # pragma: no cover - a requirement of the book
        raise ImportError("reading Siemens twix files needs the twixtools package: pip install twixtools") from None
    return twixtools


def _get(tree: Any, *keys: Any, default: Any = None) -> Any:
    for key in keys:
        try:
            tree = tree[key]
        except (KeyError, IndexError, TypeError):
            return default
    return tree


def twix_header_facts(hdr: dict[str, Any]) -> dict[str, Any]:
    """The protocol's facts a chapter needs, from a ``twixtools`` header (module docstring); None where
    the protocol does not say."""
    yaps = hdr.get("MeasYaps", {})
    dicom = hdr.get("Dicom", {})
    first = lambda v: v[0] if isinstance(v, (list, tuple)) and v else v  # noqa: E731
    te, tr = first(yaps.get("alTE")), first(yaps.get("alTR"))
    slc = _get(yaps, "sSliceArray", "asSlice", 0, default={})
    coils = _get(yaps, "sCoilSelectMeas", "aRxCoilSelectData", 0, "asList", default=None)
    if coils is None:  # VB protocols
        coils = _get(yaps, "asCoilSelectMeas", 0, "asList", default=[])
    names = []
    for c in sorted(coils, key=lambda c: c.get("lADCChannelConnected", 0)):
        name = _get(c, "sCoilElementID", "tElement")
        if name is not None:
            names.append(str(name))
    sequence = str(yaps.get("tSequenceFileName") or hdr.get("Config", {}).get("SequenceFileName") or "")
    field = dicom.get("flMagneticFieldStrength")
    return dict(fov_mm=(slc.get("dReadoutFOV"), slc.get("dPhaseFOV")) if slc else None,
                slice_thickness_mm=slc.get("dThickness") if slc else None,
                te_ms=None if te is None else te / 1000.0, tr_ms=None if tr is None else tr / 1000.0,
                flip_angle_deg=first(yaps.get("adFlipAngleDegree")), coil_names=names or None,
                field_strength_t=None if field is None else float(field),
                scanner=dicom.get("ManufacturersModelName"), sequence=sequence,
                pulseq="pulseq" in sequence.lower(),
                readout_oversampling=float(dicom.get("flReadoutOSFactor") or 1.0),
                protocol_lines=_get(yaps, "sKSpace", "lPhaseEncodingLines"),
                dimension=_get(yaps, "sKSpace", "ucDimension"))


def _squeeze_loops(arr: np.ndarray, path: Path, what: str) -> np.ndarray:
    """A twixtools array ``(loops..., Lin, Cha, Col)`` -> ``(Sli, Lin, Cha, Col)``, refusing other loops."""
    for axis, name in enumerate(_LOOPS):
        if name in _MODELLED or arr.shape[axis] == 1:
            continue
        hint = {"Par": "a 3-D (partition-encoded) acquisition; mrilab reconstructs 2-D slices (take one "
                       "partition after an FFT along the partitions)",
                "Eco": "several echoes; select one echo before reconstructing",
                "Rep": "repetitions (a time series); select or average the repetitions first"}.get(
            name, f"a {name} loop the book does not model")
        raise ValueError(f"{path}: the {what} data have {arr.shape[axis]} values of the {name} counter, "
                         f"{hint}")
    keep = [_LOOPS.index("Sli"), _LOOPS.index("Lin"), len(_LOOPS), len(_LOOPS) + 1]
    index = tuple(slice(None) if a in keep else 0 for a in range(arr.ndim))
    return arr[index]


def read_twix(path: str | os.PathLike, *, measurement: int = -1) -> RawData:
    """Read Cartesian (or radial, spoke by spoke) raw data from a Siemens twix file.

    Parameters
    ----------
    path : path of the ``.dat`` file
    measurement : int, keyword-only
        Which measurement of a multi-measurement (VD/VE) file holds the imaging data: the last by
        default (the ones before are adjustment scans). Noise readouts are taken from every measurement.

    Returns
    -------
    RawData
        ``kspace`` ``(C, H, W)`` (``(N, C, H, W)`` with several slices): ``H`` readout samples as
        recorded (echo centred), ``W`` phase encodes placed by their ``Lin`` counter (module docstring);
        for a radial scan, the columns are the spokes in the order of their counter. ``mask``,
        ``calibration`` and ``imaging`` per column, ``noise`` ``(C, n)`` or None, ``recon_shape``,
        ``phase_encode_limits`` (lines found, and the centre), the protocol's facts in ``attrs``
        (:func:`twix_header_facts`), ``header`` the protocol text (``MeasYaps``), format ``"twix"``.

    Raises
    ------
    ValueError
        For a file twixtools cannot parse (not twix, or truncated), one without imaging readouts, or
        data the book does not model (3-D encoding, echoes, repetitions).
    """
    twixtools = _twixtools()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    if not is_twix(path):
        raise ValueError(f"{path} is not a Siemens twix file (no VB or VD/VE header in its first bytes); "
                         f"read_twix reads the .dat files that a Siemens scanner's raw-data export writes")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # twixtools prints notes on the file's layout
            scans = twixtools.map_twix(str(path), verbose=False)
    except Exception as exc:  # twixtools raises whatever its parser meets on a damaged file
        raise ValueError(f"{path} could not be read as a twix file ({type(exc).__name__}: {exc}); is it "
                         f"truncated or damaged? Compare its size and checksum with the original") from None
    scans = [s for s in scans if isinstance(s, dict)]
    if not scans or not -len(scans) <= measurement < len(scans):
        raise ValueError(f"measurement must index one of the {len(scans)} measurements in {path}, got {measurement}")
    scan = scans[measurement]
    if "image" not in scan:
        raise ValueError(f"{path}: measurement {measurement} has no imaging readouts (it holds "
                         f"{sorted(k for k in scan if k not in ('hdr', 'hdr_str'))}); pick another with measurement=")
    image = scan["image"]
    try:
        data = _squeeze_loops(image[:], path, "imaging")
        ref = _squeeze_loops(scan["refscan"][:], path, "calibration") if "refscan" in scan else None
    except ValueError:
        raise
    except Exception as exc:  # a file cut short: the MDBs promise more bytes than there are
        raise ValueError(f"{path}: the imaging data could not be read ({type(exc).__name__}: {exc}); the file "
                         f"is probably truncated") from None
    facts = twix_header_facts(scan["hdr"])
    n_slices, n_lin, n_coils, n_col = data.shape
    centre_col = int(image.kspace_center_col)
    centre_lin = int(image.kspace_center_lin)
    # readout: zero-pad an asymmetric echo so that its centre is the centre of the axis
    half = max(centre_col, n_col - centre_col) if 0 < centre_col < n_col else n_col // 2
    h = 2 * half
    top = half - centre_col if 0 < centre_col < n_col else (h - n_col) // 2
    # phase encodes: the centre line on W // 2
    lines_found = n_lin if ref is None else max(n_lin, ref.shape[1])
    if centre_lin == 0 and lines_found > 1:
        centre_lin = lines_found // 2  # no centre recorded (Pulseq): the lines found are centred
    w = max(lines_found, int(facts["protocol_lines"] or 0) if not facts["pulseq"] else 0, 2 * centre_lin)
    shift = w // 2 - centre_lin
    kspace = np.zeros((n_slices, n_coils, h, w), dtype=np.complex64)
    kspace_lines = np.moveaxis(data, (1, 2, 3), (3, 1, 2))  # (Sli, Cha, Col, Lin)
    filled = np.abs(kspace_lines).sum(axis=(0, 1, 2)) > 0
    kspace[:, :, top:top + n_col, shift:shift + n_lin] = kspace_lines
    imaging = np.zeros(w, dtype=bool)
    imaging[shift:shift + n_lin] = filled
    calibration = np.zeros(w, dtype=bool)
    if ref is not None:
        ref_lines = np.moveaxis(ref, (1, 2, 3), (3, 1, 2))
        ref_filled = np.abs(ref_lines).sum(axis=(0, 1, 2)) > 0
        cols = np.flatnonzero(ref_filled)
        calibration[cols + shift] = True
        missing = cols[~imaging[cols + shift]]
        kspace[:, :, top:top + ref_lines.shape[2], missing + shift] = ref_lines[..., missing]
    sampled = imaging | calibration
    noise = []
    for s in scans:
        if "noise" in s:
            arr = s["noise"][:]
            if arr.shape[-2] == n_coils:
                noise.append(np.moveaxis(arr.reshape(-1, n_coils, arr.shape[-1]), 1, 0).reshape(n_coils, -1))
    os_factor = facts["readout_oversampling"] if facts["readout_oversampling"] >= 1 else 1.0
    recon = (int(round(h / os_factor)), w)
    found = np.flatnonzero(sampled)
    attrs = {k: v for k, v in facts.items() if v is not None}
    attrs.update(centre_col=centre_col, centre_lin=centre_lin, measurement=measurement % len(scans),
                 n_measurements=len(scans))
    return RawData(kspace=kspace[0] if n_slices == 1 else kspace, mask=np.broadcast_to(sampled, (h, w)).copy(),
                   calibration=calibration, imaging=imaging,
                   noise=np.concatenate(noise, axis=1).astype(np.complex64) if noise else None,
                   recon_shape=recon, phase_encode_limits=(int(found[0]), int(found[-1]), w // 2),
                   header=_protocol_text(scan), attrs=attrs, format="twix")


def _protocol_text(scan: dict[str, Any]) -> str:
    """The protocol as text (``MeasYaps``, the ASCII part of the header), or "" if absent."""
    raw = scan.get("hdr", {}).get("MeasYaps_raw", "")
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
