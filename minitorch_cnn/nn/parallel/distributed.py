"""``DistributedDataParallel``: the same model on every rank, gradients averaged, as ``torch.nn.parallel``.

Each rank runs forward and backward on its own slice of the batch. Before the optimizer step every
parameter's gradient must be the average over the ranks; then each rank takes the same step from the
same weights and the replicas never drift apart. With the loss a mean over its batch, averaging the
ranks' gradients gives exactly the gradient of one process over the global batch.

How the averaging overlaps with backward:

* **Buckets.** Parameters are grouped, in reverse registration order (about the order backward
  produces their gradients), into flat buffers of up to ``bucket_cap_mb`` (the first one 1 MiB, so
  communication starts early). One all-reduce per bucket instead of one per parameter.
* **Readiness.** A post-accumulate-grad hook on each parameter copies its finished ``.grad`` into its
  bucket slot. When every slot of a bucket is filled, the bucket's all-reduce starts (asynchronously:
  on MPI a communication thread, on NCCL a side stream) while backward goes on with earlier layers.
  Buckets start strictly in index order on every rank, because collectives must be issued in the
  same order everywhere.
* **Finish.** The first hook of a backward queues an end-of-backward callback. It starts what is
  left, waits for every bucket, and makes each ``.grad`` the averaged slice of its bucket. So user
  code stays ``loss.backward(); optimizer.step()``.

``no_sync()`` skips the averaging (gradient accumulation): the gradients accumulate locally, and
the first backward outside it averages the accumulated sums.
"""
from contextlib import contextmanager

from ... import autograd
from ... import distributed as dist
from ...autograd.grad_mode import is_grad_enabled
from ...backend import get_array_module
from ...distributed.distributed_c10d import NOT_INITIALIZED_MSG
from ...tensor import Tensor
from ..modules.module import Module

DEFAULT_BUCKET_CAP_MB = 25
DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024

