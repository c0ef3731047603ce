import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import mrilab  # noqa: E402
from mrilab import plot  # noqa: E402


def test_show_images_grid_and_helpers():
    x = mrilab.shepp_logan(32)
    fig, axes = plot.show_images([x, x, x], ["a", "b", "c"], ncols=2, colorbar=True)
    assert len(axes) == 3 and axes[1].get_title() == "b"
    plot.show_kspace(mrilab.fft2c(x))
    ax = plot.show_mask(mrilab.cartesian_mask((32, 32), 4, 0.1, rng=0))
    assert "R = 4.00" in ax.get_title()
    plt.close("all")


def test_slider_player_has_one_frame_per_value():
    fig, ax = plt.subplots()
    drawn = []

    def update(v):
        drawn.append(v)
        ax.clear()
        ax.imshow(np.full((4, 4), v))

    html = plot.slider_player(fig, update, [1, 2, 3], alt='frames of "v"').data
    assert "animation" in html.lower() and html.count("data:image/png;base64") == 3
    assert '<img alt="frames of &quot;v&quot;" ' in html
    assert set(drawn) == {1, 2, 3}


def test_metric_distributions_draws_one_box_per_method():
    rng = np.random.default_rng(0)
    scores = {name: {"psnr": rng.normal(20, 1, 5), "ssim": rng.uniform(0, 1, 5),
                     "rmse": rng.uniform(0, 0.1, 5)} for name in ("a", "b", "c")}
    fig, axes = plot.metric_distributions(scores, title="t")
    assert len(axes) == 3
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["a", "b", "c"]
    plt.close(fig)
