"""One entry point for every reconstruction method: :func:`reconstruct`.

Each method takes undersampled k-space and its mask(s) and returns magnitude
images. Default parameters were chosen on the training split by
``python benchmarks/tune_classical.py`` (never on the test split); pass a
parameter to override it. Later parts of the book register their networks
here with :func:`register`.

Noise. The compressed-sensing methods (``tv_cs``, ``wavelet_cs``) take
``noise_std``: without it they use the parameters tuned on the noise-free seed
data; with it, the parameters tuned on the realistic training split at that noise
level (:func:`tuned_parameters`). ``tv_cs`` also takes ``acceleration`` (with ``noise_std``): the
parameters tuned for that acceleration and noise level (:func:`tuned_for_acceleration`,
Part VII). A parameter passed explicitly always wins.

Networks take ``weights``: ``"seed"`` (the default, trained on the seed data),
``"realistic"`` (trained on the realistic data, Part IV), ``"robust"`` (the unrolled networks
trained on mixed accelerations and noise, single- and multi-coil, Part VII) or the path of a checkpoint. The unrolled
network's default is its realistic (R = 4) set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._checks import as_stack, kspace_and_mask
from .interp import interpolate_kspace
from .zero_filling import zero_filled
from .tv import TV_CS_BY_ACCELERATION, TV_CS_BY_NOISE, TV_CS_DEFAULTS, tv_cs, tv_denoise
from .wavelet import WAVELET_CS_BY_NOISE, WAVELET_CS_DEFAULTS, wavelet_cs

__all__ = ["reconstruct", "register", "methods", "Method", "tuned_parameters", "tuned_for_acceleration",
           "weights_path", "ablation_path",
           "TV_DENOISE_DEFAULTS", "WEIGHTS_DIR", "WEIGHT_SETS"]

#: Where the shipped network weights live: ``weights/`` in the repository, or
#: ``$MRILAB_WEIGHTS`` if that is set.
WEIGHTS_DIR = Path(os.environ.get("MRILAB_WEIGHTS", Path(__file__).resolve().parents[1] / "weights"))

#: TV denoising of the zero-filled magnitude image; ``lam`` chosen on the training split
#: by SSIM (by PSNR every TV weight loses to no denoising at all).
TV_DENOISE_DEFAULTS = dict(lam=0.05, max_iter=200)


@dataclass
class Method:
    """A registered reconstruction method."""

    name: str
    fn: Callable[..., np.ndarray]
    defaults: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    multicoil: bool = False
    #: A single-coil method that also takes multi-coil k-space: this function then runs instead.
    multicoil_fn: Callable[..., np.ndarray] | None = None
    #: Needs a particular sampling (partial Fourier), so comparisons leave it out unless named.
    special: bool = False
    #: Takes non-Cartesian samples and a trajectory instead of k-space and a mask (Part VI).
    noncartesian: bool = False
    #: Reconstructs movies: k-space (N, T, [C,] H, W) and k-t masks (N, T, H, W) (Part XI).
    dynamic: bool = False


_REGISTRY: dict[str, Method] = {}


def register(name: str, fn: Callable[..., np.ndarray], *, defaults: dict[str, Any] | None = None,
             description: str = "", multicoil: bool = False,
             multicoil_fn: Callable[..., np.ndarray] | None = None, special: bool = False,
             noncartesian: bool = False, dynamic: bool = False) -> None:
    """Add a method: ``fn(kspace (N, H, W), mask (N, H, W), **params) -> images (N, H, W)``.

    A ``multicoil`` method gets ``fn(kspace (N, C, H, W), mask (N, H, W), maps, **params)``
    with ``maps`` ``(N or 1, C, H, W)`` or None (estimate them from the ACS). A single-coil
    method with a ``multicoil_fn`` takes both: multi-coil k-space goes to ``multicoil_fn``.
    A ``special`` method needs its own kind of mask (partial Fourier) or minutes per image
    (posterior sampling) and is left out of the default lists of :func:`mrilab.compare` and the benchmarks. A ``noncartesian`` method gets
    ``fn(kdata (N, C, M), traj (M, 2), shape, maps (N, C, H, W) or None, **params)`` (``C = 1`` and no
    maps for single-coil data) and is called as ``reconstruct(name, kdata, traj, shape=..., maps=...)``. A
    ``dynamic`` method (Part XI) gets one movie at a time, ``fn(kspace (T, [C,] H, W), masks (T, H, W), maps (C, H, W)
    or None, **params) -> movie (T, H, W)``; with ``noncartesian`` too, ``fn(kdata (T, [C,] M), traj (T, M, 2), shape,
    maps, weights (T, M), **params)``.
    """
    _REGISTRY[name] = Method(name, fn, dict(defaults or {}), description, multicoil, multicoil_fn, special,
                             noncartesian, dynamic)


def _takes(entry: Method, multicoil: bool) -> bool:
    return entry.multicoil or entry.multicoil_fn is not None if multicoil else not entry.multicoil


def methods(multicoil: bool | None = None, *, special: bool = True,
            noncartesian: bool | None = False, dynamic: bool | None = False) -> dict[str, Method]:
    """The registered methods by name (a copy): those that take single- or multi-coil k-space if
    asked, without the partial-Fourier ones if ``special=False``; the Cartesian ones by default, the
    non-Cartesian ones (Part VI) with ``noncartesian=True``, all with ``noncartesian=None``. A
    non-Cartesian method takes both single- and multi-coil data. The methods for movies (Part XI) only
    with ``dynamic=True`` (both kinds with ``dynamic=None``); they take one coil and many."""
    return {k: v for k, v in _REGISTRY.items()
            if (dynamic is None or v.dynamic == dynamic)
            and (noncartesian is None or v.noncartesian == noncartesian)
            and (multicoil is None or v.noncartesian or v.dynamic or _takes(v, multicoil)) and (special or not v.special)}


def reconstruct(method: str, kspace_undersampled: Any, mask: Any, **params: Any) -> np.ndarray:
    """Reconstruct magnitude image(s) from undersampled k-space with a named method.

    Parameters
    ----------
    method : str
        One of ``mrilab.registry.methods()``: ``"zero_filled"``,
        ``"interp_linear"``, ``"interp_cubic"``, ``"interp_radial"``,
        ``"tv_denoise"``, ``"tv_cs"`` (and the networks of Part III when
        registered).
    kspace_undersampled : complex ndarray, shape (H, W) or (N, H, W)
        Multi-coil methods (Part V: ``zero_filled_rss``, ``sense``, ``cg_sense``,
        ``cg_sense_tv``, ``grappa``) take ``(C, H, W)`` or ``(N, C, H, W)``. The non-Cartesian
        methods (Part VI: ``gridding``, ``cg_nufft``, ``tv_nufft``) take samples ``kdata``:
        ``(M,)``, ``(N, M)``, ``(N, C, M)``, or ``(C, M)`` for one image with ``maps=``. The
        rule for two axes: without ``maps`` they are ``(N, M)``, N single-coil images; with
        ``maps`` they are ``(C, M)``, one image of C coils (pass ``(1, C, M)`` to be explicit).
    mask : bool ndarray, shape (H, W) or (N, H, W)
        One mask for all images (and coils) or one per image. For the non-Cartesian methods the
        trajectory ``traj`` instead, ``(..., M, 2)`` in cycles per pixel, the same for every image;
        they need ``shape=(H, W)``.
    **params
        Override the method's defaults (``methods()[method].defaults``). Multi-coil
        methods also take ``maps=`` (``(C, H, W)`` or ``(N, C, H, W)``, or ``"espirit"``,
        ``"division"`` or ``"nlinv"``); without it they estimate the maps from the ACS of each image by
        division (:func:`mrilab.multicoil.estimate_maps`); ``"espirit"`` uses
        :func:`mrilab.multicoil.espirit_maps`, ``"nlinv"`` the maps :func:`mrilab.multicoil.nlinv`
        estimates with the image (no ACS needed). ``nlinv`` and ``sake`` take no maps. The partial-Fourier methods (``homodyne``,
        ``pocs``) take single-coil k-space, or multi-coil k-space as ``(N, C, H, W)`` (one image:
        ``(1, C, H, W)``; a 3-D array is read as a stack of single-coil images).
        The methods for movies (Part XI: ``kt_zero_filled``, ``sliding_window``, ``frame_tv``, ``temporal_tv``,
        ``l_plus_s``, ``unrolled_dynamic``) take ``(N, T, H, W)`` or ``(N, T, C, H, W)`` with k-t masks ``(N, T, H, W)``, and maps
        ``(N or 1, C, H, W)`` or, by default, from each movie's time-averaged k-space; the radial ones
        (``kt_gridding``, ``grasp``) samples ``(N, T, C, M)`` with the frames' spokes ``(T, S, P, 2)`` and ``shape=``.

    Returns
    -------
    images : float32 ndarray, shape (H, W) or (N, H, W)

    Examples
    --------
    >>> images = reconstruct("tv_cs", test.kspace_undersampled, test.masks)  # doctest: +SKIP
    """
    if method not in _REGISTRY:
        raise ValueError(f"unknown method {method!r}; known methods: {sorted(_REGISTRY)}")
    entry = _REGISTRY[method]
    if entry.dynamic:
        return _reconstruct_dynamic(entry, kspace_undersampled, mask, params)
    if entry.noncartesian:
        return _reconstruct_noncartesian(entry, kspace_undersampled, mask, params)
    if entry.multicoil:
        return _reconstruct_multicoil(entry, kspace_undersampled, mask, params)
    if entry.multicoil_fn is not None and np.ndim(kspace_undersampled) == 4:
        return _reconstruct_multicoil(Method(entry.name, entry.multicoil_fn, entry.defaults), kspace_undersampled,
                                      mask, params)
    if np.ndim(kspace_undersampled) == 4:
        raise ValueError(f"{method!r} is a single-coil method but kspace_undersampled has shape "
                         f"{np.shape(kspace_undersampled)} (N, C, H, W); combine the coils first or use a "
                         f"multi-coil method: {sorted(methods(multicoil=True))}")
    k, m = kspace_and_mask(kspace_undersampled, mask, "kspace_undersampled")
    unknown = set(params) - set(entry.defaults)
    if unknown:
        raise ValueError(f"method {method!r} takes no parameter(s) {sorted(unknown)}; "
                         f"its parameters are {sorted(entry.defaults) or 'none'}")
    k3, m3 = as_stack(k, m)
    out = entry.fn(k3, m3, **{**entry.defaults, **params})
    return np.asarray(out, dtype=np.float32).reshape(k.shape)


def _zero_filled(k, m):
    return zero_filled(k * m)


def _interp(method):
    def run(k, m):
        return zero_filled(interpolate_kspace(k, m, method=method))
    return run


def _tv_denoise(k, m, lam, max_iter):
    return tv_denoise(zero_filled(k * m), lam, max_iter=max_iter)


def tuned_parameters(table: dict[float, dict[str, Any]], noise_std: float) -> dict[str, Any]:
    """Parameters for a noise level from a table tuned at a few levels.

    ``table`` maps noise standard deviations to the parameters chosen there
    (:data:`mrilab.tv.TV_CS_BY_NOISE`, :data:`mrilab.wavelet.WAVELET_CS_BY_NOISE`).
    At a tabulated level its entry is returned; between two levels ``lam`` is
    interpolated linearly in ``log(lam)`` and the other parameters come from the
    lower level; above the highest level ``lam`` is scaled in proportion to
    ``noise_std``, an extrapolation (tune at that level for a measured choice).
    """
    if isinstance(noise_std, bool) or not np.isscalar(noise_std) or not np.isfinite(noise_std) or noise_std < 0:
        raise ValueError(f"noise_std must be a number >= 0 (the noise standard deviation relative to "
                         f"the image maximum, 0.01 for the realistic data), got {noise_std!r}")
    levels = sorted(table)
    if noise_std in table:
        return dict(table[noise_std])
    if noise_std > levels[-1]:
        if levels[-1] <= 0:
            raise ValueError(f"the table was tuned at noise 0 only, so noise_std={noise_std!r} has no level to "
                             f"scale from; tune the method at this noise level (or add a level above 0 to the table)")
        top = dict(table[levels[-1]])
        top["lam"] *= noise_std / levels[-1]
        return top
    hi = next(i for i, s in enumerate(levels) if s > noise_std)
    lo_s, hi_s = levels[hi - 1], levels[hi]
    out = dict(table[lo_s])
    w = (noise_std - lo_s) / (hi_s - lo_s)
    out["lam"] = float(np.exp((1 - w) * np.log(table[lo_s]["lam"]) + w * np.log(table[hi_s]["lam"])))
    return out


def tuned_for_acceleration(table: dict[float, dict[float, dict[str, Any]]], acceleration: float,
                           noise_std: float) -> dict[str, Any]:
    """Parameters for an acceleration and a noise level from a table tuned at a few of each.

    ``table`` maps accelerations to noise tables (:data:`mrilab.tv.TV_CS_BY_ACCELERATION`); each
    noise table is read by :func:`tuned_parameters`. Between two tabulated accelerations ``lam``
    is interpolated linearly in ``log(lam)`` (the other parameters from the lower one); outside
    the tabulated range the nearest acceleration's parameters are used.
    """
    if isinstance(acceleration, bool) or not np.isscalar(acceleration) or not np.isfinite(acceleration) \
            or acceleration < 1:
        raise ValueError(f"acceleration must be a number >= 1 (the nominal R of the mask), got {acceleration!r}")
    rs = sorted(table)
    r = min(max(float(acceleration), rs[0]), rs[-1])
    if r in table:
        return tuned_parameters(table[r], noise_std)
    hi = next(i for i, a in enumerate(rs) if a > r)
    lo_r, hi_r = rs[hi - 1], rs[hi]
    lo_p, hi_p = tuned_parameters(table[lo_r], noise_std), tuned_parameters(table[hi_r], noise_std)
    w = (r - lo_r) / (hi_r - lo_r)
    lo_p["lam"] = float(np.exp((1 - w) * np.log(lo_p["lam"]) + w * np.log(hi_p["lam"])))
    return lo_p


def _settle(defaults: dict[str, Any], table: dict[float, dict[str, Any]], noise_std: float | None,
            given: dict[str, Any]) -> dict[str, Any]:
    """The seed defaults, or the tuned parameters for ``noise_std``, with ``given`` (not None) on top."""
    return _given_on_top(dict(defaults) if noise_std is None else tuned_parameters(table, noise_std), given)


def _given_on_top(base: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the parameters the caller gave (those not None) on top."""
    return {**base, **{k: v for k, v in given.items() if v is not None}}


