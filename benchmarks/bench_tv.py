"""Speed of the TV methods on 2 CPU cores: prints the figures, asserts nothing.

    python benchmarks/bench_tv.py [--data data/mri_dataset.h5]

* ``mrilab.tv_denoise`` beside ``skimage.restoration.denoise_tv_chambolle`` at the same
  parameters (weight = lam, same iteration cap and tolerance) on the 20 zero-filled test
  images, with the largest difference of their results;
* ``mrilab.tv_cs`` at its defaults on the batch of 20 test images (seconds per image);
* one redraw of the TV-denoising slider of chapter 5 (denoise one image, draw the image,
  the error map and the metrics).
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from skimage.restoration import denoise_tv_chambolle  # noqa: E402

import mrilab  # noqa: E402
from mrilab.registry import TV_DENOISE_DEFAULTS  # noqa: E402
from mrilab.tv import TV_CS_DEFAULTS  # noqa: E402


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the TV methods.")
    parser.add_argument("--data", default="data/mri_dataset.h5")
    args = parser.parse_args()
    test = mrilab.load_dataset(args.data, "test")
    n = len(test)
    zf = mrilab.zero_filled(test.kspace_undersampled)
    lam = TV_DENOISE_DEFAULTS["lam"]

    print(f"tv_denoise, lam = skimage weight = {lam}, max_iter 200, tol 2e-4, {n} images 128x128")
    for dtype in (np.float32, np.float64):
        z = zf.astype(dtype)
        ours = best_of(lambda: mrilab.tv_denoise(z, lam))
        ref = best_of(lambda: [denoise_tv_chambolle(im, weight=lam) for im in z])
        diff = np.abs(mrilab.tv_denoise(z, lam)
                      - np.stack([denoise_tv_chambolle(im, weight=lam) for im in z])).max()
        print(f"  {np.dtype(dtype).name}: mrilab {1e3 * ours / n:6.2f} ms/image   "
              f"scikit-image {1e3 * ref / n:6.2f} ms/image   ratio {ours / ref:4.2f}   "
              f"max |difference| {diff:.1e}")

    print(f"\ntv_cs at its defaults {TV_CS_DEFAULTS}, batch of {n}")
    start = time.perf_counter()
    x = mrilab.tv_cs(test.kspace_undersampled, test.masks)
    sec = time.perf_counter() - start
    psnr = mrilab.psnr(test.phantoms, np.abs(x)).mean()
    print(f"  {sec / n:.3f} s/image ({sec:.1f} s for the batch), mean PSNR {psnr:.2f} dB")

    print("\nchapter 5 slider: one redraw (denoise, draw image + error map, metrics)")
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    gt, img = test.phantoms[0], zf[0]

    def redraw(value: float) -> None:
        u = mrilab.tv_denoise(img, value)
        for ax in axes:
            ax.clear()
        axes[0].imshow(u, cmap="gray", vmin=0, vmax=1)
        axes[1].imshow(np.abs(u - gt), cmap="magma", vmin=0, vmax=0.5)
        s = mrilab.evaluate(gt, u)
        axes[2].text(0.1, 0.5, f"PSNR {s['psnr'][0]:.2f}\nSSIM {s['ssim'][0]:.3f}")
        fig.canvas.draw()

    times = [best_of(lambda v=v: redraw(v), repeat=3) for v in (0.01, 0.05, 0.1, 0.3)]
    print(f"  {1e3 * max(times):.0f} ms worst, {1e3 * np.mean(times):.0f} ms mean")


if __name__ == "__main__":
    main()
