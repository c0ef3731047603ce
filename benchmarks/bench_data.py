"""How long each dataset takes to make (the realistic one must stay under a minute on 2 cores).

    python benchmarks/bench_data.py [--repeat 1]

Writes each preset's default dataset (500 + 20, or the 11 brain slices) to a temporary
folder and prints the wall time and the file size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import mrilab
from mrilab.data import DEFAULT_PATHS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per preset (the best is printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for preset in DEFAULT_PATHS:
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                path = mrilab.make_dataset(Path(tmp) / f"{preset}.h5", preset=preset)
                times.append(time.perf_counter() - start)
            test = mrilab.load_dataset(path, "test")
            n = test.attrs["n_train"] + test.attrs["n_test"]
            print(f"{preset:10s} {n:4d} samples in {min(times):5.1f} s ({1000 * min(times) / n:5.1f} ms each), "
                  f"{path.stat().st_size / 2 ** 20:5.0f} MiB")


if __name__ == "__main__":
    main()
