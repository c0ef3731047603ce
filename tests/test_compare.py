import numpy as np

import mrilab
from mrilab import compare


def test_paired_test_and_tables():
    rng = np.random.default_rng(0)
    base = rng.normal(20, 1, 20)
    scores = {"a": {"psnr": base + 1, "ssim": np.full(20, 0.5), "rmse": np.full(20, 0.1)},
              "b": {"psnr": base, "ssim": np.full(20, 0.4), "rmse": np.full(20, 0.2)}}
    t = compare.paired_test(scores, "a", "b", "psnr")
    assert t["wins"] == 20 and t["p_value"] < 1e-4 and np.isclose(t["median_difference"], 1)
    assert compare.paired_test(scores, "a", "b", "rmse")["wins"] == 20  # lower RMSE is better
    assert compare.paired_test(scores, "b", "a", "psnr")["p_value"] > 0.5
    rows = compare.summary_rows(scores, {"a": 0.1, "b": 0.2})
    table = compare.markdown_table(rows)
    assert table.splitlines()[2].startswith(f"| a | {np.mean(base + 1):.2f} ± ") and "s / image" in table


def test_compare_command_line(tmp_path):
    data = mrilab.make_dataset(tmp_path / "d.h5", n_train=1, n_test=3, size=32)
    out = tmp_path / "reports"
    assert compare.main(["--data", str(data), "--out", str(out), "--methods", "zero_filled", "tv_denoise",
                         "--samples", "0"]) == 0
    assert {p.name for p in out.iterdir()} == {"comparison.csv", "comparison.md", "distributions.png",
                                              "sample_0.png"}
    assert "zero_filled" in (out / "comparison.md").read_text()


def test_run_methods_passes_noise_and_weight_sets(monkeypatch):
    calls = []

    def fake(name, k, m, **params):
        calls.append((name, params))
        return np.zeros(k.shape, dtype=np.float32)

    monkeypatch.setattr(compare, "reconstruct", fake)
    k, m = np.zeros((2, 8, 8), complex), np.ones((2, 8, 8), bool)
    recons, seconds = compare.run_methods(["zero_filled", "tv_cs", "cascade", "unrolled"], k, m, noise_std=0.01,
                                          weights=("seed", "realistic"))
    assert list(recons) == ["zero_filled", "tv_cs", "cascade", "cascade[realistic]",
                            "unrolled[realistic]"] == list(seconds)
    assert calls == [("zero_filled", {}), ("tv_cs", {"noise_std": 0.01}), ("cascade", {"weights": "seed"}),
                     ("cascade", {"weights": "realistic"}), ("unrolled", {"weights": "realistic"})]
    # a network that no requested weight set holds runs with its own default set
    calls.clear()
    assert list(compare.run_methods(["unrolled"], k, m, weights=("seed",))[0]) == ["unrolled[realistic]"]