def _tv_cs(k, m, lam, n_iter, tau, noise_std, acceleration):
    given = dict(lam=lam, n_iter=n_iter, tau=tau)
    if acceleration is None:
        p = _settle(TV_CS_DEFAULTS, TV_CS_BY_NOISE, noise_std, given)
    else:
        if noise_std is None:
            raise ValueError("acceleration= picks tv_cs's parameters from the table tuned on the realistic data "
                             "for each acceleration and noise level; give noise_std= too (0.01 for the "
                             "realistic data)")
        p = _given_on_top(tuned_for_acceleration(TV_CS_BY_ACCELERATION, acceleration, noise_std), given)
    return np.abs(tv_cs(k, m, p["lam"], n_iter=p["n_iter"], tau=p["tau"]))


def _wavelet_cs(k, m, lam, n_iter, wavelet, level, noise_std):
    p = _settle(WAVELET_CS_DEFAULTS, WAVELET_CS_BY_NOISE, noise_std,
                dict(lam=lam, n_iter=n_iter, wavelet=wavelet, level=level))
    return np.abs(wavelet_cs(k, m, p["lam"], n_iter=p["n_iter"], wavelet=p["wavelet"], level=p["level"]))


register("zero_filled", _zero_filled, description="inverse FFT of the zero-filled k-space")
for _name in ("linear", "cubic", "radial"):
    register(f"interp_{_name}", _interp(_name), description=f"{_name} k-space interpolation")
