"""The NUFFT's accuracy and the Toeplitz normal operator's speed (Part VI).

    python benchmarks/bench_noncartesian.py [--repeat 20] [--size 128] [--coils 8]

Prints (1) the relative error of ``nufft`` and ``nufft_adjoint`` against the exact non-uniform DFT for
several requested accuracies, on a 48 x 48 white-noise image (the hardest case: a flat spectrum) and on
random positions, (2) the error of ``nufft`` on the Cartesian grid against ``fft2c`` and the adjoint
test, and (3) the time of ``E^H E x`` by NUFFT then adjoint NUFFT (FINUFFT, double precision, plans
made per call as ``nufft`` makes them) against the Toeplitz embedding (:class:`ToeplitzNormal`, two
FFTs on the doubled grid in single precision), with coils, for several spoke counts, and their
relative difference. The kernel's one-off cost (one adjoint NUFFT onto the doubled grid) is printed
too. Run it alone: two processes that use all cores slow each other down.
"""

from __future__ import annotations

import argparse
import time
import timeit

import numpy as np

from mrilab.fourier import fft2c
from mrilab.noncartesian import ToeplitzNormal, ndft, ndft_matrix, nufft, nufft_adjoint, radial_trajectory


def best_time(fn, repeat: int) -> float:
    """The best of ``repeat`` timed runs after one untimed one (plans, caches)."""
    fn()
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs (the best is printed)")
    parser.add_argument("--size", type=int, default=128, help="image side for the timing")
    parser.add_argument("--coils", type=int, default=8)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    print("1. accuracy against the exact DFT (48 x 48 white noise; 3072 radial + 1000 random positions)")
    x = rng.standard_normal((48, 48)) + 1j * rng.standard_normal((48, 48))
    t = np.concatenate([radial_trajectory(32, 96).reshape(-1, 2), rng.uniform(-0.5, 0.5, (1000, 2))])
    y = rng.standard_normal(len(t)) + 1j * rng.standard_normal(len(t))
    exact, exact_adj = ndft(x, t), (ndft_matrix(t, x.shape).conj().T @ y).reshape(x.shape)
    print(f"{'eps':>8s} {'forward':>12s} {'adjoint':>12s}")
    for eps in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10):
        fwd = np.linalg.norm(nufft(x, t, eps=eps) - exact) / np.linalg.norm(exact)
        adj = np.linalg.norm(nufft_adjoint(y, t, x.shape, eps=eps) - exact_adj) / np.linalg.norm(exact_adj)
        print(f"{eps:8.0e} {fwd:12.2e} {adj:12.2e}   ({max(fwd, adj) / eps:.2f} eps)")

    n = 64
    grid = np.stack(np.meshgrid((np.arange(n) - n // 2) / n, (np.arange(n) - n // 2) / n, indexing="ij"), -1)
    z = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    k = fft2c(z)
    on_grid = np.abs(nufft(z, grid.reshape(-1, 2)).reshape(n, n) - k).max() / np.abs(k).max()
    yy = rng.standard_normal(n * n) + 1j * rng.standard_normal(n * n)
    a = nufft(z, grid.reshape(-1, 2))
    adjoint = abs(np.vdot(a, yy) - np.vdot(z, nufft_adjoint(yy, grid.reshape(-1, 2), (n, n)))) / abs(np.vdot(a, yy))
    print(f"\n2. on the Cartesian grid: max |nufft - fft2c| / max |fft2c| = {on_grid:.1e}; "
          f"adjoint test |<Ax, y> - <x, A^H y>| / |<Ax, y>| = {adjoint:.1e}")

    size, coils = args.size, args.coils
    maps = rng.standard_normal((coils, size, size)) + 1j * rng.standard_normal((coils, size, size))
    maps /= np.sqrt(np.sum(np.abs(maps) ** 2, axis=0))
    image = rng.standard_normal((size, size)) + 1j * rng.standard_normal((size, size))
    print(f"\n3. E^H E x at {size} x {size} with {coils} coils (best of {args.repeat})")
    print(f"{'spokes':>7s} {'samples':>8s} {'NUFFT pair':>11s} {'Toeplitz':>9s} {'speed-up':>9s} "
          f"{'rel. diff':>10s} {'kernel (once)':>14s}")
    for spokes in (32, 64, 96, 202):
        traj = radial_trajectory(spokes, 2 * size).reshape(-1, 2)
        start = time.perf_counter()
        normal = ToeplitzNormal(traj, (size, size), maps=maps)
        kernel_seconds = time.perf_counter() - start

        def direct():
            return np.sum(np.conj(maps) * nufft_adjoint(nufft(maps * image, traj), traj, (size, size)), axis=0)

        t_direct = best_time(direct, args.repeat)
        t_toeplitz = best_time(lambda: normal(image), args.repeat)
        diff = np.linalg.norm(normal(image) - direct()) / np.linalg.norm(direct())
        print(f"{spokes:7d} {len(traj):8d} {1e3 * t_direct:9.1f} ms {1e3 * t_toeplitz:6.1f} ms "
              f"{t_direct / t_toeplitz:8.1f}x {diff:10.1e} {1e3 * kernel_seconds:11.1f} ms")


if __name__ == "__main__":
    main()
