"""Self-supervised training without fully sampled data: SSDU (Yaman et al. 2020).

A practitioner rarely has fully sampled scans to train on: what the scanner gives is the
undersampled, noisy k-space ``y_Omega`` of each scan. SSDU (self-supervision via data
undersampling, :cite:`yaman2020self`) trains an unrolled network on those measurements alone.
The measured locations ``Omega`` of each scan are split in two disjoint sets:

* ``Theta``, given to the network as its input and used by its data steps;
* ``Lambda = Omega \\ Theta``, held out, on which the loss compares the k-space of the
  network's output with the measurements: ``L = ||y_L - F_L x|| / ||y_L||`` (L2 plus L1,
  each normalised by the held-out data, as in the paper).

At test time the network gets all of ``Omega``. No reference image enters training; the test
split's references are read only to score the result.

Choices here, for the book's Cartesian masks (whole columns):

* ``Lambda`` is a set of **columns**, drawn uniformly among the measured columns outside the
  ACS (the ACS stays in ``Theta``, so every input keeps its calibration region and the scale
  the network sees): ``Theta`` is then a Cartesian mask of higher acceleration, of the same
  kind as the test masks. The paper draws single k-space points (uniform or Gaussian
  density); with 1-D undersampling a point split would give the network inputs unlike its
  test inputs.
* ``split_ratio`` is ``rho = |Lambda| / |Omega|``. The paper's choice is 0.4; with column splits
  ``Theta`` is a mask of higher acceleration than the test masks, and the book's recipe uses 0.2
  (:data:`mrilab.train.__main__.UNROLLED_SSDU`).
* A fresh split of every scan in every epoch (like multi-mask SSDU, :cite:`yaman2022multi`, with
  a new mask each time rather than a fixed set), drawn from ``(seed, epoch, i)``.
* The measurements are the stored ones, one noise draw per scan: a real scan cannot be
  measured again with fresh noise, so, unlike the supervised recipe, no fresh noise is added.
* Bands of rows as in :mod:`mrilab.train.unrolled`: a band of the zero-filled image is an
  exact problem of its own, and its k-space on the measured columns is computed from the
  measurements alone.

What self-supervision cannot do follows from the loss: it only sees k-space locations that
some scan measured. A region no training mask ever samples gets no gradient from any scan:
whatever the network puts there comes from its architecture, and no loss or validation
computed on the measurements can tell whether it is right (chapter 23 measures both).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..fourier import fft2c, ifft2c

__all__ = ["SelfSupervisedBands", "KSpaceObjective", "kspace_loss", "split_columns", "without_edges"]


def split_columns(mask: np.ndarray, split_ratio: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split a Cartesian mask ``Omega`` (H, W) into ``Theta`` and ``Lambda`` by columns.

    ``round(split_ratio * |Omega columns|)`` columns, drawn uniformly among the measured columns
    outside the ACS (all of them if there are fewer), form ``Lambda``; the rest, the ACS
    included, form ``Theta``.
    """
    from ..multicoil.calibration import acs_block

    m = np.asarray(mask, dtype=bool)
    cols = m[0].copy()
    acs = np.zeros_like(cols)
    acs[acs_block(m)] = True
    candidates = np.flatnonzero(cols & ~acs)
    n = min(len(candidates), int(round(split_ratio * cols.sum())))
    held = np.zeros_like(cols)
    held[rng.choice(candidates, size=n, replace=False)] = True
    theta = np.broadcast_to(cols & ~held, m.shape).copy()
    lam = np.broadcast_to(held, m.shape).copy()
    return theta, lam


def without_edges(split, n: int):
    """A copy of ``split`` whose masks never sample the ``n`` outermost columns at each edge.

    The masks lose those columns and the measurements are zeroed there (the other fields are
    shared, not copied): a protocol that never acquires the outer k-space, as a low-resolution
    acquisition zero-padded to the grid does. Chapter 23 trains on such data to show what a
    self-supervised loss cannot see.
    """
    import dataclasses

    w = split.masks.shape[-1]
    if int(n) != n or not 0 <= n < w // 2:
        raise ValueError(f"n (columns never sampled at each edge) must be an integer from 0 to {w // 2 - 1}, got {n}")
    keep = np.zeros(w, dtype=bool)
    keep[int(n):w - int(n)] = True
    return dataclasses.replace(split, masks=split.masks & keep,
                               kspace_undersampled=(split.kspace_undersampled * keep).astype(
                                   split.kspace_undersampled.dtype))