register("tv_denoise", _tv_denoise, defaults=TV_DENOISE_DEFAULTS,
         description="TV (ROF) denoising of the zero-filled image")
_TUNED = dict(noise_std=None)  # None: the seed defaults; a number: tuned for that noise
register("tv_cs", _tv_cs, defaults={**dict.fromkeys(TV_CS_DEFAULTS), **_TUNED, "acceleration": None},
         description="compressed sensing with TV, by PDHG with a proximal data step")
register("wavelet_cs", _wavelet_cs, defaults={**dict.fromkeys(WAVELET_CS_DEFAULTS), **_TUNED},
         description="compressed sensing with L1 of an orthogonal wavelet transform (FISTA, cycle spinning)")


#: The shipped weight sets: ``weights/<file>``, made by ``make weights``.
WEIGHT_SETS = {
    "seed": {"kspace_unet": "kspace_unet.pt", "cascade": "cascade.pt"},
    "realistic": {"kspace_unet": "kspace_unet_realistic.pt", "cascade": "cascade_realistic.pt",
                  "unrolled": "unrolled_realistic.pt", "denoiser": "denoiser_realistic.pt",
                  "score": "score_realistic.pt"},  # Part XII: the score model of posterior sampling
    "multicoil": {"unrolled_multicoil": "unrolled_multicoil.pt"},
    # Part VII: trained on every acceleration from 3 to 8 and noise from 0 to 0.03 at once
    "robust": {"unrolled": "unrolled_robust.pt", "unrolled_multicoil": "unrolled_multicoil_robust.pt"},
    # Part VIII: the robust recipe retrained with a single-coil scan's variation (size, shading, noise to 0.06)
    "varied": {"unrolled": "unrolled_varied.pt"},
    # Part VII: trained on undersampled measurements only (SSDU), no reference image
    "self_supervised": {"unrolled": "unrolled_ssdu.pt", "unrolled_multicoil": "unrolled_multicoil_ssdu.pt"},
    # Part VII: a denoiser trained on domain-randomised objects (no ellipse, no real image)
    "randomized": {"denoiser": "denoiser_randomized.pt"},
    # Part VI: the unrolled network on radial spokes, one coil and eight
    "radial": {"unrolled_nufft": "unrolled_nufft.pt"},
    "radial_multicoil": {"unrolled_nufft": "unrolled_nufft_multicoil.pt"},
    # Part XI: the unrolled network in time, on cine movies of R 4..12
    "dynamic": {"unrolled_dynamic": "unrolled_dynamic.pt"},
}


def weights_path(method: str, weights: str | os.PathLike = "seed") -> Path:
    """The checkpoint of a network: a weight set's name (:data:`WEIGHT_SETS`) or a path."""
    if isinstance(weights, str) and weights in WEIGHT_SETS:
        if method not in WEIGHT_SETS[weights]:
            have = sorted(s for s, files in WEIGHT_SETS.items() if method in files)
            raise ValueError(f"the {weights!r} weight set has no {method}; its weight sets are {have}, "
                             f"or pass the path of a checkpoint")
        return WEIGHTS_DIR / WEIGHT_SETS[weights][method]
    return Path(weights)


def ablation_path(name: str) -> Path:
    """The checkpoint of one of the unrolled networks' ablations (:mod:`mrilab.train.unrolled`: chapter 12's
    ``ABLATIONS``, chapter 21's ``PROTOCOL_ABLATIONS``, chapter 23's ``SELF_SUPERVISION_ABLATIONS``)."""
    return WEIGHTS_DIR / "ablations" / f"unrolled_{name}.pt"


#: Chapter 27's masks, by the name of their checkpoints in ``weights/sampling`` (:mod:`mrilab.train.sampling`).
SAMPLING_KINDS = ("vd", "vd_fixed", "greedy", "loupe")


def sampling_checkpoint_name(kind: str, acceleration: float) -> str:
    """``unrolled_<kind>_r<R>.pt``, the file name of a mask's network in ``weights/sampling``."""
    if kind not in SAMPLING_KINDS:
        raise ValueError(f"kind must be one of {SAMPLING_KINDS}, got {kind!r}")
    return f"unrolled_{kind}_r{acceleration:g}.pt"


def sampling_path(kind: str, acceleration: float) -> Path:
    """The checkpoint of one of chapter 27's masks with its network (:mod:`mrilab.train.sampling`):
    ``kind`` is one of :data:`SAMPLING_KINDS`; the mask is in the checkpoint's ``info`` (a variable-density
    checkpoint holds the density instead: its masks are drawn afresh)."""
    return WEIGHTS_DIR / "sampling" / sampling_checkpoint_name(kind, acceleration)


