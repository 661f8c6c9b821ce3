"""``SyncBatchNorm``: batch normalisation whose statistics cover the whole global batch, all ranks together.

With plain BatchNorm under data parallelism each rank normalises with the statistics of its own
slice of the batch, so N ranks of batch B train a different model from one process of batch N*B.
SyncBatchNorm all-reduces the per-channel sums instead: the mean and variance, and in backward the
two gradient sums, are those of the N*B samples, and the result equals the single-process one.

Per layer and step that is three small all-reduces of C (or C + 1) numbers: the sum and count, the
sum of squared deviations (two passes, the same arithmetic as BatchNorm's), and in backward the sums
of dY and dY * x_hat.
"""
from ...autograd import Function
from ...backend import get_array_module
from ...tensor import Tensor
from .batchnorm import _BatchNorm


def _channel_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(v, x):
    """A (C,) vector shaped to broadcast against x of shape (N, C, ...)."""
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


class SyncBatchNormFunction(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias with mean and (biased) var over every rank's x.

    Inputs (N_r, C, ...) may have a different N_r on each rank; M = sum over ranks of N_r * (H * W ...).
    """

    def __init__(self, eps, process_group):
        self.eps, self.group = eps, process_group

    def _all_reduce(self, array):
        from ... import distributed as dist

        t = Tensor._from_op(array, None)
        dist.all_reduce(t, group=self.group)
        return t._data

    def forward(self, x, weight=None, bias=None):
        xp = get_array_module(x)
        axes, c = _channel_axes(x), x.shape[1]
        sum_and_count = xp.empty(c + 1, dtype=x.dtype)
        sum_and_count[:c] = x.sum(axis=axes)
        sum_and_count[c] = x.size // c
        sum_and_count = self._all_reduce(sum_and_count)
        self.count = float(sum_and_count[c])  # M, over all ranks
        mean = sum_and_count[:c] / self.count
        centered = x - _per_channel(mean, x)
        var = self._all_reduce((centered * centered).sum(axis=axes)) / self.count
        invstd = 1.0 / xp.sqrt(var + self.eps)
        scale = invstd if weight is None else invstd * weight
        out = centered * _per_channel(scale, x)
        if bias is not None:
            out += _per_channel(bias, x)
        self.batch_mean, self.batch_var = mean, var
        self.save_for_backward(centered, invstd, scale)
        return out

    def backward(self, grad):
        centered, invstd, scale = self.saved_tensors
        axes = _channel_axes(grad)
        needs_dx, needs_dw, needs_db = self.needs_input_grad[:3]
        # this rank's sums: dW = sum(dY * x_hat) and db = sum(dY); data parallelism averages them later
        sum_g = grad.sum(axis=axes)
        sum_g_xhat = (grad * centered).sum(axis=axes) * invstd
        dx = None
        if needs_dx:
            # dX = w / std * (dY - sum(dY) / M - x_hat * sum(dY * x_hat) / M), both sums over every rank
            xp = get_array_module(grad)
            both = self._all_reduce(xp.concatenate([sum_g, sum_g_xhat]))
            c = sum_g.shape[0]
            total_g, total_g_xhat = both[:c], both[c:]
            x_hat = centered * _per_channel(invstd, grad)
            dx = (grad - _per_channel(total_g / self.count, grad)
                  - x_hat * _per_channel(total_g_xhat / self.count, grad)) * _per_channel(scale, grad)
        return dx, (sum_g_xhat if needs_dw else None), (sum_g if needs_db else None)


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, ...) whose training statistics span all ranks of ``process_group``.

    Without an initialised process group, in eval mode, or with one rank, it is exactly BatchNorm.
    Convert a model's BatchNorm layers with ``SyncBatchNorm.convert_sync_batchnorm(model)``.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype,
                         bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input):
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def _world_size(self):
        from ... import distributed as dist

        if not dist.is_initialized():
            return 1
        return dist.get_world_size(self.process_group)

    def forward(self, input):
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        if not (self.training and self._world_size() > 1):
            return super().forward(input)  # BatchNorm: one process, or running statistics in eval
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        fn = SyncBatchNormFunction(self.eps, self.process_group)
        out = fn(input, self.weight, self.bias)
        if self.track_running_stats:
            self._update_running_stats(fn, factor)
        return out

    def _update_running_stats(self, fn, factor):
        """running = (1 - factor) * running + factor * batch, with the unbiased variance of all M values."""
        unbiased = fn.batch_var * (fn.count / (fn.count - 1))
        for buffer, batch in ((self.running_mean, fn.batch_mean), (self.running_var, unbiased)):
            buffer._data *= 1 - factor
            buffer._data += factor * batch.astype(buffer._data.dtype, copy=False)
            buffer._bump()

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """Replace every BatchNorm*d in ``module`` by a SyncBatchNorm sharing its parameters and buffers.

        Returns the module (a new SyncBatchNorm when ``module`` itself is a BatchNorm).
        """
        module_output = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            module_output = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                          module.track_running_stats, process_group, bias=module.bias is not None)
            if module.affine:
                module_output.weight = module.weight
                module_output.bias = module.bias
            module_output.running_mean = module.running_mean
            module_output.running_var = module.running_var
            module_output.num_batches_tracked = module.num_batches_tracked
            module_output.training = module.training
        for name, child in module.named_children():
            module_output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        del module
        return module_output
