"""Inference time of the shipped networks on the 20 test phantoms (2 CPU cores): prints, asserts nothing.

    python benchmarks/bench_networks.py [--data data/mri_dataset.h5]
"""

from __future__ import annotations

import argparse
import time

import torch

import mrilab
from mrilab.registry import weights_path


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the shipped networks.")
    parser.add_argument("--data", default="data/mri_dataset.h5")
    args = parser.parse_args()
    test = mrilab.load_dataset(args.data, "test")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {len(test)} test phantoms")
    for name in ("kspace_unet", "cascade"):
        mrilab.reconstruct(name, test.kspace_undersampled[:2], test.masks[:2])  # load and warm up
        times = []
        for _ in range(5):
            start = time.perf_counter()
            mrilab.reconstruct(name, test.kspace_undersampled, test.masks)
            times.append(time.perf_counter() - start)
        model = mrilab.load_model(weights_path(name))
        print(f"  {name:12s} {min(times):.3f} s for all {len(test)} (best of 5), "
              f"{1000 * min(times) / len(test):.1f} ms per image, "
              f"{sum(p.numel() for p in model.parameters()):,} parameters, trained in "
              f"{model.info['train_seconds']:.0f} s")


if __name__ == "__main__":
    main()