@lru_cache(maxsize=8)
def _cached_model(path: str, mtime: float, expected: str):
    from .models.checkpoint import load_model

    return load_model(path, expected=expected)


PHASE_OPTIONS = (None, "calibration")


def _phase_of(phase: Any, k: np.ndarray, m: np.ndarray, maps: Any = None) -> np.ndarray | None:
    """The ``phase`` option of the unrolled networks: None, or ``"calibration"`` for the low-resolution
    phase of the ACS (:func:`mrilab.phase.calibration_phase`), which each denoiser's input is demodulated by."""
    if phase is None:
        return None
    if isinstance(phase, str) and phase == "calibration":
        from .phase import calibration_phase

        return calibration_phase(k, m, maps)
    raise ValueError(f"phase must be one of {PHASE_OPTIONS}, got {phase!r}: None runs the network as trained, "
                     f"'calibration' demodulates its denoisers' input by the ACS's low-resolution phase")


def _network(method: str, expected: str):
    def run(k, m, weights, phase=None):
        import torch

        from .models.inference import predict

        path = weights_path(method, weights)
        if not path.is_file():
            raise FileNotFoundError(f"no weights at {path}; train them with `make weights` "
                                    f"(python -m mrilab.train ...), or pass weights= one of "
                                    f"{sorted(WEIGHT_SETS)} or a checkpoint path")
        model = _cached_model(str(path), path.stat().st_mtime, expected)
        trained = (model.info.get("dataset") or {}).get("size")
        if trained and k.shape[-2:] != (trained, trained):
            raise ValueError(f"the {method} in {path} was trained on {trained} x {trained} k-space, got "
                             f"{k.shape[-2]} x {k.shape[-1]}; its convolutions would run, but on a grid "
                             f"and a k-space weighting it never saw: resample the data to "
                             f"{trained} x {trained} or train a network at this size")
        with torch.inference_mode():
            # batches of 8: on a CPU larger ones leave the cache and run slower per image
            return predict(model, k, m, phase=_phase_of(phase, k, m), batch_size=8)
    return run


register("kspace_unet", _network("kspace_unet", "KSpaceUNet"), defaults=dict(weights="seed"),
         description="U-Net on weighted k-space with hard data consistency (shipped weights)")
register("cascade", _network("cascade", "Cascade"), defaults=dict(weights="seed"),
         description="frozen k-space U-Net, inverse FFT, residual image-space U-Net (shipped weights)")
register("unrolled", _network("unrolled", "Unrolled"), defaults=dict(weights="realistic", phase=None),
         description="MoDL-style unrolled network: a small CNN and a soft data step, K times (realistic weights); "
                     "phase='calibration' demodulates the CNN's input by the ACS's phase")


# Part VI: non-Cartesian k-space. Each method gets (N, C, M) samples, one trajectory, the image shape and
# maps (N, C, H, W) or None; with coils and no maps, the maps come from the centre of k-space.

def _grid_and_maps(entry: Method, params: dict[str, Any], what: str) -> tuple[tuple[int, int], Any]:
    """A non-Cartesian method's ``shape=`` (required) and ``maps=``, taken out of ``params``; its other parameters
    checked against the method's."""
    from .noncartesian.nufft import check_shape

    if "shape" not in params:
        raise ValueError(f"method {entry.name!r} reconstructs {what} and needs the image grid: pass "
                         f"shape=(H, W), e.g. shape=(128, 128)")
    shape = check_shape(params.pop("shape"))
    maps = params.pop("maps", None)
    unknown = set(params) - set(entry.defaults)
    if unknown:
        raise ValueError(f"method {entry.name!r} takes no parameter(s) {sorted(unknown)}; its parameters are "
                         f"{sorted(entry.defaults) + ['shape', 'maps']}")
    return shape, maps


def _reconstruct_noncartesian(entry: Method, kdata: Any, traj: Any, params: dict[str, Any]) -> np.ndarray:
    from .noncartesian.trajectory import check_trajectory

    shape, maps = _grid_and_maps(entry, params, "non-Cartesian samples")
    t = check_trajectory(traj, "traj")
    y = np.asarray(kdata)
    if y.ndim < 1 or y.ndim > 3 or y.shape[-1] != len(t):
        raise ValueError(f"kdata must have shape (M,), (N, M), (C, M) with maps, or (N, C, M), with M = {len(t)} "
                         f"samples of the trajectory; got shape {y.shape}")
    s = None if maps is None else np.asarray(maps)
    if y.ndim == 2 and s is not None:  # one image of C coils
        y = y[None]
    single = y.ndim == 1 or (np.ndim(kdata) == 2 and s is not None)
    y = y.reshape(1, 1, -1) if y.ndim == 1 else y[:, None] if y.ndim == 2 else y
    if s is not None:
        s = s[None] if s.ndim == 3 else s
        if s.ndim != 4 or s.shape[1:] != (y.shape[1], *shape) or len(s) not in (1, len(y)):
            raise ValueError(f"maps must have shape (C, H, W) or (N, C, H, W) with C = {y.shape[1]} coils of kdata "
                             f"and (H, W) = {shape}, got {np.shape(maps)}")
        s = np.broadcast_to(s, (len(y), *s.shape[1:]))
    out = np.asarray(entry.fn(y.astype(np.complex64), t, shape, s, **{**entry.defaults, **params}),
                     dtype=np.float32)
    return out[0] if single else out


def _noncartesian(solve):
    """A single-image solver of :mod:`mrilab.noncartesian.recon` run image by image, magnitudes out."""
    def run(y, t, shape, s, **params):
        from .noncartesian import density_compensation, maps_from_center

        # density weights depend on the trajectory alone: compute them once for the whole stack (the maps
        # from the centre always use Pipe-Menon's, the method's own weights whatever it was given)
        named = params.get("weights") if isinstance(params.get("weights"), str) else None
        if named is not None:
            params["weights"] = density_compensation(t, shape, named)
        centre_weights = None
        if s is None and y.shape[1] > 1:
            centre_weights = params["weights"] if named == "pipe" else density_compensation(t, shape, "pipe")
        out = []
        for i in range(len(y)):
            if y.shape[1] == 1 and s is None:
                out.append(np.abs(solve(y[i, 0], t, shape, **params)))
                continue
            maps = maps_from_center(y[i], t, shape, weights=centre_weights) if s is None else s[i]
            out.append(np.abs(solve(y[i], t, shape, maps=maps, **params)))
        return np.stack(out)
    return run