UNUSED_PARAMETERS_MSG = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`minitorch_cnn.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss. Parameters that did not receive grad for rank {rank}: {names}"
)


class _Bucket:
    """A run of parameters (same dtype and device) whose gradients travel in one flat buffer."""

    def __init__(self, index, params):
        self.index = index
        self.params = params  # [(parameter index, Parameter)]
        self.offsets, total = [], 0
        for _, p in params:
            self.offsets.append(total)
            total += p.numel()
        self.numel = total
        self.buffer = None  # this backward's flat gradients
        self.pending = 0  # slots still empty
        self.work = None  # the running all-reduce


def _assign_buckets(params, cap_bytes, first_bucket_bytes):
    """Parameters in reverse order, cut into buckets of at most ``cap_bytes`` (the first of
    ``first_bucket_bytes``) and never mixing dtypes or devices: [[(index, param), ...], ...]."""
    buckets, open_buckets = [], {}  # (dtype, device) -> [params, bytes]
    for i in reversed(range(len(params))):
        p = params[i]
        key = (str(p.dtype), str(p.device))
        current = open_buckets.setdefault(key, [[], 0])
        current[0].append((i, p))
        current[1] += p.numel() * p.element_size()
        limit = first_bucket_bytes if not buckets else cap_bytes
        if current[1] >= limit:
            buckets.append(current[0])
            del open_buckets[key]
    buckets.extend(entries for entries, _ in open_buckets.values())
    return buckets


class DistributedDataParallel(Module):
    """Wrap ``module`` so that backward averages its gradients over the ranks of ``process_group``.

    Build it after ``init_process_group`` and after moving the model to its device. At construction
    rank 0's parameters and buffers are copied to every rank. ``broadcast_buffers``: before each
    training forward, rank 0's buffers (BatchNorm's running statistics) are copied to every rank.
    ``find_unused_parameters``: parameters that got no gradient on a rank take part with zeros
    (without it such a parameter is an error). ``gradient_as_bucket_view``: each ``.grad`` is a view of
    its bucket instead of a copy.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if process_group is None and not dist.is_initialized():
            raise ValueError(NOT_INITIALIZED_MSG)
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.process_group = process_group if process_group is not None else dist.group.WORLD
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.bucket_bytes_cap = int((DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        self._param_names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._verify_same_parameters()
        if init_sync:
            self._broadcast_from_rank0([*self._params, *self._buffers_to_sync()])
        self._buckets = [_Bucket(i, entries) for i, entries in enumerate(
            _assign_buckets(self._params, self.bucket_bytes_cap, min(DEFAULT_FIRST_BUCKET_BYTES,
                                                                     self.bucket_bytes_cap)))]
        self._slot = {}  # parameter index -> (bucket, offset within the bucket)
        for bucket in self._buckets:
            for (i, _), offset in zip(bucket.params, bucket.offsets):
                self._slot[i] = (bucket, offset)
        self._sync_armed = False  # set by a forward that is to be followed by a synchronising backward
        self._in_backward = False
        self._handles = [p.register_post_accumulate_grad_hook(self._make_hook(i)) for i, p in enumerate(self._params)]

    # ------------------------------------------------------------ construction
    def _buffers_to_sync(self):
        return [b for b in self.module.buffers() if b is not None]

    def _verify_same_parameters(self):
        """Every rank must wrap the same architecture: compare the (name, shape, dtype) lists."""
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in zip(self._param_names, self._params)]
        everyone = [None] * dist.get_world_size(self.process_group)
        dist.all_gather_object(everyone, mine, group=self.process_group)
        for rank, theirs in enumerate(everyone):
            if theirs != mine:
                diff = next(((a, b) for a, b in zip(mine, theirs) if a != b), (len(mine), len(theirs)))
                raise RuntimeError(f"DistributedDataParallel: rank {dist.get_rank(self.process_group)} and rank "
                                   f"{rank} wrap different models (parameters (name, shape, dtype) differ: "
                                   f"{diff[0]} vs {diff[1]})")

    def _broadcast_from_rank0(self, tensors):
        for t in tensors:
            dist.broadcast(t, 0, group=self.process_group)

    # ------------------------------------------------------------ forward
    def forward(self, *inputs, **kwargs):
        if self.training and self.broadcast_buffers and is_grad_enabled():
            self._broadcast_from_rank0(self._buffers_to_sync())
        # the decision to average belongs to the forward: a backward after a no_sync() forward does not
        self._sync_armed = self.require_backward_grad_sync and is_grad_enabled()
        return self.module(*inputs, **kwargs)

    @contextmanager
    def no_sync(self):
        """Forward/backward passes inside accumulate gradients locally, without averaging them."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ------------------------------------------------------------ backward: hooks, buckets, callback
    def _make_hook(self, index):
        def hook(param):
            if self._sync_armed:
                self._grad_ready(index, param)
        return hook

    def _start_backward(self):
        """First ready gradient of a backward: fresh bucket buffers and the end-of-backward callback."""
        self._in_backward = True
        self._ready = [False] * len(self._params)
        self._late = set()  # parameters whose gradient grew after their bucket had left
        self._next_bucket = 0
        for bucket in self._buckets:
            xp = get_array_module(bucket.params[0][1]._data)
            bucket.buffer = xp.zeros(bucket.numel, dtype=bucket.params[0][1]._data.dtype)
            bucket.pending = len(bucket.params)
            bucket.work = None
        autograd.queue_callback(self._finish_backward)

    def _grad_ready(self, index, param):
        if not self._in_backward:
            self._start_backward()
        bucket, offset = self._slot[index]
        if bucket.work is not None:  # a second gradient for a parameter already sent: redone at the end
            self._late.add(index)
            return
        bucket.buffer[offset:offset + param.numel()] = param.grad._data.reshape(-1)
        if not self._ready[index]:
            self._ready[index] = True
            bucket.pending -= 1
        self._launch_ready_buckets()

    def _launch_ready_buckets(self):
        """Start every complete bucket whose predecessors have all started (the same order on every rank)."""
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            self._launch(self._buckets[self._next_bucket])
            self._next_bucket += 1

    def _launch(self, bucket):
        t = Tensor._from_op(bucket.buffer, None)
        bucket.work = dist.all_reduce(t, op=dist.ReduceOp.AVG, group=self.process_group, async_op=True)

    def _finish_backward(self):
        """End of backward: start the rest, wait for all buckets, and point each .grad at its average."""
        self._in_backward = False
        self._sync_armed = False
        unused = [i for i, ready in enumerate(self._ready) if not ready]
        used_anywhere = None
        if unused:
            if not self.find_unused_parameters:
                for bucket in self._buckets[:self._next_bucket]:
                    bucket.work.wait()
                names = ", ".join(self._param_names[i] for i in unused)
                raise RuntimeError(UNUSED_PARAMETERS_MSG.format(rank=dist.get_rank(self.process_group),
                                                                names=names))
            used_anywhere = self._used_on_any_rank()
            for bucket in self._buckets:  # the unused slots stay zero
                bucket.pending = 0
        elif self.find_unused_parameters:
            used_anywhere = self._used_on_any_rank()
        self._launch_ready_buckets()
        for bucket in self._buckets:
            bucket.work.wait()
            self._write_grads(bucket, used_anywhere)
        for index in sorted(self._late):  # (their .grad holds the whole local sum)
            dist.all_reduce(self._params[index].grad, op=dist.ReduceOp.AVG, group=self.process_group)

    def _used_on_any_rank(self):
        """Per parameter: did any rank give it a gradient? (one small all-reduce, every rank joins)."""
        xp = get_array_module(self._params[0]._data)
        used = Tensor._from_op(xp.asarray(self._ready, dtype=xp.int32), None)
        dist.all_reduce(used, op=dist.ReduceOp.MAX, group=self.process_group)
        return used._data.tolist()

    def _write_grads(self, bucket, used_anywhere):
        for (i, p), offset in zip(bucket.params, bucket.offsets):
            if (used_anywhere is not None and not used_anywhere[i]) or i in self._late:
                continue  # no rank produced a gradient (.grad stays as it was), or it is averaged later
            averaged = bucket.buffer[offset:offset + p.numel()].reshape(p._data.shape)
            if not self.gradient_as_bucket_view:
                averaged = averaged.copy()
            if p.grad is None:
                p.grad = Tensor._from_op(averaged, None)
            else:
                p.grad._data = averaged


__all__ = ["DistributedDataParallel"]
