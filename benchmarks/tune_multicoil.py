"""Choose the parameters of CG-SENSE, SENSE + TV and GRAPPA on the multicoil training split.

    python benchmarks/tune_multicoil.py [--data data/mri_dataset_multicoil.h5] [--n 20]
    python benchmarks/tune_multicoil.py --accelerations 3 4 6 8 [--n 12]     # Part VII

On the first ``--n`` training images at the dataset's acceleration (R = 4, regular mask with
ACS, 8 coils, noise 0.01), with maps estimated from the ACS as the registry does, prints mean
PSNR and SSIM for every number of CG-SENSE iterations, every TV weight of ``cg_sense_tv``
(150 iterations) and every Tikhonov weight of GRAPPA's calibration (ACS-only windows, and for
comparison the zero-padded windows of ``pygrappa``), and the best by PSNR.
``mrilab.multicoil.CG_SENSE_DEFAULTS``, ``CG_SENSE_TV_DEFAULTS`` and ``GRAPPA_DEFAULTS`` are the
values it printed. With ``--accelerations``, SENSE + TV's weight for each acceleration (regular
masks, fresh noise, the same images): ``SENSE_TV_BY_ACCELERATION``. The test split is never read.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mrilab.data import load_dataset
from mrilab.metrics import psnr, ssim
from mrilab.fourier import ifft2c
from mrilab.multicoil import CG_SENSE_TV_DEFAULTS, cg_sense, cg_sense_tv, estimate_maps, grappa, rss

CG_ITERATIONS = (2, 3, 5, 8, 10, 15, 20, 30, 50)
TV_LAMS = (5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2)
GRAPPA_LAMS = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)


def scores(reference: np.ndarray, images: np.ndarray) -> tuple[float, float]:
    return (float(np.mean([psnr(r, x) for r, x in zip(reference, images)])),
            float(np.mean([ssim(r, x) for r, x in zip(reference, images)])))


def tune_accelerations(data: str, n: int, accelerations: list[float], seed: int) -> None:
    """SENSE + TV's weight for each acceleration (Part VII), on the same ``n`` training images
    measured again with a regular mask of that acceleration and fresh noise of the dataset's level
    (:func:`mrilab.data.remeasure`); prints ``mrilab.multicoil.SENSE_TV_BY_ACCELERATION``."""
    from mrilab.data import remeasure

    train = load_dataset(data, "train", index=slice(0, n))
    sigma = float(train.attrs["noise_std"])
    table = {}
    for r in accelerations:
        t = remeasure(train, r, sigma, seed=seed)
        k, m, ref = t.kspace_undersampled, t.masks, t.phantoms
        maps = np.stack([estimate_maps(k[i], m[i]) for i in range(len(k))])
        print(f"\nR = {r:g} (regular), noise {sigma:g}, {len(k)} training images\nSENSE + TV lam   PSNR    SSIM")
        tv = {}
        for lam in TV_LAMS:
            images = np.abs(np.stack([cg_sense_tv(k[i], m[i], maps[i], lam, n_iter=CG_SENSE_TV_DEFAULTS["n_iter"],
                                                  tau=CG_SENSE_TV_DEFAULTS["tau"]) for i in range(len(k))]))
            tv[lam] = scores(ref, images)
            print(f"{lam:>14g}  {tv[lam][0]:6.2f}  {tv[lam][1]:.4f}", flush=True)
        table[float(r)] = max(tv, key=lambda v: tv[v][0])
    print("\nSENSE_TV_BY_ACCELERATION = {")
    for r, lam in table.items():
        print(f"    {r!r}: dict(lam={lam!r}, n_iter={CG_SENSE_TV_DEFAULTS['n_iter']}, tau={CG_SENSE_TV_DEFAULTS['tau']!r}),")
    print("}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/mri_dataset_multicoil.h5")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--accelerations", type=float, nargs="+", default=None,
                        help="Part VII: tune SENSE + TV's weight for each of these accelerations")
    parser.add_argument("--seed", type=int, default=0, help="masks and noise of --accelerations")
    args = parser.parse_args(argv)
    if args.accelerations:
        tune_accelerations(args.data, args.n, args.accelerations, args.seed)
        return 0
    train = load_dataset(args.data, "train", index=slice(0, args.n))
    k, m, ref = train.kspace_undersampled, train.masks, train.phantoms
    maps = np.stack([estimate_maps(k[i], m[i]) for i in range(len(k))])
    print(f"{args.data}: {len(k)} training images, R = {train.attrs['acceleration']:g} "
          f"({train.attrs['pattern']}), {k.shape[1]} coils, noise {train.attrs['noise_std']:g}")
    start = time.perf_counter()
    print("\nCG-SENSE iterations   PSNR    SSIM")
    results = {}
    for n_iter in CG_ITERATIONS:
        images = np.abs(np.stack([cg_sense(k[i], m[i], maps[i], n_iter=n_iter) for i in range(len(k))]))
        results[n_iter] = scores(ref, images)
        print(f"{n_iter:>19d}  {results[n_iter][0]:6.2f}  {results[n_iter][1]:.4f}")
    best_cg = max(results, key=lambda n: results[n][0])
    print("\nSENSE + TV lam   PSNR    SSIM")
    tv = {}
    for lam in TV_LAMS:
        images = np.abs(np.stack([cg_sense_tv(k[i], m[i], maps[i], lam, n_iter=CG_SENSE_TV_DEFAULTS["n_iter"],
                                              tau=CG_SENSE_TV_DEFAULTS["tau"]) for i in range(len(k))]))
        tv[lam] = scores(ref, images)
        print(f"{lam:>14g}  {tv[lam][0]:6.2f}  {tv[lam][1]:.4f}")
    best_tv = max(tv, key=lambda v: tv[v][0])
    print("\nGRAPPA lam   ACS-only PSNR   SSIM   padded PSNR   SSIM")
    gr = {}
    for lam in GRAPPA_LAMS:
        row = [scores(ref, rss(ifft2c(grappa(k, m, lam=lam, padded_calibration=padded)))) for padded in (False, True)]
        gr[lam] = row[0]
        print(f"{lam:>10g}  {row[0][0]:13.2f}  {row[0][1]:.4f}  {row[1][0]:11.2f}  {row[1][1]:.4f}")
    best_gr = max(gr, key=lambda v: gr[v][0])
    print(f"\nbest by PSNR: CG_SENSE_DEFAULTS = dict(n_iter={best_cg}); CG_SENSE_TV_DEFAULTS lam = {best_tv:g}; "
          f"GRAPPA_DEFAULTS lam = {best_gr:g}  ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