def _register_noncartesian():
    from .noncartesian import CG_NUFFT_DEFAULTS, TV_NUFFT_DEFAULTS, cg_nufft, gridding, tv_nufft

    register("gridding", _noncartesian(gridding), defaults=dict(weights="pipe"), noncartesian=True,
             description="density-compensated adjoint NUFFT (weights: 'pipe', 'voronoi', 'ramp' or an array)")
    register("cg_nufft", _noncartesian(cg_nufft), defaults=dict(CG_NUFFT_DEFAULTS, weights="pipe"), noncartesian=True,
             description="CG on the normal equations with the Toeplitz normal operator, stopped early "
                         "(CG-SENSE with coils); density_weighted=True: weighted least squares")
    register("tv_nufft", _noncartesian(tv_nufft), defaults=dict(TV_NUFFT_DEFAULTS), noncartesian=True,
             description="total variation by ADMM, the x-step by CG with the Toeplitz normal operator")




def _unrolled_nufft(y, t, shape, s, weights):
    """The non-Cartesian unrolled network on a stack (N, C, M); C = 1 without maps is one coil."""
    from .models.inference import predict_nufft

    one = y.shape[1] == 1 and s is None
    path = weights_path("unrolled_nufft", weights or ("radial" if one else "radial_multicoil"))
    if not path.is_file():
        raise FileNotFoundError(f"no weights at {path}; train them with `python -m mrilab.train unrolled-nufft"
                                f"{'' if one else ' --multicoil'}` (or `make weights`)")
    model = _cached_model(str(path), path.stat().st_mtime, "UnrolledNUFFT")
    trained_coils = int((model.info.get("dataset") or {}).get("n_coils") or 1)
    if one != (trained_coils == 1):  # another coil count of the same kind is fine: the maps combine the coils
        raise ValueError(f"the unrolled_nufft network in {path} was trained on "
                         f"{'single-coil data' if trained_coils == 1 else f'{trained_coils} coils with maps'}, "
                         f"got {'one coil without maps' if one else f'{y.shape[1]} coils with maps'}; use the "
                         f"{'radial_multicoil' if not one else 'radial'} weights (the default for these data)")
    trained = (model.info.get("dataset") or {}).get("size")
    if trained and tuple(shape) != (trained, trained):
        raise ValueError(f"the unrolled_nufft network in {path} was trained on {trained} x {trained} images, got "
                         f"shape={tuple(shape)}; reconstruct on a {trained} x {trained} grid or train a network at "
                         f"this size")
    return predict_nufft(model, y[:, 0] if one else y, t, shape, maps=s)


_register_noncartesian()
register("unrolled_nufft", _unrolled_nufft, defaults=dict(weights=None), noncartesian=True,
         description="MoDL on a trajectory: a small CNN and a density-weighted CG data step with the Toeplitz "
                     "operator, K times (shipped weights; one coil or, with coils, the multi-coil ones)")


# Part V: many coils. Each method estimates the maps from the ACS of each image unless given maps=.

def _reconstruct_multicoil(entry: Method, kspace: Any, mask: Any, params: dict[str, Any]) -> np.ndarray:
    from .multicoil import check_multicoil

    maps = params.pop("maps", None)
    unknown = set(params) - set(entry.defaults)
    if unknown:
        raise ValueError(f"method {entry.name!r} takes no parameter(s) {sorted(unknown)}; its parameters are "
                         f"{sorted(entry.defaults) + ['maps']}")
    named = maps if isinstance(maps, str) else None
    k, m, s, single = check_multicoil(kspace, mask, None if named else maps, "kspace_undersampled")
    if named is not None:
        from .multicoil import coil_maps

        s = coil_maps(k, m, named)
    out = np.asarray(entry.fn(k, m, s, **{**entry.defaults, **params}), dtype=np.float32)
    return out[0] if single else out


def _maps_for(k, m, s, i):
    from .multicoil import estimate_maps

    return estimate_maps(k[i], m[i]) if s is None else s[i if len(s) > 1 else 0]


def _per_image(solve):
    def run(k, m, s, **params):
        return np.stack([np.abs(solve(k[i], m[i], _maps_for(k, m, s, i), **params)) for i in range(len(k))])
    return run


def _zero_filled_rss(k, m, s):
    from .fourier import ifft2c
    from .multicoil import rss

    return rss(ifft2c(k * m[:, None]))


def _sense_tv(k, m, s, lam, n_iter, tau, real, covariance, acceleration):
    """SENSE + TV image by image: the R = 4 defaults, or with ``acceleration`` the parameters tuned
    for it (:data:`mrilab.multicoil.SENSE_TV_BY_ACCELERATION`); a parameter given wins."""
    from .multicoil import CG_SENSE_TV_DEFAULTS, SENSE_TV_BY_ACCELERATION, cg_sense_tv

    base = dict(CG_SENSE_TV_DEFAULTS) if acceleration is None else tuned_for_acceleration(
        {r: {0.0: p} for r, p in SENSE_TV_BY_ACCELERATION.items()}, acceleration, 0.0)
    p = _given_on_top(base, dict(lam=lam, n_iter=n_iter, tau=tau))
    return _per_image(cg_sense_tv)(k, m, s, **p, real=real, covariance=covariance)


def _grappa(k, m, s, kernel, lam, padded_calibration):
    from .fourier import ifft2c
    from .multicoil import grappa, rss

    return rss(ifft2c(grappa(k, m, kernel=kernel, lam=lam, padded_calibration=padded_calibration)))


def _register_multicoil():
    from .multicoil import (CG_SENSE_DEFAULTS, CG_SENSE_TV_DEFAULTS, GRAPPA_DEFAULTS, NLINV_DEFAULTS, SAKE_DEFAULTS,
                            cg_sense, sense)

    register("zero_filled_rss", _zero_filled_rss, multicoil=True,
             description="root-sum-of-squares of the zero-filled coil images")
    register("sense", _per_image(sense), defaults=dict(tikhonov=1e-6, covariance=None), multicoil=True,
             description="SENSE: direct least squares row by row, maps from the ACS")
    register("cg_sense", _per_image(cg_sense), defaults=dict(CG_SENSE_DEFAULTS, real=False, covariance=None), multicoil=True,
             description="CG-SENSE: conjugate gradients on the normal equations, stopped early")
    register("cg_sense_tv", _sense_tv, defaults=dict(dict.fromkeys(CG_SENSE_TV_DEFAULTS), real=False,
                                                     covariance=None, acceleration=None), multicoil=True,
             description="SENSE with total variation, by primal-dual iterations")
    register("grappa", _grappa, defaults=dict(GRAPPA_DEFAULTS, padded_calibration=False), multicoil=True,
             description="GRAPPA: k-space filled by kernels calibrated on the ACS, root-sum-of-squares")
    register("nlinv", _nlinv, defaults=dict(NLINV_DEFAULTS), multicoil=True,
             description="NLINV: image and coil maps together by regularised Gauss-Newton, no calibration needed "
                         "(maps= is not used)")
    register("sake", _sake, defaults=dict(SAKE_DEFAULTS), multicoil=True,
             description="SAKE: k-space completed by a low-rank block-Hankel matrix, no calibration needed; "
                         "root-sum-of-squares (maps= is not used)")
    register("unrolled_multicoil", _unrolled_multicoil, defaults=dict(weights="multicoil", phase=None), multicoil=True,
             description="MoDL with coils: a small CNN and a CG data step with the coil maps, K times (shipped weights); "
                         "phase='calibration' demodulates the CNN's input by the ACS's phase")


