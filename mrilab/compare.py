"""Compare reconstruction methods on the test split: tables, paired tests, figures.

Command line (replaces the research study's comparison scripts)::

    python -m mrilab.compare [--data data/mri_dataset.h5] [--out reports] [--methods zero_filled tv_cs ...]
                             [--weights seed realistic]

runs every method of :func:`mrilab.reconstruct` on the test split, prints a table
of mean +/- std PSNR/SSIM/RMSE and seconds per image, writes it as CSV and markdown,
and saves the distribution figures and the per-sample panels under ``--out``.
Methods that take ``noise_std`` get the noise level stored in the dataset (so
``tv_cs`` and ``wavelet_cs`` use their parameters tuned for it); networks run once
per weight set of ``--weights`` (rows ``cascade[realistic]`` and so on).
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ._io import atomic_path
from .data import load_dataset
from .metrics import evaluate, psnr, ssim
from .registry import methods as registered_methods
from .registry import WEIGHT_SETS, reconstruct

__all__ = ["run_methods", "method_label", "summary_rows", "markdown_table", "write_csv", "save_figure", "paired_test",
           "sample_panel", "STUDY_METHODS"]

#: The methods of the research study, in its order, then the classical method it left out.
STUDY_METHODS = ("zero_filled", "tv_denoise", "kspace_unet", "cascade", "tv_cs")


def method_label(name: str, weights: str | None = None) -> str:
    """``"cascade[realistic]"`` for a network with a weight set other than the seed one."""
    return name if weights in (None, "seed") else f"{name}[{weights}]"


def run_methods(names: Sequence[str], kspace: np.ndarray, masks: np.ndarray, *,
                noise_std: float | None = None, weights: Sequence[str] = ("seed",)
                ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Reconstruct with each method; return the images and the seconds per image.

    Parameters
    ----------
    names : sequence of str
        Registered methods (:func:`mrilab.registry.methods`).
    kspace, masks : ndarray, shape (N, H, W)
    noise_std : float, keyword-only
        Passed to the methods that take it (their parameters tuned for this noise).
    weights : sequence of str, keyword-only
        Weight sets for the networks; each network runs once per set that holds it (with
        its own default set where none does), labelled by :func:`method_label`.
    """
    registered = registered_methods()
    recons, seconds = {}, {}
    for name in names:
        defaults = registered[name].defaults if name in registered else {}
        if "weights" in defaults:
            # the weight sets that hold this network (the unrolled one is in the realistic set only),
            # or its own default where none of them does
            sets = [w for w in weights if not (w in WEIGHT_SETS and name not in WEIGHT_SETS[w])]
            runs = [(method_label(name, w), dict(weights=w)) for w in sets or [defaults["weights"]]]
        else:
            runs = [(name, {})]
        for label, params in runs:
            if noise_std is not None and "noise_std" in defaults:
                params["noise_std"] = noise_std
            start = time.perf_counter()
            recons[label] = reconstruct(name, kspace, masks, **params)
            seconds[label] = (time.perf_counter() - start) / len(kspace)
    return recons, seconds


