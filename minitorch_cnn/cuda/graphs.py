"""CUDA graphs: record a whole training step once, then replay it with a single launch.

A small network spends most of its step in Python and kernel launches (CuPy: 12-16 us per
op). A CUDA graph records every kernel of the step once; ``replay`` relaunches all of them
for about 1 us each, with no Python in between.

What a graph can hold: GPU work whose shapes, addresses and scalar arguments are the same at
every step. Replay repeats the recorded kernels on the recorded memory, so:

- inputs must be copied into the *same* tensors every step (``make_graphed_step`` does it);
- Python values are frozen at capture: a learning rate changed by a scheduler, Adam's step
  count, ``if loss.item() > ...`` branches do not change on replay;
- nothing may wait for the GPU during capture: ``.item()``, ``.cpu()``, ``.numpy()``, printing a
  tensor, boolean-mask indexing. CUDA refuses these while capturing; the error is re-raised
  here naming the likely cause.

CuPy (up to 14.2 at least) also refuses cuBLAS during capture, so a step with a matmul, a linear
layer or a convolution cannot be graphed: capture raises a RuntimeError saying so.

Memory allocated while capturing comes from a private pool that lives as long as the graph,
so the addresses baked into the graph are never handed to other arrays (PyTorch does the same).
"""
import contextlib

from .. import backend

cp = backend.cupy_module()

_CAPTURE_HINT = (
    "A CUDA graph cannot hold a host synchronisation (.item(), .cpu(), .numpy(), .tolist(), printing a "
    "tensor, float(tensor), boolean-mask indexing, Python branches on tensor values) nor a copy from host "
    "memory (creating a tensor from a list or NumPy array inside the step). Move those out of the captured "
    "step, create tensors before capture, and warm the step up once eagerly so every kernel is compiled."
)

# Seen with CuPy 14.2 / CUDA 13 on an H200 (and reported for CuPy 13): CuPy raises NotImplementedError for
# any cuBLAS call on a capturing stream, so no GEMM can be recorded, whatever the cuBLAS settings.
_CUBLAS_LIMITATION = (
    "CUDA graph capture failed: CuPy cannot capture cuBLAS calls (it raises 'calling cuBLAS API during "
    "stream capture is currently unsupported'), and every matmul, nn.Linear and convolution here is a "
    "cuBLAS GEMM. Only steps without matrix products can be graphed with CuPy; run this step eagerly."
)


class CUDAGraph:
    """A recorded sequence of GPU work (``torch.cuda.CUDAGraph``); fill it with ``mt.cuda.graph``."""

    def __init__(self):
        backend.array_module_for("cuda")  # clear error without CuPy or a GPU
        self._graph = None
        self._pool = cp.cuda.MemoryPool()  # private: capture-time arrays keep their addresses
        self._stream = cp.cuda.Stream(non_blocking=True)

    def capture_begin(self):
        if self._graph is not None:
            raise RuntimeError("CUDAGraph.capture_begin: this graph already holds a capture; call reset() first")
        cp.cuda.Device().synchronize()  # earlier work on other streams must be finished
        self._stream.begin_capture()

    def capture_end(self):
        self._graph = self._stream.end_capture()

    def replay(self):
        """Launch the recorded work on the current stream (ordered after earlier copies into inputs)."""
        if self._graph is None:
            raise RuntimeError("CUDAGraph.replay: nothing was captured yet (use `with mt.cuda.graph(g): ...`)")
        self._graph.launch(stream=cp.cuda.get_current_stream())

    def reset(self):
        self._graph = None

    def pool(self):
        return self._pool


@contextlib.contextmanager
def graph(cuda_graph):
    """Record the GPU work of the ``with`` body into ``cuda_graph`` (``torch.cuda.graph``)."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(cp.cuda.using_allocator(cuda_graph.pool().malloc))
        stack.enter_context(cuda_graph._stream)
        cuda_graph.capture_begin()
        try:
            yield cuda_graph
        except Exception as e:
            _abandon_capture(cuda_graph._stream)
            if "cuBLAS" in str(e):
                raise RuntimeError(_CUBLAS_LIMITATION) from e
            raise RuntimeError(f"CUDA graph capture failed: {type(e).__name__}: {e}. {_CAPTURE_HINT}") from e
        try:
            cuda_graph.capture_end()
        except Exception as e:  # the capture was invalidated by something illegal inside it
            raise RuntimeError(f"CUDA graph capture failed when it ended: {e}. {_CAPTURE_HINT}") from e


def _abandon_capture(stream):
    """End a capture that failed half way, so the stream is usable again."""
    try:
        if stream.is_capturing():
            stream.end_capture()
    except Exception:  # an invalidated capture reports its error when ended; it is over either way
        pass


def make_graphed_step(step, *static_inputs, warmup_steps=3):
    """Capture ``step(*static_inputs)`` (a whole training step) into a CUDA graph.

    Returns ``replay(*inputs)``: it copies ``inputs`` into ``static_inputs``, replays the graph,
    and returns what ``step`` returned during capture (its tensors are refilled by every replay)::

        def train_step(x, y):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        step = mt.cuda.make_graphed_step(train_step, x0.cuda(), y0.cuda())
        for x, y in loader:
            loss = step(x.cuda(), y.cuda())     # one launch for the whole step

    The step runs ``warmup_steps`` times eagerly first (compiling kernels and creating optimizer
    state), so the model trains on the sample batch during warm-up, as with PyTorch's recipe.
    CuPy cannot capture cuBLAS, so a step with a matmul, linear layer or convolution raises a
    RuntimeError at capture (after the warm-up steps, which did run).
    """
    from ..tensor import Tensor

    for i, t in enumerate(static_inputs):
        if not isinstance(t, Tensor) or not t.is_cuda:
            raise RuntimeError(f"make_graphed_step: static input {i} must be a CUDA tensor, got "
                               f"{t.device if isinstance(t, Tensor) else type(t).__name__}")
    cuda_graph = CUDAGraph()
    cp.cuda.Device().synchronize()
    with cuda_graph._stream:  # warm up on the stream that will capture
        for _ in range(warmup_steps):
            step(*static_inputs)
    cuda_graph._stream.synchronize()
    with graph(cuda_graph):
        static_output = step(*static_inputs)

    def replay(*inputs):
        if len(inputs) != len(static_inputs):
            raise TypeError(f"graphed step takes {len(static_inputs)} inputs, got {len(inputs)}")
        for i, (static, new) in enumerate(zip(static_inputs, inputs)):
            if tuple(new.shape) != tuple(static.shape) or new.dtype != static.dtype or new.device != static.device:
                raise RuntimeError(
                    f"graphed step: input {i} must match the captured one ({list(static.shape)}, {static.dtype}, "
                    f"{static.device}), got ({list(new.shape)}, {new.dtype}, {new.device})")
            static._data[...] = new._data
        cuda_graph.replay()
        return static_output

    replay.graph = cuda_graph
    return replay