def _nlinv(k, m, s, **params):
    """NLINV's image (its own maps: given ones are not used, NLINV estimates them)."""
    from .multicoil import nlinv

    if s is not None:
        raise ValueError("nlinv estimates the coil maps together with the image: call it without maps=")
    return np.abs(nlinv(k, m, **params)[0])


def _sake(k, m, s, **params):
    """SAKE's root-sum-of-squares image (it uses no maps)."""
    from .multicoil import sake

    if s is not None:
        raise ValueError("sake completes k-space without coil maps: call it without maps=")
    return sake(k, m, **params)


def _unrolled_multicoil(k, m, s, weights, phase=None):
    import torch

    from .models.inference import predict

    path = weights_path("unrolled_multicoil", weights)
    if not path.is_file():
        raise FileNotFoundError(f"no weights at {path}; train them with `python -m mrilab.train unrolled-multicoil`")
    model = _cached_model(str(path), path.stat().st_mtime, "UnrolledMulticoil")
    maps = _given_or_estimated_maps(k, m, s)
    demodulate = _phase_of(phase, k, m, maps)
    with torch.inference_mode():
        return predict(model, k, m, maps=maps, phase=demodulate, batch_size=8)


_register_multicoil()


# Part VI: partial Fourier, single-coil and (coil by coil, then root-sum-of-squares) multi-coil

def _partial_fourier(solve):
    def single(k, m, **params):
        return np.abs(solve(k, m, **params))

    def multi(k, m, s, **params):
        from .multicoil import rss

        n, c = k.shape[:2]
        coils = solve(k.reshape(n * c, *k.shape[-2:]), np.repeat(m, c, axis=0), **params)
        return rss(np.abs(coils).reshape(k.shape))
    return single, multi


def _register_partial_fourier():
    from .partial_fourier import HOMODYNE_DEFAULTS, POCS_DEFAULTS, homodyne, pocs

    for name, solve, defaults, text in (
            ("homodyne", homodyne, HOMODYNE_DEFAULTS, "homodyne partial Fourier (Noll 1991): weighting and "
                                                      "low-resolution phase"),
            ("pocs", pocs, POCS_DEFAULTS, "POCS partial Fourier (Haacke 1991): phase and data projections")):
        single, multi = _partial_fourier(solve)
        register(name, single, defaults=dict(defaults), multicoil_fn=multi, special=True,
                 description=text + "; multi-coil: coil by coil, then root-sum-of-squares")


_register_partial_fourier()


# Part VII: plug-and-play with a denoiser trained once on realistic images, single- and multi-coil

def _schedule(weights, given):
    """The schedule of the weight set (:data:`mrilab.pnp.PNP_SCHEDULES`), with what was given on top."""
    from .pnp import PNP_DEFAULTS, PNP_SCHEDULES

    tuned = PNP_SCHEDULES.get(weights, PNP_DEFAULTS) if isinstance(weights, str) else PNP_DEFAULTS
    return {k: tuned[k] if v is None else v for k, v in given.items()}


def _pnp_single(k, m, weights, noise_std, iterations, sigma_max, sigma_min, lam, cg_iterations, final):
    from .pnp import pnp_hqs

    model = _denoiser(weights)
    p = _schedule(weights, dict(iterations=iterations, sigma_max=sigma_max, sigma_min=sigma_min, lam=lam,
                                final=final))
    return pnp_hqs(k, m, model, noise_std=noise_std or 0.0, **p)


def _pnp_multi(k, m, s, weights, noise_std, iterations, sigma_max, sigma_min, lam, cg_iterations, final):
    from .pnp import pnp_hqs

    model = _denoiser(weights)
    maps = _given_or_estimated_maps(k, m, s)
    p = _schedule(weights, dict(iterations=iterations, sigma_max=sigma_max, sigma_min=sigma_min, lam=lam,
                                cg_iterations=cg_iterations, final=final))
    return pnp_hqs(k, m, model, noise_std=noise_std or 0.0, maps=maps, **p)


def _denoiser(weights, network="denoiser"):
    """A noise-level denoiser of a weight set: plug-and-play's (``denoiser``) or the score model (``score``)."""
    path = weights_path(network, weights)
    if not path.is_file():
        raise FileNotFoundError(f"no weights at {path}; train them with `python -m mrilab.train {network}`")
    return _cached_model(str(path), path.stat().st_mtime, "NoiseLevelDenoiser")


def _given_or_estimated_maps(k, m, s):
    """The maps given for every image, or estimated from each image's ACS."""
    from .multicoil import estimate_maps

    return estimate_maps(k, m) if s is None else np.broadcast_to(s, k.shape)


def _register_pnp():
    from .pnp import PNP_DEFAULTS

    register("pnp", _pnp_single, defaults=dict(weights="realistic", noise_std=None, **dict.fromkeys(PNP_DEFAULTS)),
             multicoil_fn=_pnp_multi,
             description="plug-and-play HQS: a denoiser trained once on realistic images as the prior, the "
                         "exact data step (CG with coils); noise_std= the measurements' noise; the schedule "
                         "is the weight set's (mrilab.pnp.PNP_SCHEDULES) unless given (shipped weights)")


_register_pnp()


# Part XII: the posterior mean of a score-based prior's samples (mrilab.posterior).

def _posterior_single(k, m, weights, noise_std, method, samples, steps, lam, zeta, seed):
    return _posterior(k, m, None, weights, noise_std, method, samples, steps, lam, zeta, seed)


def _posterior_multi(k, m, s, weights, noise_std, method, samples, steps, lam, zeta, seed):
    return _posterior(k, m, _given_or_estimated_maps(k, m, s), weights, noise_std, method, samples, steps, lam, zeta, seed)


def _posterior(k, m, maps, weights, noise_std, method, samples, steps, lam, zeta, seed):
    from .posterior import POSTERIOR_DEFAULTS, posterior_sample

    if noise_std is None:
        raise ValueError("posterior needs noise_std=, the measurements' noise per real and imaginary part "
                         "(0.01 for the realistic data; a dataset's attrs['noise_std'])")
    model = _denoiser(weights, "score")
    given = dict(method=method, samples=samples, steps=steps, zeta=zeta)
    p = {key: POSTERIOR_DEFAULTS[key] if value is None else value for key, value in given.items()}
    return posterior_sample(k, m, model, noise_std=noise_std, maps=maps, seed=seed, lam=lam, **p).mean


