"""Checkpoints: a model's state dict, the config that rebuilds it, and what it reached.

The format belongs with the models (the registry loads shipped weights through it, below the
training code); :mod:`mrilab.train` writes checkpoints with :func:`save_checkpoint`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .._io import atomic_path
from .._version import __version__

__all__ = ["save_checkpoint", "load_model"]


def save_checkpoint(model: nn.Module, path: str | os.PathLike, *, metrics: dict[str, Any] | None = None,
                    info: dict[str, Any] | None = None) -> Path:
    """Save ``model`` as state dict + config + metrics; written to a temporary file, then renamed."""
    if not hasattr(model, "config"):
        raise ValueError(f"{type(model).__name__} has no config to rebuild it from; "
                         f"save a KSpaceUNet, Cascade or RefinementCNN")
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    payload = {"model": type(model).__name__, "config": model.config, "state_dict": state,
               "metrics": dict(metrics or {}), "info": dict(info or {}), "mrilab_version": __version__}
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_model(path: str | os.PathLike, *, expected: str | None = None,
               map_location: str | torch.device = "cpu") -> nn.Module:
    """Rebuild a model from a checkpoint written by :func:`save_checkpoint`.

    Loads with ``torch.load(..., weights_only=True)`` (no arbitrary code runs),
    builds the model class named in the checkpoint from its stored config and
    loads the weights. The checkpoint's metrics and info are attached to the
    returned model as ``model.metrics`` and ``model.info``.

    Parameters
    ----------
    path : str or path-like
    expected : str, keyword-only
        Model class the caller needs (``"KSpaceUNet"``, ``"Cascade"``, ...);
        a checkpoint of another model raises ValueError.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Not a mrilab checkpoint, another model than ``expected``, or weights that
        do not fit the stored architecture.
    """
    from . import MODELS

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; make the shipped weights with `make weights` "
                                f"(python -m mrilab.train ...)")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:
        raise ValueError(f"{path} is not a readable PyTorch checkpoint ({exc})") from exc
    if not isinstance(payload, dict) or not {"model", "config", "state_dict"} <= set(payload):
        raise ValueError(f"{path} is not a mrilab checkpoint (it lacks 'model', 'config' or "
                         f"'state_dict'); save models with mrilab.train.save_checkpoint")
    name = payload["model"]
    if expected is not None and name != expected:
        raise ValueError(f"{path} holds a {name} checkpoint, but a {expected} was expected; "
                         f"pass the {expected} checkpoint instead")
    if name not in MODELS:
        raise ValueError(f"{path} holds an unknown model {name!r}; known models: {sorted(MODELS)}")
    model = MODELS[name](**payload["config"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as exc:
        raise ValueError(f"the weights in {path} do not fit a {name} built from its stored config "
                         f"{payload['config']}: {exc}") from exc
    model.metrics = payload.get("metrics", {})
    model.info = payload.get("info", {})
    model.eval()
    return model
