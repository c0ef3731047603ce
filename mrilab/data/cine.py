"""A synthetic cardiac cine: a beating heart in a static chest, measured frame by frame.

Real cine data are hard to share, so Part XI draws its own, in the style of the realistic
preset (:mod:`mrilab.data.realistic`): every movie is a short-axis view of the chest through
one cardiac cycle, ``T`` frames (default 20) of ``size x size`` (default 128).

The object (:func:`cine_phantom`), drawn on a grid ``oversampling`` times finer than the
reconstruction grid by painting ellipses in order (a later one covers an earlier one):

* static surroundings: the body (a rim of bright fat around muscle), two dark lungs, the
  liver, a vertebra with its bright canal and the descending aorta;
* the heart: the left ventricle (LV), a ring of myocardium around a bright blood pool with two
  papillary muscles in it (part of the cavity, as the ejection fraction counts them), and the right
  ventricle (RV) beside it. The LV cavity's area follows
  ``A(t) = A_d (1 - EF c(t))``, with the ejection fraction ``EF`` drawn per movie (in one slice an area
  fraction, the fractional area change, which stands in for the volumetric ejection fraction) and a contraction
  curve ``c(t)`` that rises from 0 at end-diastole (frame 0) to 1 at end-systole and falls back.
  Systole lasts a fraction of the cycle that grows with the heart rate (about 0.35 of the cycle at
  60 beats per minute, 0.45 at 100: diastole shortens more than systole). The myocardium keeps its
  area (muscle is incompressible), so the wall thickens as the cavity shrinks;
* the heart's bulk motion: the whole heart moves with its contraction, by ``translation`` (a fraction of
  the field of view) at end-systole along a direction drawn per movie, and back. The movie is a
  retrospectively gated breath-hold cine, so every frame shows the same phase of many heartbeats and the
  motion is periodic over the cycle; breathing is not modelled (in a gated cine it would blur or ghost every
  frame, not move the heart from one frame to the next).

Then the realistic preset's factors, each the same in every frame: a smooth phase (up to
``phase`` radians), a bias field, a multiplicative texture; k-space of the fine raster cropped
to the reconstruction grid (no inverse crime); eight coils on a ring (:func:`mrilab.multicoil.ring_maps`)
for the multi-coil presets; and complex noise drawn afresh for every frame. The texture
stays in place while the heart moves (a simplification: a real texture would move with
the tissue).

Two families (``family=``):

``"study"`` (training and test)
    A round LV (aspect 1 to 1.2), EF 0.5 to 0.7, heart rate 55 to 85 per minute, a bulk translation up
    to 2 % of the field of view.
``"other"`` (a test family no method is tuned or trained on)
    An elongated LV (aspect 1.35 to 1.6) turned further, a failing heart (EF 0.25 to 0.45) at a
    fast rate (95 to 120 per minute, so systole takes almost half the cycle) and a bulk translation of 3 to 6 %.

Presets (:data:`CINE_PRESETS`): ``"cine"`` one coil, ``"cine_multicoil"`` eight coils, both
Cartesian (k-t masks, :func:`mrilab.sampling.kt_mask`); ``"cine_radial"`` eight coils on
golden-angle radial spokes, ``spokes_per_frame`` per frame (:func:`mrilab.noncartesian.golden_angle_frames`),
the spokes of each frame continuing the golden-angle sequence from the last frame's.

Layout of a cine file (``python -m mrilab.data --preset cine_multicoil``)::

    /{train,test}/images              (N, T, H, W)        complex64  the complex reference movies
    /{train,test}/phantoms            (N, T, H, W)        float32    their magnitudes, maximum 1 per movie
    /{train,test}/labels              (N, T, H, W)        uint8      tissue of each pixel (LABELS)
    /{train,test}/kspace_full         (N, T, [C,] H, W)   complex64  noise-free k-space
    /{train,test}/kspace_undersampled (N, T, [C,] H, W)   complex64  measured (noise added), zero elsewhere
    /{train,test}/masks               (N, T, H, W)        bool       the k-t masks
    /{train,test}/maps                (N, C, H, W)        complex64  multi-coil presets: the true maps
    /{train,test}/kdata               (N, T, C, S, P)     complex64  cine_radial: the noisy spokes
    /trajectory                       (T, S, P, 2)        float64    cine_radial: the spokes of each frame
    /{train,test}/motion              (N, 4)              float64    EF, heart rate, systolic fraction, translation

The train and test splits come from two child streams of ``seed``; within a split the geometry,
the factors, the coil array, the masks and the noise each have their own stream.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._checks import positive_int
from .._io import atomic_path
from .._version import __version__
from ..fourier import fft2c, ifft2c
from ..phantom import ellipse_window, pixel_grid
from . import realistic

__all__ = ["CINE_PRESETS", "CINE_DEFAULTS", "CINE_PATHS", "CINE_FAMILIES", "LABELS", "MOTION_FIELDS", "CineSplit",
           "cine_phantom", "contraction", "systolic_fraction", "generate_cine", "make_cine_dataset", "load_cine",
           "book_cine", "remeasure_cine", "cine_params", "heart_box", "main"]

CINE_PRESETS = ("cine", "cine_multicoil", "cine_radial")
CINE_FAMILIES = ("study", "other")
#: Where ``python -m mrilab.data --preset <cine preset>`` writes by default.
CINE_PATHS = {"cine": "data/mri_cine.h5", "cine_multicoil": "data/mri_cine_multicoil.h5",
              "cine_radial": "data/mri_cine_radial.h5"}
#: Tissue labels of :func:`cine_phantom` (``labels`` in a cine file).
LABELS = dict(background=0, static=1, lv_blood=2, myocardium=3, rv_blood=4, papillary=5)
#: The columns of a split's ``motion``: what was drawn for each movie.
MOTION_FIELDS = ("ejection_fraction", "heart_rate", "systolic_fraction", "translation")
#: Default generation parameters of the cine presets. ``acceleration``, ``pattern`` and
#: ``center_fraction`` are those of the stored k-t masks (:func:`mrilab.sampling.kt_mask`; a chapter
#: measures other protocols with :func:`remeasure_cine`); ``spokes_per_frame`` and ``n_samples`` those of
#: the radial preset.
#: The generator's version, stored with the parameters: a file made by an older generator is made again.
CINE_VERSION = 2
CINE_DEFAULTS: dict[str, Any] = dict(n_train=6, n_test=6, n_frames=20, size=128, seed=0, family="study",
                                     acceleration=8.0, pattern="random", center_fraction=0.03,
                                     phase=float(np.pi), oversampling=4, bias=0.1, texture=0.03, noise_std=0.01,
                                     n_coils=8, spokes_per_frame=34, n_samples=256)

# the two families' ranges: (low, high) of a uniform draw
_FAMILY = {
    "study": dict(aspect=(1.0, 1.2), ef=(0.5, 0.7), rate=(55.0, 85.0), translation=(0.0, 0.02), turn=(-20.0, 20.0),
                  heart_scale=(0.9, 1.1)),
    "other": dict(aspect=(1.35, 1.6), ef=(0.25, 0.45), rate=(95.0, 120.0), translation=(0.03, 0.06), turn=(30.0, 60.0),
                  heart_scale=(1.0, 1.2)),
}


def systolic_fraction(heart_rate: float) -> float:
    """The fraction of the cardiac cycle spent in systole at ``heart_rate`` beats per minute.

    As the rate rises the cycle ``60 / rate`` s shortens mostly in diastole; systole shortens less, so its
    fraction of the cycle grows. This linear model gives 0.35 at 60 and 0.45 at 100 per minute (systole
    0.35 s and 0.27 s), clipped to [0.3, 0.5].
    """
    return float(np.clip(0.35 + 0.1 * (heart_rate - 60.0) / 40.0, 0.3, 0.5))


def contraction(phase: Any, systole: float) -> np.ndarray:
    """The contraction curve ``c`` at cardiac phases ``phase`` in [0, 1): 0 at end-diastole, 1 at end-systole.

    A half cosine up over the systolic fraction ``systole`` of the cycle, and down over the rest,
    faster at first (rapid filling) and flat at the end (diastasis): ``c = (1 + cos(pi u^0.6)) / 2``
    with ``u`` the fraction of diastole gone.
    """
    p = np.mod(np.asarray(phase, dtype=float), 1.0)
    up = 0.5 * (1 - np.cos(np.pi * np.clip(p / systole, 0, 1)))
    u = np.clip((p - systole) / (1 - systole), 0, 1)
    down = 0.5 * (1 + np.cos(np.pi * u ** 0.6))
    return np.where(p < systole, up, down)


def _paint(layers: list[tuple[float, float, float, float, float, float, int]], size: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Paint ellipses in order on a ``size x size`` grid of the field of view [-1, 1]^2.

    ``layers``: (value, a, b, x0, y0, angle in degrees, label); each covers what is under it.
    Returns the image (float32) and the labels (uint8).
    """
    x, y = pixel_grid(size)
    coords = x[0]
    image = np.zeros((size, size), dtype=np.float32)
    labels = np.zeros((size, size), dtype=np.uint8)
    for value, a, b, x0, y0, angle, label in layers:
        window = ellipse_window(coords, a, b, x0, y0, angle)
        if window is None:
            continue
        box, u, v = window
        inside = u ** 2 + v ** 2 <= 1.0
        image[box][inside] = value
        labels[box][inside] = label
    return image, labels


