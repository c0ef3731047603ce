import numpy as np
import pytest
import torch

import mrilab
from mrilab.models import Cascade, DataConsistency, KSpaceUNet, RefinementCNN, UNet


def _batch(n=2, size=32, seed=0):
    rng = np.random.default_rng(seed)
    x = np.stack([mrilab.random_phantom(rng, size) for _ in range(n)])
    m = np.stack([mrilab.cartesian_mask((size, size), 4, 0.1, rng=rng) for _ in range(n)])
    k = (mrilab.fft2c(x) * m).astype(np.complex64)
    return torch.from_numpy(k), torch.from_numpy(m), torch.from_numpy(x)


@pytest.mark.parametrize("shape", [(32, 32), (33, 29)])
def test_unet_shapes_and_kernel_sizes(shape):
    torch.manual_seed(0)
    net = UNet(3, 2, chans=4, num_pool_layers=2, kernel_sizes=[5, 3, 3])
    out = net(torch.randn(2, 3, *shape))
    assert out.shape == (2, 2, *shape)
    assert net.down_sample_layers[0].layers[0].kernel_size == (5, 5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_pool_layers=0), "num_pool_layers must be >= 1"),
    (dict(kernel_sizes=[3, 3]), r"kernel_sizes must hold 4 odd sizes"),
    (dict(kernel_sizes=[3, 4, 3, 3]), "odd sizes"),
    (dict(drop_prob=1.0), r"drop_prob must be in \[0, 1\)"),
])
def test_unet_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UNet(1, 1, **kwargs)


def test_hard_data_consistency_keeps_measured_samples_exactly():
    k, m, _ = _batch()
    pred = torch.randn_like(k)
    out = DataConsistency()(pred, k, m)
    assert torch.equal(out[m], k[m])
    assert torch.equal(out[~m], pred[~m])


def test_soft_data_consistency_averages_with_a_learnable_weight():
    k, m, _ = _batch()
    pred = torch.randn_like(k)
    dc = DataConsistency(soft=True, init_weight=3.0)
    assert torch.isclose(dc.weight, torch.tensor(3.0))
    out = dc(pred, k, m)
    torch.testing.assert_close(out[m], (pred[m] + 3.0 * k[m]) / 4.0)
    out.abs().sum().backward()
    assert dc.raw_weight.grad is not None
    with pytest.raises(ValueError, match="init_weight must be > 0"):
        DataConsistency(soft=True, init_weight=0)


def test_kspace_unet_keeps_data_and_is_scale_equivariant():
    torch.manual_seed(0)
    k, m, _ = _batch()
    net = KSpaceUNet(chans=4, num_pool_layers=2).eval()
    with torch.no_grad():
        out = net(k, m)
        assert torch.equal(out[m], k[m])
        img = net.reconstruct(k, m)
        assert img.shape == (2, 32, 32) and not img.is_complex()
        # the normalisation makes the network blind to the overall scale of k-space
        torch.testing.assert_close(net(10 * k, m), 10 * out, rtol=1e-4, atol=1e-4)


def test_cascade_trains_only_the_refinement():
    torch.manual_seed(0)
    k, m, x = _batch()
    stage1 = KSpaceUNet(chans=4, num_pool_layers=2)
    cascade = Cascade(stage1, refine_config=dict(chans=4, num_pool_layers=2))
    before = {n: p.clone() for n, p in cascade.stage1.named_parameters()}
    assert all(not p.requires_grad for p in cascade.stage1.parameters())
    opt = torch.optim.Adam([p for p in cascade.parameters() if p.requires_grad], lr=1e-2)
    cascade.train()
    assert not cascade.stage1.training
    loss = torch.nn.functional.l1_loss(cascade.reconstruct(k, m), x) + 1e-6 * cascade.l1_penalty()
    loss.backward()
    opt.step()
    for n, p in cascade.stage1.named_parameters():
        assert torch.equal(p, before[n])
    assert cascade.config["stage1_config"] == stage1.config
    with pytest.raises(ValueError, match="stage1 must be a KSpaceUNet"):
        Cascade(RefinementCNN())