register("posterior", _posterior_single, multicoil_fn=_posterior_multi, special=True,
         defaults=dict(weights="realistic", noise_std=None, method=None, samples=None, steps=None, lam=None, zeta=None,
                       seed=0),
         description="the posterior mean of samples drawn with a score-based prior (DiffPIR, or annealed Langevin "
                     "with method='langevin'); noise_std= the measurements' noise; samples and their standard "
                     "deviation: mrilab.posterior.posterior_sample")


# Part XI: dynamic MRI. Each method gets one movie at a time: k-space (T, [C,] H, W), its k-t masks
# (T, H, W) and maps (C, H, W) (estimated from the time-averaged k-space when not given), and returns the
# complex movie; the registry stacks the magnitudes.

def _reconstruct_dynamic(entry: Method, kspace: Any, masks: Any, params: dict[str, Any]) -> np.ndarray:
    if entry.noncartesian:
        return _reconstruct_dynamic_radial(entry, kspace, masks, params)
    k = np.asarray(kspace)
    if k.ndim < 4 or not np.iscomplexobj(k):
        raise ValueError(f"method {entry.name!r} reconstructs movies and needs a time axis: complex kspace of shape "
                         f"(N, T, H, W) (one coil) or (N, T, C, H, W) (coils); got shape {k.shape} and dtype {k.dtype}. "
                         f"One movie: pass kspace[None]; one frame: use a 2-D method, e.g. 'tv_cs' or 'cg_sense_tv'")
    if k.ndim > 5:
        raise ValueError(f"kspace must be (N, T, H, W) or (N, T, C, H, W), got {k.ndim} axes: {k.shape}")
    multicoil = k.ndim == 5
    frame_shape = (k.shape[1], *k.shape[-2:])
    m = np.asarray(masks)
    if m.shape == frame_shape:
        m = np.broadcast_to(m, (len(k), *frame_shape))
    maps = params.pop("maps", None)
    if not multicoil and m.shape in ((len(k), *k.shape[-2:]), k.shape[-2:]):
        # (N, C, H, W) coil k-space of single frames reads as (N, T, H, W): say so, not only that the masks are wrong
        raise ValueError(f"method {entry.name!r} reconstructs movies: kspace {k.shape} was read as one coil, (N, T, H, W), "
                         f"but the masks {m.shape} have no time axis. Coil k-space needs the "
                         f"time axis too, (N, T, C, H, W) with masks (N, T, H, W); single frames: use a 2-D method, "
                         f"e.g. 'cg_sense_tv'")
    if m.shape != (len(k), *frame_shape) or m.dtype != bool:
        raise ValueError(f"masks must be bool k-t masks (N, T, H, W) = {(len(k), *frame_shape)} or one for every movie "
                         f"(T, H, W) = {frame_shape} (mrilab.sampling.kt_mask); got {m.shape} {m.dtype}")
    unknown = set(params) - set(entry.defaults)
    if unknown:
        raise ValueError(f"method {entry.name!r} takes no parameter(s) {sorted(unknown)}; its parameters are "
                         f"{sorted(entry.defaults) + ['maps']}")
    s = None
    if not multicoil and maps is not None:
        raise ValueError(f"kspace {k.shape} is single-coil (N, T, H, W), so maps= does not apply; pass coil k-space "
                         f"(N, T, C, H, W) with its maps")
    if multicoil and maps is not None and not (isinstance(maps, str) and maps == "time_averaged"):
        if isinstance(maps, str):
            raise ValueError(f"maps must be an array (C, H, W) or (N, C, H, W), 'time_averaged' or None, got {maps!r}")
        s = np.asarray(maps)
        s = s[None] if s.ndim == 3 else s
        if s.ndim != 4 or s.shape[1:] != k.shape[2:] or len(s) not in (1, len(k)):
            raise ValueError(f"maps must have shape (C, H, W) or (N, C, H, W) with (C, H, W) = {k.shape[2:]}, got "
                             f"{np.shape(maps)}")
    p = {**entry.defaults, **params}
    out = []
    for i in range(len(k)):
        mi = m[i]
        si = None
        if multicoil:
            from .dynamic import time_averaged_maps

            si = time_averaged_maps(k[i], mi) if s is None else s[i if len(s) > 1 else 0]
        out.append(np.abs(entry.fn(k[i], mi, si, **p)))
    return np.stack(out).astype(np.float32)


def _acceleration_of(masks: np.ndarray) -> float:
    return float(masks.size / max(int(masks.sum()), 1))


def _dynamic_params(name: str, masks: np.ndarray, acceleration: Any, given: dict[str, Any]) -> dict[str, Any]:
    """The tuned parameters at ``acceleration`` (measured from the masks when None), with those given on top."""
    from .dynamic.tuned import DYNAMIC_BY_ACCELERATION, tuned

    r = _acceleration_of(masks) if acceleration is None else acceleration
    return _given_on_top(tuned(DYNAMIC_BY_ACCELERATION[name], r), given)


def _kt_op(k, m, s):
    from .dynamic import KTOperator

    return KTOperator(m, s)


def _kt_zero_filled(k, m, s):
    return _kt_op(k, m, s).adjoint(k)


def _sliding_window(k, m, s, width, acceleration):
    from .dynamic import KTOperator, sliding_window

    p = _dynamic_params("sliding_window", m, acceleration, dict(width=width))
    shared, _ = sliding_window(k, m, int(p["width"]))
    return KTOperator(np.ones_like(m), s).adjoint(shared)


def _frame_tv(k, m, s, lam_s, n_iter, tau, acceleration):
    from .dynamic import temporal_tv

    p = _dynamic_params("frame_tv", m, acceleration, dict(lam_s=lam_s))
    return temporal_tv(_kt_op(k, m, s), k, lam_t=0.0, lam_s=p["lam_s"], n_iter=n_iter, tau=tau)


def _temporal_tv(k, m, s, lam_t, lam_s, n_iter, cyclic, acceleration):
    from .dynamic import temporal_tv

    p = _dynamic_params("temporal_tv", m, acceleration, dict(lam_t=lam_t))
    return temporal_tv(_kt_op(k, m, s), k, lam_t=p["lam_t"], lam_s=lam_s, n_iter=n_iter, cyclic=cyclic)


def _l_plus_s(k, m, s, lam_l, lam_s, n_iter, tol, acceleration):
    from .dynamic import l_plus_s

    p = _dynamic_params("l_plus_s", m, acceleration, dict(lam_l=lam_l, lam_s=lam_s))
    low, sparse = l_plus_s(_kt_op(k, m, s), k, lam_l=p["lam_l"], lam_s=p["lam_s"], n_iter=n_iter, tol=tol)
    return low + sparse