def _draw_geometry(rng: np.random.Generator, family: str) -> dict[str, Any]:
    """The random numbers of one movie's anatomy and motion, always drawn in the same order."""
    f = _FAMILY[family]
    u = lambda lo_hi: float(rng.uniform(*lo_hi))  # noqa: E731
    g = dict(body=u((0.92, 1.05)), body_aspect=u((0.68, 0.8)), fat=u((0.7, 0.9)), muscle=u((0.25, 0.35)),
             lung=u((0.02, 0.06)), liver=u((0.35, 0.5)), blood=u((0.85, 1.0)), myo=u((0.2, 0.3)),
             heart_x=u((0.02, 0.14)), heart_y=u((-0.02, 0.08)), turn=u(f["turn"]), heart_scale=u(f["heart_scale"]),
             aspect=u(f["aspect"]), ef=u(f["ef"]), rv_ef=u((0.35, 0.55)), rate=u(f["rate"]),
             translation=u(f["translation"]), direction=u((0.0, 360.0)), papillary=u((0.0, 360.0)))
    g["systole"] = systolic_fraction(g["rate"])
    return g


def _layers(g: dict[str, Any], c: float) -> list[tuple]:
    """The painted ellipses of one frame at contraction ``c`` in [0, 1]."""
    L = LABELS
    body_a, body_b = 0.9 * g["body"], 0.9 * g["body"] * g["body_aspect"]
    layers = [
        (g["fat"], body_a, body_b, 0.0, -0.05, 0.0, L["static"]),
        (g["muscle"], body_a - 0.06, body_b - 0.06, 0.0, -0.05, 0.0, L["static"]),
        (g["liver"], 0.34, 0.2, -0.38, -0.42, 10.0, L["static"]),
        (g["lung"], 0.24, 0.33 * g["body_aspect"] / 0.74, -0.42, 0.04, -12.0, L["static"]),
        (g["lung"], 0.24, 0.33 * g["body_aspect"] / 0.74, 0.42, 0.04, 12.0, L["static"]),
        (0.22, 0.1, 0.1, 0.0, -0.5 * g["body_aspect"] / 0.74, 0.0, L["static"]),
        (0.7, 0.035, 0.035, 0.0, -0.41 * g["body_aspect"] / 0.74, 0.0, L["static"]),
        (g["blood"], 0.055, 0.055, 0.15, -0.35 * g["body_aspect"] / 0.74, 0.0, L["static"]),
    ]
    s, asp, turn = g["heart_scale"], g["aspect"], g["turn"]
    # the whole heart moves with the contraction (the field of view is 2 wide: translation is a fraction of it)
    move = 2.0 * g["translation"] * c
    hx = g["heart_x"] + move * np.cos(np.deg2rad(g["direction"]))
    hy = g["heart_y"] + move * np.sin(np.deg2rad(g["direction"]))
    rad = np.deg2rad(turn)
    # the RV sits beside the LV, on the image's left (the patient's right, in radiological convention)
    rv_off = np.array([-0.2, 0.08]) * s
    rvx = hx + rv_off[0] * np.cos(rad) - rv_off[1] * np.sin(rad)
    rvy = hy + rv_off[0] * np.sin(rad) + rv_off[1] * np.cos(rad)
    rv_scale = np.sqrt(1 - g["rv_ef"] * c)
    layers += [(g["myo"], 0.2 * s * np.sqrt(1 - 0.5 * g["rv_ef"] * c), 0.15 * s, rvx, rvy, turn + 25.0, L["myocardium"]),
               (g["blood"], 0.17 * s * rv_scale, 0.11 * s * rv_scale, rvx, rvy, turn + 25.0, L["rv_blood"])]
    # LV: cavity area A_d (1 - EF c); the myocardium keeps its area
    r_d, wall = 0.12 * s, 0.045 * s
    r = r_d * np.sqrt(1 - g["ef"] * c)
    big = np.sqrt(r ** 2 + (r_d + wall) ** 2 - r_d ** 2)
    layers += [(g["myo"], big, big * asp, hx, hy, turn, L["myocardium"]),
               (g["blood"], r, r * asp, hx, hy, turn, L["lv_blood"])]
    for k in range(2):  # two papillary muscles on the inner wall, moving with it
        ang = np.deg2rad(g["papillary"] + 70.0 * k)
        px = hx + 0.6 * r * np.cos(ang) * np.cos(rad) - 0.6 * r * asp * np.sin(ang) * np.sin(rad)
        py = hy + 0.6 * r * np.cos(ang) * np.sin(rad) + 0.6 * r * asp * np.sin(ang) * np.cos(rad)
        pr = 0.022 * s * (1 + 0.3 * c)
        layers.append((g["myo"], pr, pr, px, py, 0.0, L["papillary"]))
    return layers