def summary_rows(scores: dict[str, dict[str, np.ndarray]],
                 seconds: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """One row per method: mean and std of each metric (and seconds per image)."""
    rows = []
    for name, s in scores.items():
        row: dict[str, Any] = {"method": name}
        for metric in ("psnr", "ssim", "rmse"):
            row[f"{metric}_mean"] = float(np.mean(s[metric]))
            row[f"{metric}_std"] = float(np.std(s[metric]))
        if seconds is not None and name in seconds:
            row["seconds_per_image"] = float(seconds[name])
        rows.append(row)
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The rows of :func:`summary_rows` as a markdown table."""
    timed = all("seconds_per_image" in r for r in rows)
    head = "| method | PSNR (dB) | SSIM | RMSE |" + (" s / image |" if timed else "")
    rule = "| --- | --- | --- | --- |" + (" --- |" if timed else "")
    lines = [head, rule]
    for r in rows:
        line = (f"| {r['method']} | {r['psnr_mean']:.2f} ± {r['psnr_std']:.2f} | "
                f"{r['ssim_mean']:.4f} ± {r['ssim_std']:.4f} | {r['rmse_mean']:.4f} ± {r['rmse_std']:.4f} |")
        if timed:
            line += f" {r['seconds_per_image']:.4f} |"
        lines.append(line)
    return "\n".join(lines)


def write_csv(rows: list[dict[str, Any]], path: str | os.PathLike) -> Path:
    """Write the rows to CSV (temporary file, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def save_figure(fig, path: str | os.PathLike, *, dpi: int = 110) -> Path:
    """Save a matplotlib figure as PNG (temporary file, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return path


def paired_test(scores: dict[str, dict[str, np.ndarray]], better: str, worse: str,
                metric: str = "psnr") -> dict[str, Any]:
    """Wilcoxon signed-rank test that ``better`` beats ``worse`` on ``metric``, phantom by phantom.

    One-sided: higher is better for PSNR and SSIM, lower for RMSE.

    Returns
    -------
    dict with ``wins`` (phantoms where ``better`` is better), ``n``,
    ``median_difference`` and ``p_value``.
    """
    from scipy.stats import wilcoxon

    a, b = np.asarray(scores[better][metric]), np.asarray(scores[worse][metric])
    diff = (a - b) if metric != "rmse" else (b - a)
    result = wilcoxon(diff, alternative="greater")
    return {"better": better, "worse": worse, "metric": metric, "wins": int(np.sum(diff > 0)),
            "n": len(diff), "median_difference": float(np.median(diff)), "p_value": float(result.pvalue)}


def sample_panel(target: np.ndarray, recons: dict[str, np.ndarray], *, reference: str | None = None,
                 title: str | None = None, error_max: float = 0.3):
    """One phantom: ground truth and every reconstruction, their error maps, and
    (with ``reference``) the difference maps of the reference against each other method.

    Parameters
    ----------
    target : ndarray, shape (H, W)
    recons : dict of name -> ndarray (H, W)
    reference : str, keyword-only
        Method whose difference maps ``reference - other`` form a third row.
    title : str, keyword-only
    error_max : float, keyword-only
        Upper end of the error and difference colour scales.

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    names = list(recons)
    rows = 3 if reference else 2
    fig, axes = plt.subplots(rows, len(names) + 1, figsize=(2.2 * (len(names) + 1), 2.3 * rows),
                             layout="constrained", squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    axes[0, 0].imshow(target, cmap="gray", vmin=0, vmax=1)
    axes[0, 0].set_title("ground truth", fontsize=8)
    for j, name in enumerate(names, start=1):
        img = recons[name]
        axes[0, j].imshow(img, cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(f"{name}\n{psnr(target, img):.1f} dB, SSIM {ssim(target, img):.3f}", fontsize=8)
        err = axes[1, j].imshow(np.abs(img - target), cmap="magma", vmin=0, vmax=error_max)
        axes[1, j].set_title(f"|error|, {name}", fontsize=8)
        if reference and name != reference:
            diff = axes[2, j].imshow(recons[reference] - img, cmap="RdBu_r", vmin=-error_max, vmax=error_max)
            axes[2, j].set_title(f"{reference} - {name}", fontsize=8)
    fig.colorbar(err, ax=axes[1, -1], fraction=0.05)
    if reference:
        fig.colorbar(diff, ax=axes[2, -1], fraction=0.05)
    if title:
        fig.suptitle(title)
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mrilab.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/mri_dataset.h5")
    parser.add_argument("--out", default="reports", help="folder for the table and figures")
    parser.add_argument("--methods", nargs="+", default=None,
                        help=f"methods to compare (default: all registered: {sorted(registered_methods())})")
    parser.add_argument("--samples", type=int, nargs="+", default=[0, 1, 2], help="test phantoms for the panels")
    parser.add_argument("--weights", nargs="+", default=["seed"],
                        help="weight sets of the networks (seed, realistic, or checkpoint paths)")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plot import metric_distributions

    start = time.perf_counter()
    test = load_dataset(args.data, "test")
    # by default every method that takes this data: single-coil or (with a coil axis) multi-coil
    names = args.methods or list(registered_methods(multicoil=test.kspace_undersampled.ndim == 4, special=False))
    noise_std = test.attrs.get("noise_std") or None
    print(f"{args.data}: {len(test)} test images, preset {test.attrs.get('preset', 'seed')}, "
          f"R = {test.attrs.get('acceleration', 4):g}, noise {noise_std or 0:g}")
    # warm-up on one image, untimed: the networks load their weights on first use
    run_methods(names, test.kspace_undersampled[:1], test.masks[:1], noise_std=noise_std, weights=args.weights)
    recons, seconds = run_methods(names, test.kspace_undersampled, test.masks, noise_std=noise_std,
                                  weights=args.weights)
    scores = {name: evaluate(test.phantoms, r) for name, r in recons.items()}
    rows = summary_rows(scores, seconds)
    out = Path(args.out)
    write_csv(rows, out / "comparison.csv")
    table = markdown_table(rows)
    with atomic_path(out / "comparison.md") as tmp:
        tmp.write_text(table + "\n")
    print(table)
    fig, _ = metric_distributions(scores, title=f"{len(test)} test phantoms")
    save_figure(fig, out / "distributions.png", dpi=120)
    plt.close(fig)
    reference = method_label("cascade", args.weights[0]) if "cascade" in names else None
    for i in args.samples:
        fig = sample_panel(test.phantoms[i], {n: r[i] for n, r in recons.items()}, reference=reference,
                           title=f"test phantom {i}")
        save_figure(fig, out / f"sample_{i}.png")
        plt.close(fig)
    print(f"wrote {out}/comparison.csv, comparison.md, distributions.png and "
          f"{len(args.samples)} sample panels; wall time {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