def _unrolled_dynamic(k, m, s, weights):
    """The network in time (Part XI) on one movie; one coil runs with maps of ones (it was trained on eight)."""
    import torch

    path = weights_path("unrolled_dynamic", weights)
    if not path.is_file():
        raise FileNotFoundError(f"no weights at {path}; train them with `python -m mrilab.train unrolled-dynamic` "
                                f"(part of `make weights`), or pass weights= a checkpoint path")
    model = _cached_model(str(path), path.stat().st_mtime, "UnrolledDynamic")
    trained = (model.info.get("dataset") or {}).get("size")
    if trained and k.shape[-2:] != (trained, trained):
        raise ValueError(f"unrolled_dynamic in {path} was trained on {trained} x {trained} frames, got "
                         f"{k.shape[-2]} x {k.shape[-1]}: resample the movie or train a network at this size")
    if s is None:  # one coil
        k, s = k[:, None], np.ones((1, *k.shape[-2:]), dtype=np.complex64)
    as_tensor = lambda a, dtype: torch.from_numpy(np.ascontiguousarray(a, dtype=dtype)[None])  # noqa: E731
    with torch.inference_mode():
        return model.reconstruct(as_tensor(k, np.complex64), as_tensor(m, bool), as_tensor(s, np.complex64))[0].numpy()


def _reconstruct_dynamic_radial(entry: Method, kdata: Any, traj: Any, params: dict[str, Any]) -> np.ndarray:
    shape, maps = _grid_and_maps(entry, params, "radial movies")
    t = np.asarray(traj, dtype=float)
    spokes = t.shape[1] if t.ndim == 4 else None
    if t.ndim == 4:
        t = t.reshape(len(t), -1, 2)
    if t.ndim != 3 or t.shape[-1] != 2:
        raise ValueError(f"traj must be the spokes of every frame, (T, S, P, 2) or (T, M, 2), got {np.shape(traj)}")
    y = np.asarray(kdata)
    if y.ndim == 5:  # (N, T, C, S, P), the cine_radial layout
        y = y.reshape(*y.shape[:3], -1)
    if y.ndim not in (3, 4) or y.shape[1] != len(t) or y.shape[-1] != t.shape[1]:
        raise ValueError(f"kdata must be (N, T, M) (one coil) or (N, T, C, M) (or (N, T, C, S, P)) with T = {len(t)} "
                         f"frames and M = {t.shape[1]} samples per frame of traj; got {np.shape(kdata)}. One movie: "
                         f"kdata[None]")
    multicoil = y.ndim == 4
    if not multicoil and maps is not None:
        raise ValueError("kdata is single-coil (N, T, M), so maps= does not apply")
    s = None if maps is None else np.asarray(maps)
    if s is not None:
        s = s[None] if s.ndim == 3 else s
        if s.ndim != 4 or s.shape[1:] != (y.shape[2], *shape) or len(s) not in (1, len(y)):
            raise ValueError(f"maps must have shape (C, H, W) or (N, C, H, W) with (C, H, W) = {(y.shape[2], *shape)}, "
                             f"got {np.shape(maps)}")
    p = {**entry.defaults, **params}
    if "spokes" in p and p["spokes"] is None:
        p["spokes"] = spokes
    from .noncartesian import density_compensation, maps_from_center

    weights = np.stack([density_compensation(ti, shape, "pipe") for ti in t])
    out = []
    for i in range(len(y)):
        si = None
        if multicoil:
            pooled = y[i].transpose(1, 0, 2).reshape(y.shape[2], -1)  # every frame's spokes: the time average
            si = maps_from_center(pooled, t.reshape(-1, 2), shape) if s is None else s[i if len(s) > 1 else 0]
        out.append(np.abs(entry.fn(y[i], t, shape, si, weights, **p)))
    return np.stack(out).astype(np.float32)


def _radial_op(y, t, shape, s, weights):
    from .dynamic import RadialKTOperator

    op = RadialKTOperator(t, shape, s, weights)
    w = np.sqrt(weights).astype(np.float32)
    return op, (y * (w[:, None] if y.ndim == 3 else w))


def _kt_gridding(y, t, shape, s, weights, spokes=None):
    op, yw = _radial_op(y, t, shape, s, weights)
    return op.adjoint(yw)


def _grasp(y, t, shape, s, weights, lam_t, n_iter, spokes):
    from .dynamic import temporal_tv
    from .dynamic.tuned import GRASP_BY_SPOKES, tuned

    if lam_t is None:
        if spokes is None:
            raise ValueError("grasp's temporal weight is tabulated by spokes per frame: pass traj as (T, S, P, 2), "
                             "spokes=S, or lam_t=")
        lam_t = tuned(GRASP_BY_SPOKES, spokes)["lam_t"]
    op, yw = _radial_op(y, t, shape, s, weights)
    return temporal_tv(op, yw, lam_t=lam_t, n_iter=n_iter)


def _register_dynamic():
    from .dynamic import FRAME_TV_DEFAULTS, L_PLUS_S_DEFAULTS, TEMPORAL_TV_DEFAULTS

    register("kt_zero_filled", _kt_zero_filled, dynamic=True,
             description="every frame zero-filled and combined with the maps (E^H d)")
    register("sliding_window", _sliding_window, defaults=dict(width=None, acceleration=None), dynamic=True,
             description="view sharing: each frame's missing columns from its nearest neighbours within width frames")
    register("frame_tv", _frame_tv, defaults=dict(lam_s=None, n_iter=FRAME_TV_DEFAULTS["n_iter"],
                                                  tau=FRAME_TV_DEFAULTS["tau"], acceleration=None),
             dynamic=True, description="TV compressed sensing (SENSE + TV) of every frame on its own, by "
                                       "Chambolle-Pock with the data term dualised (as Part V's sense_tv)")
    register("temporal_tv", _temporal_tv, defaults=dict(lam_t=None, lam_s=0.0, n_iter=TEMPORAL_TV_DEFAULTS["n_iter"],
                                                        cyclic=True, acceleration=None), dynamic=True,
             description="total variation along time (cyclic over the cardiac cycle), by primal-dual iterations")
    register("l_plus_s", _l_plus_s, defaults=dict(lam_l=None, lam_s=None, n_iter=L_PLUS_S_DEFAULTS["n_iter"],
                                                  tol=L_PLUS_S_DEFAULTS["tol"], acceleration=None), dynamic=True,
             description="low rank plus sparse in temporal frequency (Otazo et al. 2015)")
    register("unrolled_dynamic", _unrolled_dynamic, defaults=dict(weights="dynamic"), dynamic=True,
             description="MoDL in time: a (2+1)D CNN on the movie, cyclic in time, and a frame-wise CG data step with the "
                         "maps, K times (shipped weights, trained on R 4..12)")
    register("kt_gridding", _kt_gridding, defaults=dict(spokes=None), dynamic=True, noncartesian=True,
             description="every frame's spokes gridded (density-compensated adjoint NUFFT) and combined with the maps")
    register("grasp", _grasp, defaults=dict(lam_t=None, n_iter=TEMPORAL_TV_DEFAULTS["n_iter"], spokes=None),
             dynamic=True, noncartesian=True,
             description="GRASP: golden-angle frames with temporal TV and a density-weighted data term (Feng et al. 2014)")


_register_dynamic()