def cine_phantom(rng: np.random.Generator | int | None = None, n_frames: int = 20, size: int = 128, *,
                 family: str = "study") -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """One movie's object, real-valued, without the scanner's factors (module docstring).

    Parameters
    ----------
    rng : numpy Generator, int or None
        The randomness of the anatomy and the motion.
    n_frames : int
        Frames over one cardiac cycle; frame ``t`` is the cardiac phase ``t / n_frames`` (frame 0 is
        end-diastole).
    size : int
        Grid of the painting (the fine grid of a preset, ``oversampling`` times the reconstruction grid).
    family : {"study", "other"}, keyword-only

    Returns
    -------
    frames : float32 ndarray (n_frames, size, size)
    labels : uint8 ndarray (n_frames, size, size), :data:`LABELS`
    motion : dict
        ``ejection_fraction``, ``heart_rate`` (per minute), ``systolic_fraction``, ``translation`` (the heart's
        displacement at end-systole, a fraction of the field of view).
    """
    if family not in _FAMILY:
        raise ValueError(f"family must be one of {CINE_FAMILIES}, got {family!r}")
    n_frames = positive_int(n_frames, "n_frames", minimum=2)
    size = positive_int(size, "size", minimum=8)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    g = _draw_geometry(rng, family)
    frames, labels = _paint_movie(g, n_frames, size)
    return frames, labels, _motion(g)


