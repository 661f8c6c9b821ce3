"""Gradient flow: per-layer gradient norms and activation statistics, recorded with hooks.

Lecture 7-9's diagnosis of deep nets -- vanishing gradients, saturated or dead activations -- needs the
numbers per layer and per step. ``GradientRecorder(model)`` hooks every layer that owns a weight
(convolutions and linear layers by default); the training code does not change::

    recorder = GradientRecorder(model)          # hooks attached
    for x, y in loader:                         # the usual loop
        loss = criterion(model(x), y)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
    recorder.remove()
    recorder.plot().savefig("gradflow.png")     # norms per layer: first and last step
    json.dump(recorder.to_dict(), open("gradflow.json", "w"))

Per layer and per backward pass it keeps ||dL/dW||_2 of the layer's weight; per layer and per forward
pass in training mode, the mean, standard deviation and fraction of zeros of the layer's output. The
figures stay on the device as 0-d tensors until they are read (or until ``FLUSH_EVERY`` of them are
waiting), so recording adds no host round trip per step. For a long run, ``every=`` keeps one pass in
``every``.
"""
import math

from .. import nn
from ..autograd import no_grad

DEFAULT_LAYERS = (nn.Conv2d, nn.Linear)
FLUSH_EVERY = 1000  # pending 0-d tensors per layer before they are read back as floats


def _as_float(value):
    return value if isinstance(value, float) else float(value.item())


class GradientRecorder:
    """Hooks that record weight-gradient norms and output statistics of a model's layers.

    model:       the Module to watch.
    layer_types: the module classes recorded (each must own a ``weight`` that requires grad).
    every:       record every ``every``-th backward / forward pass only (1: all of them).
    activations: also record output statistics (mean, std, fraction of zeros) on training forwards.

    ``layer_names`` lists the recorded layers in the order of ``model.named_modules()`` (input to
    output); ``grad_norms()`` and ``activation_stats()`` read the records as floats.
    """

    def __init__(self, model, layer_types=DEFAULT_LAYERS, every=1, activations=True):
        if every < 1:
            raise ValueError(f"GradientRecorder: every must be a positive integer, got {every}")
        self.model = model
        self.every = every
        self.layers = [(name, m) for name, m in model.named_modules()
                       if isinstance(m, layer_types) and getattr(m, "weight", None) is not None
                       and m.weight.requires_grad]
        if not self.layers:
            raise ValueError(f"GradientRecorder: {type(model).__name__} has no "
                             f"{' / '.join(t.__name__ for t in layer_types)} layer with a trainable weight")
        self.layer_names = [name for name, _ in self.layers]
        self._grad_sq = {name: [] for name in self.layer_names}  # per pass: sum of squares, a 0-d tensor
        self._grad_steps = {name: [] for name in self.layer_names}
        self._acts = {name: [] for name in self.layer_names}  # per pass: (mean, std, zero fraction)
        self._act_steps = {name: [] for name in self.layer_names}
        self._grad_calls = {name: 0 for name in self.layer_names}
        self._forward_calls = {name: 0 for name in self.layer_names}
        self._handles = []
        for name, module in self.layers:
            self._handles.append(module.weight.register_hook(self._grad_hook(name)))
            if activations:
                self._handles.append(module.register_forward_hook(self._forward_hook(name)))

    # ------------------------------------------------------------------ hooks
    def _grad_hook(self, name):
        def hook(grad):
            step = self._grad_calls[name]
            self._grad_calls[name] += 1
            if step % self.every == 0:
                with no_grad():
                    self._grad_sq[name].append((grad.detach() * grad.detach()).sum())
                self._grad_steps[name].append(step)
                self._flush(self._grad_sq[name])
            return None  # the gradient itself is left unchanged

        return hook

    def _forward_hook(self, name):
        def hook(module, args, output):
            if not module.training:
                return None  # evaluation passes are not training statistics
            step = self._forward_calls[name]
            self._forward_calls[name] += 1
            if step % self.every == 0:
                with no_grad():
                    y = output.detach()
                    self._acts[name].append((y.mean(), y.std(), (y == 0).float().mean()))
                self._act_steps[name].append(step)
                self._flush(self._acts[name])
            return None

        return hook

    @staticmethod
    def _flush(records):
        """Read the oldest pending device scalars back as floats once FLUSH_EVERY of them wait."""
        if len(records) % FLUSH_EVERY == 0:
            for i in range(len(records) - FLUSH_EVERY, len(records)):
                value = records[i]
                records[i] = tuple(map(_as_float, value)) if isinstance(value, tuple) else _as_float(value)

    def remove(self):
        """Detach every hook (the records stay)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False

    # ------------------------------------------------------------------ reading
    def grad_norms(self):
        """{layer name: [||dL/dW||_2 per recorded backward pass]} as floats."""
        return {name: [math.sqrt(_as_float(sq)) for sq in values] for name, values in self._grad_sq.items()}

    def activation_stats(self):
        """{layer name: {"mean": [...], "std": [...], "zero_fraction": [...]}} per recorded forward pass."""
        out = {}
        for name, values in self._acts.items():
            out[name] = {key: [_as_float(v[i]) for v in values]
                         for i, key in enumerate(("mean", "std", "zero_fraction"))}
        return out

    def to_dict(self):
        """Everything recorded, JSON-ready: layer names, steps, gradient norms, activation statistics."""
        return {
            "layers": list(self.layer_names),
            "grad_steps": {k: list(v) for k, v in self._grad_steps.items()},
            "grad_norms": self.grad_norms(),
            "activation_steps": {k: list(v) for k, v in self._act_steps.items()},
            "activations": self.activation_stats(),
        }

    def plot(self, steps=None, title="Gradient flow"):
        """A Figure: the weight-gradient norm of every layer (input to output, log scale) at the recorded
        passes ``steps`` (indices into the records; default the first and the last), and, when recorded,
        the standard deviation of each layer's output."""
        return plot_grad_flow(self.to_dict(), steps=steps, title=title)


