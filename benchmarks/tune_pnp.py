"""Choose plug-and-play's schedule on the realistic training split.

    python benchmarks/tune_pnp.py [--data data/mri_dataset_realistic.h5] [--n 12] [--weights realistic]
    python benchmarks/tune_pnp.py --family randomized --weights randomized --n 8

On the last ``--n`` training images (R = 4, noise 0.01, as stored), which the denoiser's training
held out for validation (``--n-val 20``), grid-searches the number of iterations,
the noise schedule (``sigma_max`` down to ``sigma_min``) and the data weight ``lam`` of
:func:`mrilab.pnp.pnp_hqs`, prints mean PSNR and SSIM for each and the best by PSNR:
``mrilab.pnp.PNP_DEFAULTS`` holds the values it printed. The test split is never read.

``--family randomized`` tunes the domain-randomised denoiser on its own kind of images instead:
``--n`` randomized objects drawn with seed 1 (the denoiser was trained on seed 0's), at R = 4 and
noise 0.01 as the realistic data; ``mrilab.pnp.PNP_SCHEDULES["randomized"]`` holds what it printed.
No ellipse phantom and no real image is read.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

import mrilab
from mrilab.pnp import pnp_hqs
from mrilab.registry import weights_path
from mrilab.train import load_model

ITERATIONS = (8, 16)
SIGMA_MAX = (0.1, 0.2)
SIGMA_MIN = (0.005, 0.01, 0.02, 0.04)
LAMS = (0.03, 0.3, 3.0)
#: then, at the best schedule of the grid, more iterations (``--more``)
MORE_ITERATIONS = (24, 32)
FINALS = ("data", "denoiser")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/mri_dataset_realistic.h5")
    parser.add_argument("--n", type=int, default=12)
    parser.add_argument("--weights", default="realistic", help="the denoiser's weight set or a checkpoint")
    parser.add_argument("--family", choices=["realistic", "randomized"], default="realistic",
                        help="tune on held-out realistic training images, or on randomized objects of seed 1")
    parser.add_argument("--iterations", type=int, nargs="+", default=list(ITERATIONS),
                        help=f"iterations of the grid (default {ITERATIONS})")
    args = parser.parse_args(argv)
    if args.family == "randomized":
        train = mrilab.data.generate(n_train=args.n, n_test=0, preset="realistic", family="randomized",
                                     seed=1)["train"]
    else:
        train = mrilab.load_dataset(args.data, "train")
    idx = slice(len(train) - args.n, len(train))  # held out from the denoiser's training
    y, m, ref = train.kspace_undersampled[idx], train.masks[idx], train.phantoms[idx]
    sigma = float(train.attrs.get("noise_std", 0.0))
    model = load_model(weights_path("denoiser", args.weights), expected="NoiseLevelDenoiser")
    print(f"{len(y)} training images, R = {train.attrs['acceleration']:g}, noise {sigma:g}; zero filled "
          f"{mrilab.psnr(ref, mrilab.zero_filled(y)).mean():.2f} dB")
    best, start = None, time.perf_counter()
    for iterations, smax, smin, lam, final in itertools.product(args.iterations, SIGMA_MAX, SIGMA_MIN, LAMS, FINALS):
        if smin > smax:
            continue
        out = pnp_hqs(y, m, model, noise_std=sigma, iterations=iterations, sigma_max=smax, sigma_min=smin, lam=lam,
                      final=final)
        p, s = mrilab.psnr(ref, out).mean(), mrilab.ssim(ref, out).mean()
        print(f"  iterations {iterations:2d}  sigma {smax:<5g} -> {smin:<6g}  lam {lam:<4g}  ending {final:8s}  "
              f"PSNR {p:6.2f}  SSIM {s:.4f}", flush=True)
        if best is None or p > best[0]:
            best = (p, dict(iterations=iterations, sigma_max=smax, sigma_min=smin, lam=lam, final=final))
    print(f"best by PSNR: {best[1]} ({best[0]:.2f} dB); {time.perf_counter() - start:.0f} s")
    for iterations in MORE_ITERATIONS:
        for final in FINALS:
            p = {**best[1], "iterations": iterations, "final": final}
            out = pnp_hqs(y, m, model, noise_std=sigma, **p)
            print(f"  {p}: PSNR {mrilab.psnr(ref, out).mean():6.2f}  SSIM {mrilab.ssim(ref, out).mean():.4f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
