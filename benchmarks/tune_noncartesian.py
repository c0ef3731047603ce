"""Choose the non-Cartesian methods' parameters on the radial training split (never the test split).

    python benchmarks/tune_noncartesian.py [--n 8] [--spokes 96 64 32]
    python benchmarks/tune_noncartesian.py --multicoil [--n 4]     # eight coils, maps from the centre

For each spoke count (the first N golden-angle spokes of the radial preset, noise 0.01, one coil)
prints the mean PSNR and SSIM of the first ``--n`` training images for

* ``cg_nufft``: the number of iterations, without and with density weighting (Pipe-Menon);
* ``tv_nufft``: the TV weight ``lam`` at 40 and at 100 ADMM iterations (the number of iterations is
  tuned with it: stopped early, ADMM is a regulariser too), and the ADMM penalty ``rho`` at the best
  pair (it changes the path, not the solution).

With ``--multicoil`` the images are the first ``--n`` training images of the radial_multicoil preset (drawn in
memory with the preset's seed: the same as the file's), with maps from the centre of k-space as the registry
estimates them, and ``rho`` is not varied.

The chosen values go into ``mrilab.noncartesian.recon`` (``CG_NUFFT_DEFAULTS``,
``TV_NUFFT_BY_SPOKES``) by hand, with the command that chose them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import mrilab
from mrilab.data import DEFAULT_PATHS, generate, load_dataset
from mrilab.noncartesian import cg_nufft, density_compensation, maps_from_center, tv_nufft


def score(ref, images):
    return float(mrilab.psnr(ref, images).mean()), float(mrilab.ssim(ref, images).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_PATHS["radial"])
    parser.add_argument("--n", type=int, default=None, help="training images to score on (default 8; 4 with --multicoil)")
    parser.add_argument("--spokes", type=int, nargs="+", default=[96, 64, 32])
    parser.add_argument("--lams", type=float, nargs="+", default=[0.002, 0.003, 0.005, 0.008, 0.012, 0.018, 0.027])
    parser.add_argument("--iterations", type=int, nargs="+", default=[2, 4, 8, 12, 20, 30, 45, 60])
    parser.add_argument("--multicoil", action="store_true", help="the radial_multicoil preset (eight coils)")
    args = parser.parse_args()
    args.n = args.n or (4 if args.multicoil else 8)
    if args.multicoil:
        train = generate(n_train=args.n, n_test=0, preset="radial_multicoil")["train"]
    else:
        train = load_dataset(args.data, "train", index=slice(0, args.n))
    s, p = train.trajectory.shape[:2]
    shape = train.phantoms.shape[1:]
    for n in args.spokes:
        t = train.trajectory[:n].reshape(-1, 2)
        y = train.kdata[..., :n * p]
        maps = [None] * len(y)
        if args.multicoil:
            w = density_compensation(t, shape, "pipe")
            maps = [maps_from_center(yi, t, shape, weights=w) for yi in y]
        ref = train.phantoms
        print(f"\n{n} spokes, {len(train)} training images{' (eight coils)' if args.multicoil else ''}", flush=True)
        for weighted in (False, True):
            row = []
            for k in args.iterations:
                out = np.stack([np.abs(cg_nufft(yi, t, shape, maps=m, n_iter=k, density_weighted=weighted))
                                for yi, m in zip(y, maps)])
                row.append((k, *score(ref, out)))
            best = max(row, key=lambda r: r[1])
            print(f"  cg_nufft{' (density weighted)' if weighted else ''}: "
                  + ", ".join(f"{k}: {a:.2f}" for k, a, _ in row) + f"  -> n_iter {best[0]} ({best[1]:.2f} dB, "
                  f"SSIM {best[2]:.3f})", flush=True)
        row = []
        for n_iter in (40, 100):
            for lam in args.lams:
                start = time.perf_counter()
                out = np.stack([np.abs(tv_nufft(yi, t, shape, lam, maps=m, n_iter=n_iter)) for yi, m in zip(y, maps)])
                row.append((lam, n_iter, *score(ref, out), (time.perf_counter() - start) / len(y)))
            print(f"  tv_nufft ({n_iter} iterations): " + ", ".join(f"{lam:g}: {a:.2f}/{b:.3f}" for lam, it, a, b, _ in row
                                                               if it == n_iter))
        best = max(row, key=lambda r: r[2])
        print(f"  -> lam {best[0]:g}, {best[1]} iterations: {best[2]:.2f} dB, SSIM {best[3]:.3f} "
              f"({best[4]:.2f} s per image)", flush=True)
        if args.multicoil:
            continue
        for rho in (0.2, 2.0):
            out = np.stack([np.abs(tv_nufft(yi, t, shape, best[0], n_iter=best[1], rho=rho)) for yi in y])
            print(f"     with rho {rho:g} instead of 0.5: {score(ref, out)[0]:.2f} dB")

if __name__ == "__main__":
    main()
