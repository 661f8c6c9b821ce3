"""SyncBatchNorm's math on one process: a stand-in group whose other rank holds the same batch.

With two identical halves, SyncBatchNorm over this rank's batch must equal BatchNorm over the batch
concatenated with itself, in forward, running statistics and backward (checked against PyTorch).
"""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn.modules.sync_batchnorm import SyncBatchNormFunction

torch = pytest.importorskip("torch")


class TwinGroup:
    """A 2-rank group where the other rank's values equal this rank's: a sum over ranks doubles."""

    def name(self):
        return "mpi"

    def size(self):
        return 2

    def all_reduce(self, array, op):
        array *= 2


@pytest.mark.parametrize("shape", [(3, 4, 5, 2), (6, 3)])
def test_forward_and_backward_equal_batchnorm_over_both_ranks_batches(shape):
    rng = np.random.default_rng(0)
    x, r = rng.standard_normal(shape), rng.standard_normal(shape)
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    xm, wm, bm = (mt.tensor(v, requires_grad=True) for v in (x, w, b))
    fn = SyncBatchNormFunction(1e-5, TwinGroup())
    out = fn(xm, wm, bm)
    (out * mt.tensor(r)).sum().backward()

    xa, xb = torch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.batch_norm(torch.cat([xa, xb]), None, None, wt, bt, training=True, eps=1e-5)
    (yt * torch.tensor(np.concatenate([r, r]))).sum().backward()

    np.testing.assert_allclose(out.detach().numpy(), yt[:shape[0]].detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(xm.grad.numpy(), xa.grad.numpy(), rtol=0, atol=1e-12)
    # this rank's share of dW and db: data parallelism sums (averages) the ranks' shares
    np.testing.assert_allclose(2 * wm.grad.numpy(), wt.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(2 * bm.grad.numpy(), bt.grad.numpy(), rtol=0, atol=1e-12)
    assert fn.count == 2 * x.size // shape[1]


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    x, r = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal((4, 3, 2, 2))
    w = rng.standard_normal(3)

    def loss(xv):
        with mt.no_grad():
            return float((SyncBatchNormFunction(1e-5, TwinGroup())(mt.tensor(xv), mt.tensor(w), None)
                          * mt.tensor(r)).sum())

    xm = mt.tensor(x, requires_grad=True)
    (SyncBatchNormFunction(1e-5, TwinGroup())(xm, mt.tensor(w), None) * mt.tensor(r)).sum().backward()
    # the twin's x moves with ours; by symmetry that is d(both ranks' losses)/d(our x), what backward gives
    eps, numeric = 1e-6, np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        numeric[i] = (loss(x + d) - loss(x - d)) / (2 * eps)
    np.testing.assert_allclose(xm.grad.numpy(), numeric, rtol=1e-5, atol=1e-7)


def test_without_a_process_group_it_is_batchnorm():
    mt.manual_seed(0)
    x = mt.randn(4, 3, 5, 5)
    sync, plain = nn.SyncBatchNorm(3), nn.BatchNorm2d(3)
    np.testing.assert_array_equal(sync(x).detach().numpy(), plain(x).detach().numpy())
    np.testing.assert_array_equal(sync.running_var.numpy(), plain.running_var.numpy())
    assert int(sync.num_batches_tracked) == 1
    assert list(sync.state_dict()) == list(plain.state_dict())


def test_convert_sync_batchnorm_keeps_parameters_buffers_and_mode():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(2, affine=False)))
    model.eval()
    weight, running_mean = model[1].weight, model[1].running_mean
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert type(model[1]) is nn.SyncBatchNorm and type(model[2][0]) is nn.SyncBatchNorm
    assert model[1].weight is weight and model[1].running_mean is running_mean
    assert model[2][0].weight is None and not model[1].training
    single = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm2d(5, eps=1e-3, momentum=None))
    assert type(single) is nn.SyncBatchNorm and single.eps == 1e-3 and single.momentum is None


def test_input_checks_match_torch():
    with pytest.raises(ValueError) as ours:
        nn.SyncBatchNorm(3)(mt.zeros(3))
    with pytest.raises(ValueError) as theirs:
        torch.nn.SyncBatchNorm(3)(torch.zeros(3))
    assert str(ours.value) == str(theirs.value)
