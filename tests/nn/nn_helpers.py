"""Shared tools of the nn tests (imported as ``from nn_helpers import ...``)."""
import numpy as np

import minitorch_cnn as mt


def copy_to_torch(module, torch_module):
    """Give ``torch_module`` the float64 values of ``module``'s state_dict (same key names)."""
    import torch

    torch_module.double()
    state = {k: torch.from_numpy(np.array(v.data)) for k, v in module.state_dict().items()}
    torch_module.load_state_dict(state)
    return torch_module


def numpy_of(t):
    """A torch or minitorch tensor as a NumPy array."""
    return t.detach().cpu().numpy() if hasattr(t, "detach") and not isinstance(t, mt.Tensor) else np.asarray(t)
