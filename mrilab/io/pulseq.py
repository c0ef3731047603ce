"""The k-space trajectory of a Pulseq sequence file (Layton et al. 2017), computed with ``pypulseq``.

A Pulseq ``.seq`` file describes a sequence block by block (RF pulses, gradient shapes, ADC events);
the scanner's interpreter plays it, and the raw data it records carry no trajectory. ``pypulseq``
integrates the gradients from each excitation (``Sequence.calculate_kspace``) and gives the k-space
position of every ADC sample in 1/m, in the gradient axes ``(x, y, z)``. :func:`seq_trajectory` cuts
that into one row per ADC event (one readout: a spoke, an interleave, a Cartesian line) and converts
it to the book's convention (:mod:`mrilab.noncartesian.trajectory`): ``(ky, kx)`` in cycles per pixel of
a chosen grid over the field of view.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SeqTrajectory", "seq_trajectory"]


@dataclass
class SeqTrajectory:
    """The ADC samples' k-space positions of a Pulseq sequence.

    Attributes
    ----------
    k : float ndarray, shape (R, S, 2)
        ``(ky, kx)`` in 1/m for each of ``R`` readouts of ``S`` samples, in the order they are played
        (the order of the raw data's readouts).
    fov_m : (float, float)
        The field of view ``(y, x)`` in metres, from the file's ``FOV`` definition.
    definitions : dict
        The file's ``[DEFINITIONS]``.
    """

    k: np.ndarray
    fov_m: tuple[float, float]
    definitions: dict[str, Any] = field(default_factory=dict)

    @property
    def natural_shape(self) -> tuple[int, int]:
        """The grid whose Nyquist limit the trajectory reaches: ``2 |k|_max FOV`` pixels per axis."""
        kmax = np.abs(self.k).max(axis=(0, 1))
        return tuple(int(round(2 * kmax[i] * self.fov_m[i])) for i in range(2))

    def cycles_per_pixel(self, shape: tuple[int, int] | None = None) -> np.ndarray:
        """``k`` in cycles per pixel of an ``(H, W)`` grid over the field of view (``(R, S, 2)``).

        On a grid coarser than :attr:`natural_shape` the outer samples fall beyond 0.5: keep the
        samples within ``[-0.5, 0.5)`` (a lower-resolution image) before reconstructing.
        """
        h, w = self.natural_shape if shape is None else shape
        return self.k * np.array([self.fov_m[0] / h, self.fov_m[1] / w])


def seq_trajectory(path: str | os.PathLike, *, fov_m: tuple[float, float] | None = None) -> SeqTrajectory:
    """Read a Pulseq ``.seq`` file and compute the k-space position of every ADC sample.

    Parameters
    ----------
    path : path of the ``.seq`` file
    fov_m : (float, float) or None, keyword-only
        The field of view ``(y, x)`` in metres, for a file without a ``FOV`` definition.

    Returns
    -------
    SeqTrajectory
        ``k`` ``(R, S, 2)`` in 1/m, ``(ky, kx)``: the file's ``x`` gradient is the readout axis of the
        image's columns, ``y`` its rows.

    Raises
    ------
    ValueError
        For a file pypulseq cannot parse, without ADC events, with readouts of different lengths, or
        without a field of view when none is given.
    """
    try:
        import pypulseq as pp
    except ImportError:  # pragma: no cover - a requirement of the book
        raise ImportError("reading Pulseq sequence files needs the pypulseq package: pip install pypulseq") from None
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    seq = pp.Sequence()
    try:
        seq.read(str(path))
        k_adc = seq.calculate_kspace()[0]
    except Exception as exc:  # pypulseq raises whatever its parser meets
        raise ValueError(f"{path} could not be read as a Pulseq sequence ({type(exc).__name__}: {exc}); is it a "
                         f"complete .seq file?") from None
    lengths = []
    for i in seq.block_events:
        adc = seq.get_block(i).adc
        if adc is not None:
            lengths.append(int(adc.num_samples))
    if not lengths:
        raise ValueError(f"{path} has no ADC events: there is no trajectory to compute")
    if len(set(lengths)) > 1:
        raise ValueError(f"{path} has readouts of {sorted(set(lengths))} samples; seq_trajectory handles sequences "
                         f"whose readouts all have the same length")
    k = np.asarray(k_adc, dtype=np.float64)[:2].T.reshape(len(lengths), lengths[0], 2)[..., ::-1].copy()
    definitions = dict(getattr(seq, "definitions", None) or getattr(seq, "dict_definitions", {}))
    if fov_m is None:
        fov = definitions.get("FOV")
        if fov is None:
            raise ValueError(f"{path} defines no FOV; pass fov_m=(y, x) in metres")
        fov = np.ravel(fov)
        fov_m = (float(fov[1]), float(fov[0]))
    return SeqTrajectory(k=k, fov_m=(float(fov_m[0]), float(fov_m[1])), definitions=definitions)