class SelfSupervisedBands(Dataset):
    """SSDU training samples from undersampled measurements only.

    Sample ``i`` is ``(kspace_theta, theta, lambda, target)`` for one coil, or
    ``(kspace_theta, theta, maps, lambda, target)`` with ``maps``: a band of rows of the
    zero-filled scan, its k-space on ``Theta`` (the network's input), the two masks, and as
    ``target`` the measured k-space on ``Lambda`` (real and imaginary parts,
    ``torch.view_as_real``), all divided by the scale of the input (the maximum of its
    zero-filled magnitude, or of ``|E^H y|`` with coils, as at test time).

    Parameters
    ----------
    split : Split
        Only its ``kspace_undersampled`` and ``masks`` are read (never ``kspace_full``,
        ``images`` or ``phantoms``).
    band : int
    split_ratio : float
        ``|Lambda| / |Omega|``, between 0 and 1 (exclusive).
    seed : int
    indices : sequence of int, optional
    maps : ndarray (N, C, H, W), optional
        Coil maps (estimated from each scan's ACS) for multi-coil data.
    """

    def __init__(self, split, *, band: int = 32, split_ratio: float = 0.4, seed: int = 0, indices=None,
                 maps=None):
        y = split.kspace_undersampled
        h = y.shape[-2]
        if int(band) != band or not 1 <= band <= h:
            raise ValueError(f"band must be an integer between 1 and the image height {h}, got {band}")
        if not 0 < split_ratio < 1:
            raise ValueError(f"split_ratio must be between 0 and 1 (the share of measured columns held out "
                             f"for the loss; 0.4 in the SSDU paper), got {split_ratio}")
        idx = np.arange(len(y)) if indices is None else np.asarray(indices)
        self.kspace = torch.from_numpy(np.ascontiguousarray(y[idx], dtype=np.complex64))
        self.masks = np.ascontiguousarray(split.masks[idx])
        self.maps = None
        if maps is not None:
            if np.shape(maps) != y.shape:
                raise ValueError(f"maps must have the shape {y.shape} of the k-space, got {np.shape(maps)}")
            self.maps = torch.from_numpy(np.ascontiguousarray(np.asarray(maps)[idx], dtype=np.complex64))
        self.band, self.split_ratio, self.seed, self.epoch = int(band), float(split_ratio), int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.kspace)

    def __getitem__(self, i: int):
        from ..models.unrolled_multicoil import adjoint_op

        seq = np.random.SeedSequence([self.seed, self.epoch, int(i)])
        rng = np.random.default_rng(seq)
        theta, lam = (torch.from_numpy(a) for a in split_columns(self.masks[i], self.split_ratio, rng))
        y = self.kspace[i]
        top = int(rng.integers(0, y.shape[-2] - self.band + 1))
        rows = slice(top, top + self.band)
        if self.maps is None:
            scale = ifft2c(y * theta).abs().max().clamp_min(1e-12)
            k = fft2c(ifft2c(y)[rows]) / scale  # the band's k-space, zero off the measured columns
            target = torch.view_as_real((k * lam[rows]).contiguous())
            return k * theta[rows], theta[rows], lam[rows], target
        maps = self.maps[i]
        scale = adjoint_op((y * theta)[None], maps[None], theta[None]).abs().max().clamp_min(1e-12)
        k = fft2c(ifft2c(y)[:, rows]) / scale
        target = torch.view_as_real((k * lam[rows]).contiguous())
        return k * theta[rows], theta[rows], maps[:, rows], lam[rows], target


class KSpaceObjective(torch.nn.Module):
    """Wraps an unrolled network for SSDU: its output's k-space on ``Lambda`` (real view).

    ``forward(kspace, theta, lam)`` (one coil) or ``forward(kspace, theta, maps, lam)`` runs the
    network on ``Theta`` and returns ``view_as_real(F x * Lambda)`` (or ``F (S_c x) * Lambda`` for
    every coil), to be compared with the held-out measurements by :func:`kspace_loss`.
    """

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, kspace, theta, *rest):
        if len(rest) == 1:
            (lam,) = rest
            for x in self.model._steps(kspace, theta):
                pass
            pred = fft2c(x) * lam
        else:
            maps, lam = rest
            for x in self.model._steps(kspace, theta, maps):
                pass
            pred = fft2c(maps * x[:, None]) * lam[:, None]
        return torch.view_as_real(pred.contiguous())


def kspace_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """SSDU's normalised L2 plus L1 on the held-out k-space (real views), per batch."""
    diff = pred - target
    l2 = torch.linalg.vector_norm(diff) / torch.linalg.vector_norm(target).clamp_min(1e-12)
    l1 = diff.abs().sum() / target.abs().sum().clamp_min(1e-12)
    return l2 + l1
