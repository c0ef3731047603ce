"""Choose the default parameters of the classical methods on the training split.

    python benchmarks/tune_classical.py [--data data/mri_dataset.h5] [--n 20]

Grid-searches the TV weight of ``tv_denoise`` (on zero-filled images) and the TV
weight and primal step of ``tv_cs`` (at its default iteration count) on the first
``--n`` training phantoms and prints every result and the best. ``tv_cs`` is chosen
by mean PSNR. ``tv_denoise`` is chosen by mean SSIM: by PSNR the best TV weight is
the smallest (denoising a zero-filled image never raises its PSNR), which would make
the method the same as zero filling.
The test split is never read. The defaults in ``mrilab.registry`` and
``mrilab.tv.TV_CS_DEFAULTS`` are the values this script printed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import mrilab
from mrilab.tv import TV_CS_DEFAULTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--data", default="data/mri_dataset.h5")
    parser.add_argument("--n", type=int, default=20, help="training phantoms used")
    args = parser.parse_args()
    train = mrilab.load_dataset(args.data, "train", index=slice(0, args.n))
    zf = mrilab.zero_filled(train.kspace_undersampled)
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
    print(f"\ntv_cs ({n_iter} iterations): lam, tau -> mean PSNR / SSIM, s per image")
    best = None
    for lam in (1e-4, 2e-4, 5e-4, 1e-3):
        for tau in (10.0, 20.0, 40.0, 80.0):
            start = time.perf_counter()
            x = mrilab.tv_cs(train.kspace_undersampled, train.masks, lam, n_iter=n_iter, tau=tau)
            sec = (time.perf_counter() - start) / len(train)
            s = mrilab.evaluate(train.phantoms, np.abs(x))
            print(f"  lam={lam:<6g} tau={tau:<5g} PSNR {s['psnr'].mean():6.2f}  "
                  f"SSIM {s['ssim'].mean():.4f}  {sec:.3f} s")
            if best is None or s["psnr"].mean() > best[0]:
                best = (s["psnr"].mean(), lam, tau)
    print(f"  best by PSNR: lam={best[1]}, tau={best[2]}")


if __name__ == "__main__":
    main()