def _motion(g: dict[str, Any]) -> dict[str, float]:
    return dict(ejection_fraction=g["ef"], heart_rate=g["rate"], systolic_fraction=g["systole"],
                translation=g["translation"])


def _paint_movie(g: dict[str, Any], n_frames: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every frame of the anatomy ``g`` on a ``size x size`` grid."""
    phases = np.arange(n_frames) / n_frames
    c = contraction(phases, g["systole"])
    frames = np.empty((n_frames, size, size), dtype=np.float32)
    labels = np.empty((n_frames, size, size), dtype=np.uint8)
    for t in range(n_frames):
        frames[t], labels[t] = _paint(_layers(g, float(c[t])), size)
    return frames, labels


def heart_box(labels: Any, margin: int = 8) -> np.ndarray:
    """The box around the heart that a reader of a cine looks at: bool ``(..., H, W)``, the same in every frame.

    The bounding box of every pixel that is ever LV blood, myocardium, RV blood or papillary muscle in
    the movie's ``labels`` ``(T, H, W)`` (or of each movie of ``(N, T, H, W)``), grown by ``margin`` pixels on
    every side. Cardiac reconstruction challenges score a crop around the heart in the same spirit: the
    static chest, most of the field of view, would otherwise decide a movie's score.
    """
    lab = np.asarray(labels)
    if lab.ndim not in (3, 4):
        raise ValueError(f"labels must be one movie (T, H, W) or movies (N, T, H, W), got shape {lab.shape}")
    margin = positive_int(margin, "margin", minimum=0)
    movies = lab[None] if lab.ndim == 3 else lab
    heart = [LABELS[k] for k in ("lv_blood", "myocardium", "rv_blood", "papillary")]
    out = np.zeros((len(movies), *lab.shape[-2:]), dtype=bool)
    for i, movie in enumerate(movies):
        ever = np.isin(movie, heart).any(axis=0)
        if not ever.any():
            raise ValueError("labels hold no heart: pass the labels of a cine preset (mrilab.data.cine.LABELS)")
        rows, cols = np.flatnonzero(ever.any(axis=1)), np.flatnonzero(ever.any(axis=0))
        out[i, max(rows[0] - margin, 0):rows[-1] + margin + 1, max(cols[0] - margin, 0):cols[-1] + margin + 1] = True
    return out[0] if lab.ndim == 3 else out


@dataclass
class CineSplit:
    """One split of a cine dataset in memory (arrays of the module docstring's layout)."""

    images: np.ndarray
    phantoms: np.ndarray
    labels: np.ndarray
    kspace_full: np.ndarray | None
    kspace_undersampled: np.ndarray | None
    masks: np.ndarray | None
    motion: np.ndarray
    maps: np.ndarray | None = None
    kdata: np.ndarray | None = None
    trajectory: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.images)


def cine_params(preset: str = "cine_multicoil", **params: Any) -> dict[str, Any]:
    """The generation parameters of a cine preset: :data:`CINE_DEFAULTS` with ``params`` on top, checked."""
    if preset not in CINE_PRESETS:
        raise ValueError(f"preset must be one of {CINE_PRESETS}, got {preset!r}")
    unknown = set(params) - set(CINE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown cine parameter(s) {sorted(unknown)}; the parameters are {sorted(CINE_DEFAULTS)}")
    p = {**CINE_DEFAULTS, **{k: v for k, v in params.items() if v is not None}}
    for name in ("n_frames", "size", "n_coils", "spokes_per_frame", "n_samples", "oversampling"):
        p[name] = positive_int(p[name], name)
    for name in ("n_train", "n_test"):
        p[name] = positive_int(p[name], name, minimum=0)
    if p["family"] not in CINE_FAMILIES:
        raise ValueError(f"family must be one of {CINE_FAMILIES}, got {p['family']!r}")
    factors = realistic.check_factors(phase=p["phase"], oversampling=p["oversampling"], bias=p["bias"],
                                      texture=p["texture"], noise_std=p["noise_std"])
    p.update(factors)
    if preset == "cine":
        p["n_coils"] = 1
    p["preset"] = preset
    p["seed"] = int(p["seed"])
    p["generator_version"] = CINE_VERSION
    return p


def _cropped_fft(image: np.ndarray, size: int) -> np.ndarray:
    """``realistic.crop_kspace(fft2c(image), size)`` for an image on a finer grid, computed faster.

    Only the central ``size x size`` frequencies are kept, so the centring shifts of :func:`fft2c` are
    replaced by a sign per frequency (for an even grid, ``ifftshift`` of the input multiplies the
    spectrum by ``(-1)^k``) and SciPy's FFT runs in single precision on every core.
    """
    import scipy.fft

    fine = image.shape[-1]
    if fine == size or fine % 2:
        return realistic.crop_kspace(fft2c(image), size) if fine > size else fft2c(image)
    k = np.arange(size) - size // 2
    idx = k % fine
    sign = np.where(k % 2, -1.0, 1.0).astype(np.float32)
    spectrum = scipy.fft.fft2(image.astype(np.complex64, copy=False), norm="ortho", workers=-1)
    block = spectrum[..., idx[:, None], idx[None, :]] * (sign[:, None] * sign[None, :])
    # realistic.crop_kspace on the block, which is already the centre
    return (block * (size / fine) * realistic._half_pixel_ramp(size, fine / size)).astype(np.complex64)


def _movie(rng_geometry, rng_factors, p: dict[str, Any], traj: np.ndarray | None, maps_fine):
    """One movie: reference, labels, noise-free k-space (or spokes), motion."""
    size, os_ = p["size"], p["oversampling"]
    fine = size * os_
    g = _draw_geometry(rng_geometry, p["family"])
    frames, _ = _paint_movie(g, p["n_frames"], fine)
    _, labels = _paint_movie(g, p["n_frames"], size)  # the tissue of each pixel of the reconstruction grid
    draws = realistic.draw_factors(rng_factors, size, 1)
    static = np.ones((fine, fine), dtype=np.float32)
    if p["bias"] > 0:
        static *= (1.0 + p["bias"] * realistic.smooth_field(draws["bias"], fine)).astype(np.float32)
    if p["texture"] > 0:
        static *= 1.0 + np.float32(p["texture"]) * realistic.texture_field(draws["texture"], os_)
    objects = frames * static
    if p["phase"] > 0:
        angle = (p["phase"] * realistic.smooth_field(draws["phase"], fine)).astype(np.float32)
        objects = objects * np.exp(1j * angle).astype(np.complex64)
    else:
        objects = objects.astype(np.complex64)
    kspace = _cropped_fft(objects, size)
    reference = ifft2c(kspace)
    scale = np.abs(reference).max()
    out = dict(reference=reference / scale, labels=labels, motion=_motion(g))
    if maps_fine is None:
        out["kspace"] = kspace / scale
        return out
    if traj is not None:
        from ..noncartesian.nufft import sample_finer_grid

        out["kdata"] = np.stack([sample_finer_grid(maps_fine * objects[t], traj[t].reshape(-1, 2), size)
                                 for t in range(len(objects))]) / scale
        out["kspace"] = None
        return out
    # frame by frame: every coil sees the object on the fine grid weighted by its map
    out["kspace"] = np.stack([_cropped_fft(maps_fine * objects[t], size) for t in range(len(objects))]) / scale
    return out


def _noise(rng: np.random.Generator, shape: tuple[int, ...], noise_std: float) -> np.ndarray:
    return realistic.complex_noise(rng, shape, noise_std).astype(np.complex64)


def _measure(kspace_full: np.ndarray, p: dict[str, Any], mask_rng: np.random.Generator,
             noise_rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Masks and noisy masked k-space of every movie of a split (one movie at a time)."""
    from ..sampling.kt import kt_mask

    n, t = kspace_full.shape[:2]
    shape = (t, *kspace_full.shape[-2:])
    masks = np.empty((n, *shape), dtype=bool)
    measured = np.empty_like(kspace_full)
    for i in range(n):
        masks[i] = kt_mask(shape, p["acceleration"], pattern=p["pattern"], center_fraction=p["center_fraction"],
                           rng=mask_rng)
        m = masks[i][:, None] if kspace_full.ndim == 5 else masks[i]
        measured[i] = (kspace_full[i] + _noise(noise_rng, kspace_full.shape[1:], p["noise_std"])) * m
    return masks, measured


def _generate_split(n: int, ss: np.random.SeedSequence, p: dict[str, Any]) -> CineSplit:
    from ..multicoil.coils import ring_maps

    geometry_ss, factor_ss, coil_ss, mask_ss, noise_ss = ss.spawn(5)
    geometry, factors = np.random.default_rng(geometry_ss), np.random.default_rng(factor_ss)
    size, frames, coils = p["size"], p["n_frames"], p["n_coils"]
    multicoil = p["preset"] != "cine"
    radial = p["preset"] == "cine_radial"
    rotations = np.random.default_rng(coil_ss).uniform(0, 2 * np.pi / coils, size=n)
    traj = None
    if radial:
        from ..noncartesian.trajectory import golden_angle_frames

        traj = golden_angle_frames(frames, p["spokes_per_frame"], p["n_samples"])
    images = np.empty((n, frames, size, size), dtype=np.complex64)
    labels = np.empty((n, frames, size, size), dtype=np.uint8)
    motion = np.empty((n, len(MOTION_FIELDS)))
    kspace = None if radial else np.empty((n, frames, *((coils,) if multicoil else ()), size, size), np.complex64)
    kdata = np.empty((n, frames, coils, p["spokes_per_frame"] * p["n_samples"]), np.complex64) if radial else None
    maps = np.empty((n, coils, size, size), dtype=np.complex64) if multicoil else None
    fine = size * p["oversampling"]
    for i in range(n):
        maps_fine = ring_maps(fine, coils, rotation=rotations[i]) if multicoil else None
        if multicoil:
            maps[i] = ring_maps(size, coils, rotation=rotations[i])
        got = _movie(geometry, factors, p, traj, maps_fine)
        images[i], labels[i] = got["reference"], got["labels"]
        motion[i] = [got["motion"][k] for k in MOTION_FIELDS]
        if radial:
            kdata[i] = got["kdata"]
        else:
            kspace[i] = got["kspace"]
    noise_rng = np.random.default_rng(noise_ss)
    attrs = {k: v for k, v in p.items() if k not in ("n_train", "n_test")}
    common = dict(images=images, phantoms=np.abs(images).astype(np.float32), labels=labels, motion=motion, maps=maps,
                  attrs=attrs)
    if radial:
        kdata += _noise(noise_rng, kdata.shape, p["noise_std"])
        return CineSplit(kspace_full=None, kspace_undersampled=None, masks=None,
                         kdata=kdata.reshape(n, frames, coils, p["spokes_per_frame"], p["n_samples"]),
                         trajectory=traj, **common)
    masks, measured = _measure(kspace, p, np.random.default_rng(mask_ss), noise_rng)
    return CineSplit(kspace_full=kspace, kspace_undersampled=measured, masks=masks, **common)


def generate_cine(n_train: int | None = None, n_test: int | None = None, *, preset: str = "cine_multicoil",
                  **params: Any) -> dict[str, CineSplit]:
    """The splits of a cine preset in memory: ``{"train": CineSplit, "test": CineSplit}``.

    Parameters are those of :data:`CINE_DEFAULTS` (``n_frames``, ``size``, ``seed``, ``family``,
    ``acceleration``, ``pattern``, ``center_fraction``, the factors ``phase``, ``oversampling``, ``bias``,
    ``texture``, ``noise_std``, and ``n_coils``, ``spokes_per_frame``, ``n_samples``). The same
    parameters give the same arrays as :func:`make_cine_dataset` followed by :func:`load_cine`.
    ``family="other"`` draws the unlike test family (module docstring).
    """
    p = cine_params(preset, n_train=n_train, n_test=n_test, **params)
    # the unlike family from streams of its own: its movies are not the study's draws in other ranges
    seqs = np.random.SeedSequence(p["seed"] if p["family"] == "study" else [p["seed"], 1]).spawn(2)
    return {split: _generate_split(p[f"n_{split}"], ss, p) for split, ss in zip(("train", "test"), seqs)}


def remeasure_cine(split: CineSplit, acceleration: float, *, pattern: str | None = None,
                   center_fraction: float | None = None, noise_std: float | None = None, seed: int = 0) -> CineSplit:
    """The same movies under another k-t protocol: new masks and new noise (a Cartesian split).

    ``pattern``, ``center_fraction`` and ``noise_std`` default to the split's own; ``seed`` seeds
    the masks and the noise (two streams, so the masks do not change with the noise level).
    """
    if split.kspace_full is None:
        raise ValueError("remeasure_cine takes a Cartesian cine split (presets 'cine', 'cine_multicoil'); a radial "
                         "split's frames take fewer spokes by slicing kdata[..., :n, :] and trajectory[:, :n]")
    p = dict(split.attrs)
    p.update({k: v for k, v in dict(acceleration=acceleration, pattern=pattern, center_fraction=center_fraction,
                                     noise_std=noise_std).items() if v is not None})
    mask_ss, noise_ss = np.random.SeedSequence(seed).spawn(2)
    masks, measured = _measure(split.kspace_full, p, np.random.default_rng(mask_ss), np.random.default_rng(noise_ss))
    return CineSplit(**{**split.__dict__, "masks": masks, "kspace_undersampled": measured, "attrs": p})


_ARRAYS = ("images", "phantoms", "labels", "kspace_full", "kspace_undersampled", "masks", "motion", "maps", "kdata")


def make_cine_dataset(path: str | os.PathLike, n_train: int | None = None, n_test: int | None = None, *,
                      preset: str = "cine_multicoil", **params: Any) -> Path:
    """Generate a cine preset and write it to ``path`` (HDF5, the module docstring's layout).

    Written under a temporary name and renamed, so an interrupted run leaves no half-written file.
    """
    import h5py

    splits = generate_cine(n_train, n_test, preset=preset, **params)
    path = Path(path)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs.update({k: v for k, v in splits["test"].attrs.items()})
        f.attrs["mrilab_version"] = __version__
        for name, split in splits.items():
            group = f.create_group(name)
            for key in _ARRAYS:
                data = getattr(split, key)
                if data is None:
                    continue
                compress = "lzf" if data.ndim >= 4 and len(data) else None
                group.create_dataset(key, data=data, chunks=True if len(data) else None, compression=compress)
        if splits["test"].trajectory is not None:
            f.create_dataset("trajectory", data=splits["test"].trajectory)
    return path


def _attrs(f) -> dict[str, Any]:
    """An HDF5 file's attributes as Python values (numpy scalars unwrapped, so they compare with parameters)."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in f.attrs.items()}


def load_cine(path: str | os.PathLike) -> dict[str, CineSplit]:
    """Read a cine file written by :func:`make_cine_dataset`."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no cine dataset at {path}; make it with `python -m mrilab.data --preset "
                                f"cine_multicoil --out {path}` (or cine, cine_radial)")
    with h5py.File(path, "r") as f:
        attrs = _attrs(f)
        if attrs.get("preset") not in CINE_PRESETS:
            raise ValueError(f"{path} is not a cine dataset (its preset is {attrs.get('preset')!r}); load it with "
                             f"mrilab.load_dataset")
        traj = f["trajectory"][()] if "trajectory" in f else None
        out = {}
        for name in ("train", "test"):
            g = f[name]
            arrays = {k: (g[k][()] if k in g else None) for k in _ARRAYS}
            out[name] = CineSplit(**arrays, trajectory=traj, attrs={k: v for k, v in attrs.items()
                                                                    if k != "mrilab_version"})
    return out


def book_cine(preset: str = "cine_multicoil", folder: str | os.PathLike | None = None) -> dict[str, CineSplit]:
    """The chapters' cine dataset for :func:`mrilab.data.book_seed`: made in ``data/`` if missing, then loaded.

    A file whose stored parameters differ from the preset's defaults (another seed, an older
    version of the generator's parameters) is made again.
    """
    from .seed import book_path, book_seed

    if preset not in CINE_PRESETS:
        raise ValueError(f"preset must be one of {CINE_PRESETS}, got {preset!r}")
    seed = book_seed()
    path = book_path(CINE_PATHS[preset], folder)
    fresh = _up_to_date(path, cine_params(preset, seed=seed))
    if not fresh:
        make_cine_dataset(path, preset=preset, seed=seed)
    return load_cine(path)


def _stored(path: Path) -> dict[str, Any] | None:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            out = _attrs(f)
            out["n_train"], out["n_test"] = len(f["train"]["images"]), len(f["test"]["images"])
            return out
    except (OSError, KeyError):
        return None


def _up_to_date(path: Path, wanted: dict[str, Any]) -> bool:
    stored = _stored(path) if path.is_file() else None
    return stored is not None and all(stored.get(k) == v for k, v in wanted.items())


def main(argv: list[str] | None = None) -> int:
    """``python -m mrilab.data --preset cine|cine_multicoil|cine_radial [...]``."""
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m mrilab.data --preset cine",
                                     description="Make a cine dataset of Part XI (HDF5, mrilab.data.cine).")
    parser.add_argument("--preset", choices=CINE_PRESETS, required=True,
                        help="cine: one coil; cine_multicoil: eight coils; cine_radial: eight coils on golden-angle spokes")
    parser.add_argument("--out", default=None, help="output file (default: " +
                        ", ".join(f"{k}: {v}" for k, v in CINE_PATHS.items()) + ")")
    for name in ("n_train", "n_test", "n_frames", "size", "seed", "n_coils", "spokes_per_frame", "n_samples",
                 "oversampling"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None,
                            help=f"default {CINE_DEFAULTS[name]}")
    for name in ("acceleration", "center_fraction", "phase", "bias", "texture", "noise_std"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=None,
                            help=f"default {CINE_DEFAULTS[name]:g}")
    parser.add_argument("--pattern", choices=("random", "shifted"), default=None, help="k-t masks (default random)")
    parser.add_argument("--family", choices=CINE_FAMILIES, default=None, help="default study; other: the unlike family")
    parser.add_argument("--force", action="store_true", help="regenerate even if an identical dataset exists")
    args = parser.parse_args(argv)
    given = {k: v for k, v in vars(args).items() if k not in ("preset", "out", "force") and v is not None}
    try:
        params = cine_params(args.preset, **given)
    except ValueError as exc:
        parser.error(str(exc))
    out = Path(args.out or CINE_PATHS[args.preset])
    wanted = {k: v for k, v in params.items()}
    start = time.perf_counter()
    if args.force or not _up_to_date(out, wanted):
        make_cine_dataset(out, **{k: v for k, v in params.items() if k in CINE_DEFAULTS}, preset=args.preset)
        state = "wrote"
    else:
        state = "up to date:"
    what = (f"{params['spokes_per_frame']} golden-angle spokes per frame" if args.preset == "cine_radial" else
            f"k-t masks {params['pattern']} R={params['acceleration']:g}")
    print(f"{state} {out} ({args.preset}, family {params['family']}: {params['n_train']} train, {params['n_test']} test "
          f"movies of {params['n_frames']} frames {params['size']}x{params['size']}, {params['n_coils']} coil(s), {what}, "
          f"noise {params['noise_std']:g}, seed {params['seed']}) in {time.perf_counter() - start:.1f} s")
    return 0
