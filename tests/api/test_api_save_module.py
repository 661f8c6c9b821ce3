"""``mt.save(model)`` / ``mt.load``: a whole model saves (as ``torch.save`` pickles one) and its loading is
refused as PyTorch 2.6+'s default ``torch.load(weights_only=True)`` refuses it, naming the class and
pointing at ``model.state_dict()``; loading never runs the model's code."""
import pickle

import pytest

import minitorch_cnn as mt
from core_checks import requires_torch, torch
from minitorch_cnn.serialization import UnsafeFileError

CALLS = []


class Net(mt.nn.Module):
    def __init__(self):
        super().__init__()
        CALLS.append("__init__")
        self.fc = mt.nn.Linear(2, 3)

    def __setstate__(self, state):  # (a pickle would call it; loading here must not)
        CALLS.append("__setstate__")


def _refusal(path):
    with pytest.raises(pickle.UnpicklingError) as caught:
        mt.load(path)
    assert isinstance(caught.value, UnsafeFileError)
    return str(caught.value)


def test_a_whole_model_saves_and_its_loading_is_refused_without_running_code(tmp_path):
    model = Net()
    CALLS.clear()
    mt.save(model, tmp_path / "model.ckpt")
    message = _refusal(tmp_path / "model.ckpt")
    assert message.startswith("Weights only load failed. ")
    assert "holds a whole object of class test_api_save_module.Net" in message
    assert "GLOBAL test_api_save_module.Net was not an allowed global by default" in message
    assert "Save model.state_dict(), not the model" in message
    assert CALLS == []  # neither the class nor anything else of the model ran
    mt.save({"model": mt.nn.Sequential(mt.nn.Linear(2, 2)), "epoch": 3}, tmp_path / "nested.ckpt")
    assert "minitorch_cnn.nn.modules.container.Sequential" in _refusal(tmp_path / "nested.ckpt")
    with pytest.raises(ValueError, match="weights_only=False is not supported"):
        mt.load(tmp_path / "model.ckpt", weights_only=False)
    mt.save(model.state_dict(), tmp_path / "params.ckpt")  # the recommended way still round-trips
    fresh = Net()
    fresh.load_state_dict(mt.load(tmp_path / "params.ckpt"))
    assert fresh.fc.weight.tolist() == model.fc.weight.tolist()


@requires_torch
def test_pytorch_refuses_the_same_and_its_saved_model_is_refused_here_alike(tmp_path):
    torch.save(torch.nn.Linear(2, 3), tmp_path / "torch_model.ckpt")
    with pytest.raises(pickle.UnpicklingError) as caught:
        torch.load(tmp_path / "torch_model.ckpt")
    theirs = str(caught.value)
    ours = _refusal(tmp_path / "torch_model.ckpt")
    assert theirs.split(".")[0] == ours.split(".")[0] == "Weights only load failed"
    global_part = "GLOBAL torch.nn.modules.linear.Linear was not an allowed global by default"
    assert global_part in theirs and global_part in ours
