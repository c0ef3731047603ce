"""Chapter 12's comparison on the realistic test phantoms: every method at R = 4 and R = 6.

    python benchmarks/bench_unrolled.py [--data data/mri_dataset_realistic.h5] [--repeats 3]

Prints, for each acceleration, mean PSNR/SSIM/RMSE, seconds per image (the best of
``--repeats`` timed runs over the whole test split, each method alone after an untimed run), the number of
parameters, and the unrolled network's wins over each rival. The R = 6 test set is generated
like the R = 4 one (``generate(..., acceleration=6)``). Asserts nothing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import mrilab
from mrilab.compare import method_label, paired_test, run_methods
from mrilab.data import generate, load_dataset
from mrilab.registry import weights_path

METHODS = ["zero_filled", "tv_cs", "wavelet_cs", "cascade", "unrolled"]


def parameters(label: str) -> str:
    name = label.split("[")[0]
    if name not in ("cascade", "unrolled"):
        return "-"
    model = mrilab.load_model(weights_path(name, "realistic"))
    return f"{sum(p.numel() for p in model.parameters()):,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/mri_dataset_realistic.h5")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    test = load_dataset(args.data, "test")
    sigma = test.attrs["noise_std"]
    tests = {4: test, 6: generate(n_train=0, n_test=len(test), preset="realistic", acceleration=6,
                                  seed=test.attrs["seed"])["test"]}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {len(test)} realistic test images, "
          f"noise {sigma}")
    unrolled = method_label("unrolled", "realistic")
    for R, t in tests.items():
        recons, best = {}, {}
        for name in METHODS:  # each method alone: one untimed run (loading, warm-up), then the best of the timed ones
            run_methods([name], t.kspace_undersampled, t.masks, noise_std=sigma, weights=("realistic",))
            for _ in range(args.repeats):
                rec, seconds = run_methods([name], t.kspace_undersampled, t.masks, noise_std=sigma,
                                           weights=("realistic",))
                recons.update(rec)
                best = {k: min(v, best.get(k, np.inf)) for k, v in {**best, **seconds}.items()}
        scores = {name: mrilab.evaluate(t.phantoms, r) for name, r in recons.items()}
        print(f"\nR = {R}")
        print("| method | PSNR (dB) | SSIM | RMSE | s / image | parameters | unrolled wins (PSNR, SSIM) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, s in scores.items():
            wins = ""
            if name != unrolled:
                wins = " / ".join(f"{paired_test(scores, unrolled, name, m)['wins']}" for m in ("psnr", "ssim"))
            print(f"| {name} | {s['psnr'].mean():.2f} | {s['ssim'].mean():.4f} | {s['rmse'].mean():.4f} | "
                  f"{best[name]:.4f} | {parameters(name)} | {wins} |")
        print(f"TV-CS / unrolled time per image: {best['tv_cs'] / best[unrolled]:.1f}")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"\n{time.perf_counter() - start:.0f} s")
