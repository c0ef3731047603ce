"""Quality and speed of the multi-coil methods on the multicoil test split (Part V).

    python benchmarks/bench_multicoil.py [--data data/mri_dataset_multicoil.h5] [--r 4 8] [--repeats 3]

For each acceleration: the regular mask of chapter 15 (every R-th column, ACS 8 %), the
test split's noise-free k-space with fresh coil noise of the dataset's level (seed 0), every
multi-coil method of the registry with maps estimated from the ACS. Prints mean PSNR, SSIM,
RMSE, the number of images on which the multi-coil unrolled network beats each method in
PSNR and in SSIM, and seconds per image: the best of ``--repeats`` runs, each method timed
alone after an untimed run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import mrilab
from mrilab.data import load_dataset
from mrilab.multicoil import coil_noise, noise_covariance
from mrilab.registry import methods


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/mri_dataset_multicoil.h5")
    parser.add_argument("--r", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    test = load_dataset(args.data, "test")
    n, c, h, w = test.kspace_full.shape
    psi = noise_covariance(c, test.attrs["noise_std"])
    names = list(methods(multicoil=True, special=False))
    rng = np.random.default_rng(0)
    for r in args.r:
        mask = mrilab.cartesian_mask((h, w), r, 0.08, pattern="regular")
        y = (test.kspace_full + coil_noise(rng, test.kspace_full.shape, psi)) * mask
        rows = {}
        for name in names:
            mrilab.reconstruct(name, y[:1], mask)  # untimed: loads weights, warms caches
            best = np.inf
            for _ in range(args.repeats):
                start = time.perf_counter()
                out = mrilab.reconstruct(name, y, mask)
                best = min(best, (time.perf_counter() - start) / n)
            rows[name] = (mrilab.evaluate(test.phantoms, out), best)
        net = rows["unrolled_multicoil"][0]
        print(f"\nR = {r} (effective {mrilab.effective_acceleration(mask):.2f}), {n} test images, {c} coils")
        print(f"{'method':>20}  PSNR (dB)   SSIM    RMSE   s/image  unrolled wins PSNR/SSIM")
        for name, (scores, sec) in rows.items():
            wins = (f"{int(np.sum(net['psnr'] > scores['psnr']))}/{int(np.sum(net['ssim'] > scores['ssim']))}"
                    if name != "unrolled_multicoil" else "")
            print(f"{name:>20}  {scores['psnr'].mean():9.2f}  {scores['ssim'].mean():.4f}  "
                  f"{scores['rmse'].mean():.4f}  {sec:7.3f}  {wins:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
