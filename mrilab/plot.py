"""Figure helpers shared by the chapters.

Each function draws on matplotlib axes and returns the figure (and axes) so a
chapter can add to it. Nothing here computes a reconstruction.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["show_images", "show_kspace", "show_mask", "kspace_log", "slider_player",
           "metric_distributions"]


def kspace_log(kspace: Any, eps: float = 1e-6) -> np.ndarray:
    """``log10(|k| + eps)``: the dynamic range k-space needs to be seen."""
    return np.log10(np.abs(np.asarray(kspace)) + eps)


def _grid(n: int, ncols: int | None, size: float):
    import matplotlib.pyplot as plt

    ncols = min(n, ncols or n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                             squeeze=False, layout="constrained")
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return fig, axes.flat[:n]


def show_images(images: Sequence[Any], titles: Sequence[str] | None = None, *,
                ncols: int | None = None, cmap: str | Sequence[str] = "gray",
                vmin: float | Sequence[float | None] | None = None,
                vmax: float | Sequence[float | None] | None = None, colorbar: bool = False,
                suptitle: str | None = None, size: float = 2.6):
    """Show images side by side in a grid.

    Parameters
    ----------
    images : sequence of 2-D arrays
        Real images (take ``np.abs`` of complex ones first).
    titles : sequence of str, optional
    ncols : int, optional
        Columns in the grid; all in one row by default.
    cmap, vmin, vmax : a value for all images, or one per image
    colorbar : bool
        Add a colour bar to each image.
    suptitle : str, optional
    size : float
        Inches per panel.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of Axes
    """
    images = list(images)
    n = len(images)

    def each(v):
        return list(v) if isinstance(v, (list, tuple)) else [v] * n

    fig, axes = _grid(n, ncols, size)
    for ax, img, title, cm, lo, hi in zip(axes, images, each(titles) if titles else [None] * n,
                                          each(cmap), each(vmin), each(vmax)):
        im = ax.imshow(np.asarray(img), cmap=cm, vmin=lo, vmax=hi)
        ax.set_xticks([])
        ax.set_yticks([])
        if title:
            ax.set_title(title, fontsize=9)
        if colorbar:
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    if suptitle:
        fig.suptitle(suptitle)
    return fig, list(axes)


def show_kspace(kspace: Any, ax=None, *, title: str = "log10 |k|", colorbar: bool = True):
    """Show the log magnitude of centred k-space on ``ax`` (a new figure if None)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3))
    im = ax.imshow(kspace_log(kspace), cmap="viridis")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("k_x (phase encode)")
    ax.set_ylabel("k_y (readout)")
    ax.set_xticks([])
    ax.set_yticks([])
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    return ax


def show_mask(mask: Any, ax=None, *, title: str | None = None):
    """Show a sampling mask (white = sampled) with its measured acceleration."""
    import matplotlib.pyplot as plt

    from .sampling import effective_acceleration

    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    ax.imshow(np.asarray(mask), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title or f"mask, R = {effective_acceleration(mask):.2f}", fontsize=9)
    ax.set_xlabel("phase-encode column")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


_METRIC_LABELS = {"psnr": "PSNR (dB)", "ssim": "SSIM", "rmse": "RMSE"}


def metric_distributions(scores: dict[str, dict[str, np.ndarray]], *,
                         metrics: Sequence[str] = ("psnr", "ssim", "rmse"),
                         paired: bool = True, title: str | None = None, seed: int = 0):
    """Box plots of per-image metrics, one box per method, with every image as a point.

    Parameters
    ----------
    scores : dict
        ``{method name: mrilab.evaluate(targets, recons)}``; every method scored
        on the same images in the same order.
    metrics : sequence of str, keyword-only
        Which metrics to plot, one panel each.
    paired : bool, keyword-only
        Join the points of the same image across methods with faint lines, so
        a reader sees per-image differences, not only the spread.
    title : str, optional
    seed : int, keyword-only
        Seed of the horizontal jitter of the points.

    Returns
    -------
    fig : matplotlib Figure
    axes : list of Axes
    """
    import matplotlib.pyplot as plt

    names = list(scores)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics) + 0.4 * len(names), 3.4),
                             layout="constrained", squeeze=False)
    axes = list(axes.flat)
    for ax, metric in zip(axes, metrics):
        values = [np.asarray(scores[n][metric]) for n in names]
        positions = np.arange(1, len(names) + 1)
        ax.boxplot(values, positions=positions, widths=0.55, showfliers=False)
        jitter = [p + rng.uniform(-0.12, 0.12, len(v)) for p, v in zip(positions, values)]
        if paired and len({len(v) for v in values}) == 1:
            ax.plot(np.array(jitter), np.array(values), color="0.8", lw=0.5, zorder=1)
        for xj, v in zip(jitter, values):
            ax.plot(xj, v, "o", ms=3, alpha=0.7, zorder=2)
        ax.set_xticks(positions, names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
        ax.set_title(_METRIC_LABELS.get(metric, metric), fontsize=10)
    if title:
        fig.suptitle(title)
    return fig, axes


def slider_player(fig, update: Callable[[Any], Any], values: Sequence[Any], *,
                  interval: int = 700, alt: str = ""):
    """A slider that works without a kernel: precomputed frames in a JavaScript player.

    Calls ``update(value)`` for each value to redraw ``fig``, renders every
    frame with :meth:`matplotlib.animation.FuncAnimation.to_jshtml`, closes the
    figure and returns an :class:`IPython.display.HTML` object whose frame
    slider and buttons work in a static HTML page.

    Parameters
    ----------
    fig : matplotlib Figure
    update : callable
        ``update(value)`` redraws the figure for one slider value.
    values : sequence
        The slider positions, one frame each.
    interval : int
        Milliseconds between frames when playing.
    alt : str
        Alternative text of the player's frame image, for readers who cannot see it.
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    values = list(values)
    anim = FuncAnimation(fig, lambda i: update(values[i]), frames=len(values),
                         interval=interval, blit=False)
    html = anim.to_jshtml(default_mode="once")
    if alt:
        from html import escape

        html = html.replace("<img ", f'<img alt="{escape(alt)}" ', 1)
    plt.close(fig)
    return HTML(html)