def plot_grad_flow(record, steps=None, title="Gradient flow"):
    """Plot a ``GradientRecorder.to_dict()`` record (or a JSON copy of one); returns the Figure."""
    from matplotlib.figure import Figure

    layers = record["layers"]
    norms = record["grad_norms"]
    n_records = min(len(norms[name]) for name in layers)
    if n_records == 0:
        raise ValueError("plot_grad_flow: no backward pass was recorded")
    if steps is None:
        steps = sorted({0, n_records - 1})
    acts = record.get("activations") or {}
    has_acts = acts and all(acts[name]["std"] for name in layers)
    fig = Figure(figsize=(max(6.0, 0.25 * len(layers) + 3), 6.5 if has_acts else 3.8), layout="constrained")
    axes = fig.subplots(2 if has_acts else 1, 1, squeeze=False, sharex=True)[:, 0]
    x = range(len(layers))
    for i in steps:
        label = f"pass {record['grad_steps'][layers[0]][i] + 1}"
        axes[0].plot(x, [norms[name][i] for name in layers], marker="o", ms=3, label=label)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("||dL/dW||")
    axes[0].set_title(title)
    axes[0].legend()
    if has_acts:
        n_acts = min(len(acts[name]["std"]) for name in layers)
        for i in sorted({0, n_acts - 1}):
            axes[1].plot(x, [acts[name]["std"][i] for name in layers], marker="o", ms=3,
                         label=f"forward {record['activation_steps'][layers[0]][i] + 1}")
        axes[1].set_ylabel("std of the layer's output")
        axes[1].legend()
    axes[-1].set_xticks(list(x))
    axes[-1].set_xticklabels(layers, rotation=90, fontsize=7)
    axes[-1].set_xlabel("layer (input to output)")
    return fig
