"""Random numbers: one seeded generator per device, reset by ``mt.manual_seed``."""
import numpy as np

from . import backend


class Generator:
    """A source of random numbers (``mt.Generator().manual_seed(0)``), like ``torch.Generator``."""

    def __init__(self, device="cpu"):
        self.device = backend.as_device(device)
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rngs = {}

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rngs = {}
        return self

    def seed(self):
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self):
        return self._seed

    def rng(self, device):
        """The bit stream for arrays made on ``device``."""
        device = backend.as_device(device)
        if device not in self._rngs:
            xp = backend.array_module_for(device)
            self._rngs[device] = xp.random.default_rng(self._seed)
        return self._rngs[device]

    def get_state(self):
        return {str(d): r.bit_generator.state for d, r in self._rngs.items() if d.type == "cpu"} | {"seed": self._seed}

    def set_state(self, state):
        self._seed = state["seed"]
        self._rngs = {}
        for key, value in state.items():
            if key != "seed":
                self.rng(key).bit_generator.state = value


default_generator = Generator()


def manual_seed(seed):
    """Seed every random draw: creation functions, init, dropout, shuffling."""
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _rng(device, generator):
    return (generator or default_generator).rng(device)


def uniform_array(shape, low, high, dtype, device, generator=None):
    rng = _rng(device, generator)
    out = rng.random(tuple(shape), dtype=np.float64)
    return (out * (high - low) + low).astype(dtype, copy=False)


def normal_array(shape, mean, std, dtype, device, generator=None):
    rng = _rng(device, generator)
    out = rng.standard_normal(tuple(shape), dtype=np.float64)
    return (out * std + mean).astype(dtype, copy=False)


def randint_array(low, high, shape, device, generator=None):
    return _rng(device, generator).integers(low, high, size=tuple(shape), dtype=np.int64)


def permutation_array(n, device, generator=None):
    rng = _rng(device, generator)
    if isinstance(rng, np.random.Generator):
        return rng.permutation(n).astype(np.int64)
    # CuPy's Generator.permutation did not repeat under the same seed (GPU check): sort seeded uniform keys
    return rng.random(n).argsort().astype(np.int64)
