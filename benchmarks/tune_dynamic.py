"""Choose the parameters of Part XI's dynamic methods on the training split.

    python benchmarks/tune_dynamic.py [--n 6] [--accelerations 4 8 12] [--spokes 21 13 8] [--n-radial 2]

On the first ``--n`` movies of the ``cine_multicoil`` training split (the book's seed 0), measured
again with random k-t masks at each acceleration (:func:`mrilab.data.cine.remeasure_cine`, seed 1),
with maps from each movie's time-averaged k-space: grid-searches the width of the sliding window,
the spatial weight of frame-by-frame TV (``frame_tv``), the temporal weight of ``temporal_tv`` and
the two thresholds of ``l_plus_s``, every one by mean movie PSNR over the box around the heart
(:func:`mrilab.metrics.movie_psnr` with ``region=`` :func:`mrilab.data.cine.heart_box`: the part of the movie a
reader looks at, and the metric Part XI claims); the PSNR over the whole field of view is printed too. A choice
on the edge of its grid is flagged (the grid should then be widened). With ``--convergence``, each method with
its chosen parameters at 100 and at 400 iterations on the first training movie at R = 8: what stopping at the
registry's 100 costs each.
On the ``cine_radial`` training split, GRASP's temporal weight for each number of spokes per frame.
It prints every result and the tables of :mod:`mrilab.dynamic.tuned`. The test split is never read.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from mrilab.data.cine import generate_cine, heart_box, remeasure_cine
from mrilab.dynamic import FRAME_TV_DEFAULTS, KTOperator, l_plus_s, sliding_window, temporal_tv, time_averaged_maps
from mrilab.metrics import movie_psnr

GRIDS = {
    "sliding_window": [dict(width=w) for w in (1, 2, 4, 6, 8, 10)],
    "frame_tv": [dict(lam_s=v) for v in (0.001, 0.002, 0.004, 0.008, 0.016)],
    "temporal_tv": [dict(lam_t=v) for v in (0.0025, 0.005, 0.01, 0.02, 0.04)],
    "l_plus_s": [dict(lam_l=a, lam_s=b) for a, b in itertools.product((0.01, 0.03), (0.003, 0.01, 0.03, 0.1))],
}
GRASP_GRID = [dict(lam_t=v) for v in (0.005, 0.01, 0.02, 0.04)]


def on_edge(grid, best):
    """Whether any parameter of ``best`` is the smallest or largest value its grid tried."""
    return any(best[k] in (min(p[k] for p in grid), max(p[k] for p in grid)) and len({p[k] for p in grid}) > 1
               for k in best)


def run(name, op, k, masks, maps, p):
    if name == "sliding_window":
        shared, _ = sliding_window(k, masks, p["width"])
        return np.abs(KTOperator(np.ones_like(masks), maps).adjoint(shared))
    if name == "frame_tv":
        return np.abs(temporal_tv(op, k, lam_t=0.0, lam_s=p["lam_s"], tau=FRAME_TV_DEFAULTS["tau"]))
    if name == "temporal_tv":
        return np.abs(temporal_tv(op, k, lam_t=p["lam_t"]))
    low, sparse = l_plus_s(op, k, lam_l=p["lam_l"], lam_s=p["lam_s"])
    return np.abs(low + sparse)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6)
    parser.add_argument("--accelerations", type=float, nargs="*", default=[4, 8, 12])
    parser.add_argument("--spokes", type=int, nargs="*", default=[21, 13, 8])
    parser.add_argument("--n-radial", type=int, default=2, help="training movies for GRASP's weight")
    parser.add_argument("--convergence", action="store_true")
    parser.add_argument("--methods", nargs="+", default=list(GRIDS))
    args = parser.parse_args(argv)
    train = generate_cine(args.n, 0, preset="cine_multicoil")["train"]
    tables = {name: {} for name in args.methods}
    for r in args.accelerations:
        split = remeasure_cine(train, r, seed=1)
        cases = []
        for i in range(len(split)):
            k, m = split.kspace_undersampled[i], split.masks[i]
            maps = time_averaged_maps(k, m)
            cases.append((KTOperator(m, maps), k, m, maps, split.phantoms[i], heart_box(split.labels[i])))
        for name in args.methods:
            scores = []
            for p in GRIDS[name]:
                start = time.time()
                got = [(ref, run(name, op, k, m, maps, p), box) for op, k, m, maps, ref, box in cases]
                value = float(np.mean([movie_psnr(ref, x, region=box) for ref, x, box in got]))
                whole = float(np.mean([movie_psnr(ref, x) for ref, x, box in got]))
                scores.append(value)
                print(f"R={r:g} {name} {p}: heart {value:.2f} dB, whole {whole:.2f} dB ({time.time() - start:.0f} s)",
                      flush=True)
            best = GRIDS[name][int(np.argmax(scores))]
            tables[name][r] = best
            print(f"R={r:g} {name} best {best}" + ("  ON THE GRID'S EDGE" if on_edge(GRIDS[name], best) else ""),
                  flush=True)
        if args.convergence and r == 8:
            op, k, m, maps, ref, box = cases[0]
            for name in ("frame_tv", "temporal_tv", "l_plus_s"):
                if name not in tables:
                    continue
                p = tables[name][r]
                got = {}
                for n_iter in (100, 400):
                    if name == "l_plus_s":
                        low, sparse = l_plus_s(op, k, **p, n_iter=n_iter, tol=0.0)
                        x = np.abs(low + sparse)
                    else:
                        x = np.abs(temporal_tv(op, k, lam_t=p.get("lam_t", 0.0), lam_s=p.get("lam_s", 0.0),
                                               n_iter=n_iter, tau=FRAME_TV_DEFAULTS["tau"] if name == "frame_tv" else None))
                    got[n_iter] = movie_psnr(ref, x, region=box)
                print(f"convergence R=8 {name} {p}: 100 iterations {got[100]:.2f} dB, 400 {got[400]:.2f} dB", flush=True)
    for name, table in tables.items():
        print(f"{name.upper()}_BY_ACCELERATION = {table}")
    if args.spokes:
        from mrilab.dynamic import RadialKTOperator
        from mrilab.noncartesian import density_compensation, maps_from_center

        radial = generate_cine(args.n_radial, 0, preset="cine_radial")["train"]
        table = {}
        for n in args.spokes:
            traj = radial.trajectory[:, :n].reshape(len(radial.trajectory), -1, 2)
            shape = radial.images.shape[-2:]
            weights = np.stack([density_compensation(t, shape, "pipe") for t in traj])
            cases = []
            for i in range(len(radial)):
                y = radial.kdata[i][:, :, :n].reshape(len(traj), radial.kdata.shape[2], -1)
                maps = maps_from_center(y.transpose(1, 0, 2).reshape(y.shape[1], -1), traj.reshape(-1, 2), shape)
                op = RadialKTOperator(traj, shape, maps, weights)
                cases.append((op, y * np.sqrt(weights)[:, None].astype(np.float32), radial.phantoms[i],
                              heart_box(radial.labels[i])))
            scores = []
            for p in GRASP_GRID:
                start = time.time()
                value = float(np.mean([movie_psnr(ref, np.abs(temporal_tv(op, y, lam_t=p["lam_t"])), region=box)
                                       for op, y, ref, box in cases]))
                scores.append(value)
                print(f"spokes={n} grasp {p}: {value:.2f} dB ({time.time() - start:.0f} s)", flush=True)
            table[n] = GRASP_GRID[int(np.argmax(scores))]
            print(f"spokes={n} grasp best {table[n]}" + ("  ON THE GRID'S EDGE" if on_edge(GRASP_GRID, table[n]) else ""),
                  flush=True)
        print(f"GRASP_BY_SPOKES = {table}")


if __name__ == "__main__":
    main()
