"""Choose the parameters of the classical methods on the training split.

    python benchmarks/tune_classical.py [--data data/mri_dataset.h5] [--n 20]
    python benchmarks/tune_classical.py --preset realistic [--n 20] [--noise 0 0.005 0.01 0.02 0.04]
    python benchmarks/tune_classical.py --preset realistic --accelerations 3 4 6 8 --noise 0 0.01 0.03

Seed data (the default): grid-searches the TV weight of ``tv_denoise`` (on zero-filled
images), the TV weight and primal step of ``tv_cs`` (at its default iteration count) and
the wavelet and weight of ``wavelet_cs`` on the first ``--n`` training phantoms, and prints
every result and the best. ``tv_cs`` and ``wavelet_cs`` are chosen by mean PSNR.
``tv_denoise`` is chosen by mean SSIM: by PSNR the best TV weight is the smallest in the grid
(PSNR falls as the weight grows), which would make the method practically the same as zero
filling. The defaults in ``mrilab.registry``, ``mrilab.tv.TV_CS_DEFAULTS`` and
``mrilab.wavelet.WAVELET_CS_DEFAULTS`` are the values this script printed.

Realistic data (``--preset realistic``): for each noise level, makes ``--n`` realistic
training phantoms with that noise (``make_dataset(..., preset="realistic", noise_std=s)``,
the training stream of the same seed) and chooses ``tv_cs``'s (lam, tau) and
``wavelet_cs``'s (wavelet, lam, iterations) by mean PSNR; it ends by printing the tables
``mrilab.tv.TV_CS_BY_NOISE`` and ``mrilab.wavelet.WAVELET_CS_BY_NOISE``.

With ``--accelerations`` (Part VII): ``tv_cs``'s weight for every acceleration and noise level,
on the first ``--n`` images of the realistic training split measured again under each protocol;
it prints ``mrilab.tv.TV_CS_BY_ACCELERATION``.

The test split is never read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import mrilab
from mrilab.tv import TV_CS_DEFAULTS
from mrilab.wavelet import WAVELET_CS_DEFAULTS, wavelet_cs

TV_LAMS = (3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 4e-2)
WAVELET_LAMS = (3e-4, 1e-3, 3e-3, 1e-2)
WAVELETS = ("haar", "sym4")
WAVELET_ITERS = (100, 200, 400)
REALISTIC_ITER = 200


def search(label, run, grid, target):
    """Evaluate ``run(**params)`` on each point of ``grid``; print and return the best by PSNR."""
    best = None
    for params in grid:
        start = time.perf_counter()
        x = run(**params)
        sec = (time.perf_counter() - start) / len(target)
        s = mrilab.evaluate(target, np.abs(x))
        print(f"  {label} {params}  PSNR {s['psnr'].mean():6.2f}  SSIM {s['ssim'].mean():.4f}  {sec:.3f} s",
              flush=True)
        if best is None or s["psnr"].mean() > best[0]:
            best = (s["psnr"].mean(), params)
    print(f"  best by PSNR: {best[1]} ({best[0]:.2f} dB)")
    return best[1]


def tune_seed(data: str, n: int) -> None:
    train = mrilab.load_dataset(data, "train", index=slice(0, n))
    y, m = train.kspace_undersampled, train.masks
    zf = mrilab.zero_filled(y)
    print(f"tuning on {len(train)} training phantoms; zero-filled PSNR "
          f"{mrilab.evaluate(train.phantoms, zf)['psnr'].mean():.2f} dB")

    print("\ntv_denoise (of the zero-filled image): lam -> mean PSNR / SSIM")
    best = None
    for lam in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2):
        s = mrilab.evaluate(train.phantoms, mrilab.tv_denoise(zf, lam))
        print(f"  lam={lam:<6g} PSNR {s['psnr'].mean():6.2f}  SSIM {s['ssim'].mean():.4f}")
        if best is None or s["ssim"].mean() > best[0]:
            best = (s["ssim"].mean(), lam)
    print(f"  best lam by SSIM: {best[1]}")

    n_iter = TV_CS_DEFAULTS["n_iter"]
    print(f"\ntv_cs ({n_iter} iterations)")
    search("tv_cs", lambda lam, tau: mrilab.tv_cs(y, m, lam, n_iter=n_iter, tau=tau),
           [dict(lam=lam, tau=tau) for lam in (1e-4, 2e-4, 5e-4, 1e-3) for tau in (10.0, 20.0, 40.0, 80.0)],
           train.phantoms)

    n_iter = WAVELET_CS_DEFAULTS["n_iter"]
    print(f"\nwavelet_cs ({n_iter} iterations, level {WAVELET_CS_DEFAULTS['level']})")
    search("wavelet_cs", lambda wavelet, lam: wavelet_cs(y, m, lam, wavelet=wavelet, n_iter=n_iter),
           [dict(wavelet=w, lam=lam) for w in ("haar", "db2", "db4") for lam in (1e-4, 3e-4, 1e-3, 3e-3)],
           train.phantoms)


def tune_wavelet(y, m, target) -> dict:
    """Wavelet and weight of ``wavelet_cs`` on realistic training data, by mean PSNR.

    Every (wavelet, lam) runs once for the largest iteration count, scored along the way at
    each count of ``WAVELET_ITERS``: the cycle-spun iteration does not converge to a fixed
    point (module docstring of :mod:`mrilab.wavelet`), so the count is a parameter too, and
    the printout shows how much the result still moves between counts.
    """
    best = None
    for wavelet in WAVELETS:
        for lam in WAVELET_LAMS:
            at = {}
            start = time.perf_counter()
            wavelet_cs(y, m, lam, wavelet=wavelet, n_iter=max(WAVELET_ITERS),
                       callback=lambda i, x: at.__setitem__(i + 1, mrilab.evaluate(target, np.abs(x)))
                       if i + 1 in WAVELET_ITERS else None)
            sec = (time.perf_counter() - start) / len(target)
            row = "  ".join(f"{it}: {at[it]['psnr'].mean():6.2f} / {at[it]['ssim'].mean():.4f}" for it in WAVELET_ITERS)
            print(f"  wavelet_cs {wavelet:5s} lam={lam:<7g} PSNR / SSIM after {row}  ({sec:.2f} s)", flush=True)
            for it in WAVELET_ITERS:
                if best is None or at[it]["psnr"].mean() > best[0]:
                    best = (at[it]["psnr"].mean(), dict(lam=lam, n_iter=it, wavelet=wavelet, level=4))
    print(f"  best by PSNR: {best[1]} ({best[0]:.2f} dB)")
    return best[1]


def tune_realistic(n: int, levels: list[float], seed: int, methods: list[str]) -> None:
    tv_table, wavelet_table = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in levels:
            path = mrilab.make_dataset(Path(tmp) / f"noise{s}.h5", n_train=n, n_test=0, preset="realistic",
                                       noise_std=s, seed=seed)
            train = mrilab.load_dataset(path, "train")
            y, m = train.kspace_undersampled, train.masks
            zf = mrilab.evaluate(train.phantoms, mrilab.zero_filled(y))["psnr"].mean()
            print(f"\nnoise {s:g}: {n} realistic training phantoms, zero-filled PSNR {zf:.2f} dB", flush=True)
            if "tv_cs" in methods:
                best = search("tv_cs", lambda lam, tau: mrilab.tv_cs(y, m, lam, n_iter=REALISTIC_ITER, tau=tau),
                              [dict(lam=lam, tau=tau) for lam in TV_LAMS for tau in (20.0, 80.0)], train.phantoms)
                tv_table[s] = dict(best, n_iter=REALISTIC_ITER)
            if "wavelet_cs" in methods:
                wavelet_table[s] = tune_wavelet(y, m, train.phantoms)
    print("\nTV_CS_BY_NOISE = {")
    for s, p in tv_table.items():
        print(f"    {s!r}: dict(lam={p['lam']!r}, n_iter={p['n_iter']}, tau={p['tau']!r}),")
    print("}\nWAVELET_CS_BY_NOISE = {")
    for s, p in wavelet_table.items():
        print(f"    {s!r}: dict(lam={p['lam']!r}, n_iter={p['n_iter']}, wavelet={p['wavelet']!r}, level=4),")
    print("}")


def tune_accelerations(data: str, n: int, accelerations: list[float], levels: list[float], seed: int) -> None:
    """``tv_cs``'s (lam, tau) for every acceleration and noise level (Part VII), by mean PSNR.

    The first ``n`` images of the realistic training split, measured again under each protocol
    (:func:`mrilab.data.remeasure`: fresh random masks and noise), so every protocol is tuned on
    the same images. Prints ``mrilab.tv.TV_CS_BY_ACCELERATION``.
    """
    train = mrilab.load_dataset(data, "train", index=slice(0, n))
    table: dict[float, dict[float, dict]] = {}
    for r in accelerations:
        for s in levels:
            t = mrilab.data.remeasure(train, r, s, seed=seed)
            y, m = t.kspace_undersampled, t.masks
            zf = mrilab.evaluate(t.phantoms, mrilab.zero_filled(y))["psnr"].mean()
            print(f"\nR = {r:g}, noise {s:g}: {n} realistic training images, zero-filled PSNR {zf:.2f} dB", flush=True)
            best = search("tv_cs", lambda lam, tau: mrilab.tv_cs(y, m, lam, n_iter=REALISTIC_ITER, tau=tau),
                          [dict(lam=lam, tau=tau) for lam in TV_LAMS for tau in (20.0,)], t.phantoms)
            table.setdefault(float(r), {})[float(s)] = dict(best, n_iter=REALISTIC_ITER)
    print("\nTV_CS_BY_ACCELERATION = {")
    for r, rows in table.items():
        print(f"    {r!r}: {{")
        for s, p in rows.items():
            print(f"        {s!r}: dict(lam={p['lam']!r}, n_iter={p['n_iter']}, tau={p['tau']!r}),")
        print("    },")
    print("}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--preset", choices=["seed", "realistic"], default="seed")
    parser.add_argument("--data", default="data/mri_dataset.h5", help="the seed dataset (seed preset)")
    parser.add_argument("--n", type=int, default=20, help="training phantoms used")
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.005, 0.01, 0.02, 0.04],
                        help="noise levels (realistic preset)")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (realistic preset)")
    parser.add_argument("--methods", nargs="+", default=["tv_cs", "wavelet_cs"], choices=["tv_cs", "wavelet_cs"],
                        help="methods to tune (realistic preset)")
    parser.add_argument("--accelerations", type=float, nargs="+", default=None,
                        help="realistic preset, Part VII: tune tv_cs for each of these accelerations and each "
                             "--noise level, on the images of --data's training split measured again")
    args = parser.parse_args()
    if args.accelerations:
        data = args.data if args.data != "data/mri_dataset.h5" else "data/mri_dataset_realistic.h5"
        tune_accelerations(data, args.n, args.accelerations, args.noise, args.seed)
    elif args.preset == "seed":
        tune_seed(args.data, args.n)
    else:
        tune_realistic(args.n, args.noise, args.seed, args.methods)


if __name__ == "__main__":
    main()
