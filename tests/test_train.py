import subprocess
import sys

import numpy as np
import pytest
import torch

import mrilab
from mrilab.models import KSpaceUNet
from mrilab.train import fit, load_model, loaders, predict, save_checkpoint


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.h5"
    return mrilab.make_dataset(path, n_train=12, n_test=4, size=32, seed=3)


def test_fit_returns_a_history_and_learns(tiny):
    torch.manual_seed(0)
    train, val = loaders(tiny, n_val=4, batch_size=4, seed=0)
    model = KSpaceUNet(chans=4, num_pool_layers=2)
    history = fit(model, train, val, optimizer=torch.optim.Adam(model.parameters(), lr=3e-3),
                  loss_fn=torch.nn.functional.l1_loss, epochs=4, progress=False)
    assert len(history["loss"]) == len(history["val_psnr"]) == len(history["seconds"]) == 4
    assert len(history["batch_loss"]) == 4 * 2
    assert history["loss"][-1] < history["loss"][0]
    assert all(np.isfinite(history["val_ssim"]))
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        fit(model, train, val, optimizer=torch.optim.Adam(model.parameters()), loss_fn=torch.nn.functional.l1_loss,
            epochs=0)


def test_loaders_hold_out_validation_and_check_sizes(tiny):
    train, val = loaders(tiny, n_val=4, batch_size=4)
    assert len(train.dataset) == 8 and len(val.dataset) == 4
    with pytest.raises(ValueError, match="n_val must be between 1 and 11"):
        loaders(tiny, n_val=12)


def test_checkpoint_round_trip_and_errors(tiny, tmp_path):
    torch.manual_seed(1)
    model = KSpaceUNet(chans=4, num_pool_layers=2).eval()
    path = save_checkpoint(model, tmp_path / "m.pt", metrics={"test_psnr": 1.5})
    loaded = load_model(path, expected="KSpaceUNet")
    assert loaded.metrics == {"test_psnr": 1.5} and loaded.config == model.config
    split = mrilab.load_dataset(tiny, "test")
    np.testing.assert_allclose(predict(loaded, split.kspace_undersampled, split.masks),
                               predict(model, split.kspace_undersampled, split.masks))
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temporary file left

    with pytest.raises(FileNotFoundError, match="make weights"):
        load_model(tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="holds a KSpaceUNet checkpoint, but a Cascade was expected"):
        load_model(path, expected="Cascade")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable PyTorch checkpoint"):
        load_model(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a mrilab checkpoint"):
        load_model(tmp_path / "other.pt")
    payload = torch.load(path, weights_only=True)
    payload["config"]["chans"] = 8
    torch.save(payload, tmp_path / "mismatch.pt")
    with pytest.raises(ValueError, match="do not fit a KSpaceUNet"):
        load_model(tmp_path / "mismatch.pt")


def test_training_command_line(tiny, tmp_path):
    out = tmp_path / "k.pt"
    cmd = [sys.executable, "-m", "mrilab.train", "kspace-unet", "--data", str(tiny), "--out", str(out),
           "--epochs", "1", "--chans", "4", "--pools", "2", "--n-val", "4", "--batch-size", "4"]
    run = subprocess.run(cmd, capture_output=True, text=True, env={**__import__("os").environ, "TQDM_DISABLE": "1"})
    assert run.returncode == 0, run.stderr
    assert "wall time" in run.stdout and "test (4 phantoms)" in run.stdout
    model = load_model(out, expected="KSpaceUNet")
    assert set(model.metrics) == {"test_psnr", "test_ssim", "test_rmse"}
    cas = tmp_path / "c.pt"
    run = subprocess.run([sys.executable, "-m", "mrilab.train", "cascade", "--stage1", str(out), "--data", str(tiny),
                          "--out", str(cas), "--epochs", "1", "--chans", "4", "--pools", "2", "--n-val", "4"],
                         capture_output=True, text=True, env={**__import__("os").environ, "TQDM_DISABLE": "1"})
    assert run.returncode == 0, run.stderr
    assert type(load_model(cas)).__name__ == "Cascade"
    bad = subprocess.run([sys.executable, "-m", "mrilab.train", "cascade", "--stage1", str(cas), "--data", str(tiny),
                          "--out", str(tmp_path / "x.pt"), "--epochs", "1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "error:" in bad.stderr and "but a KSpaceUNet was expected" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_noisy_data_gets_fresh_noise_every_epoch(tmp_path):
    from mrilab.train import FreshNoise
    path = mrilab.make_dataset(tmp_path / "noisy.h5", n_train=6, n_test=1, size=32, preset="realistic",
                               oversampling=2, noise_std=0.05, seed=1)
    train, val = loaders(path, n_val=2, batch_size=4, seed=0)
    assert isinstance(train.dataset.dataset, FreshNoise)
    split = mrilab.load_dataset(path, "train")
    k1, m1, _ = train.dataset.dataset[0]
    k2, _, _ = train.dataset.dataset[0]
    noise1 = (k1 - torch.from_numpy(split.kspace_full[0]) * m1)[m1]
    assert not torch.equal(k1, k2)  # a new draw every time the sample is read
    assert abs(float(noise1.real.std()) - 0.05) < 0.01 and torch.all(k1[~m1] == 0)
    again = FreshNoise(split, 0.05, seed=0)
    assert torch.equal(again[0][0], FreshNoise(split, 0.05, seed=0)[0][0])  # reproducible from the seed
    k_val, _, _ = next(iter(val))
    np.testing.assert_array_equal(k_val.numpy(), split.kspace_undersampled[4:6])  # validation: stored draw
