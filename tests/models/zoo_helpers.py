"""Shared tools of the model-zoo tests (imported as ``from zoo_helpers import ...``)."""
import json
import os

TORCHVISION_REFERENCE = {
    call: facts for call, facts in json.load(open(os.path.join(os.path.dirname(__file__),
                                                              "torchvision_reference.json"))).items()
    if call != "torchvision_version"
}


def torchvision_or_none():
    """torchvision when it imports cleanly, else None (the tests that use it are skipped)."""
    try:
        import torchvision
    except Exception:  # not installed, or built for another torch version
        return None
    return torchvision


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def key_shape_lines(state_dict):
    """``key:a,b,c`` per entry in order: what ``torchvision_reference.json`` hashes."""
    return "\n".join(f"{k}:{','.join(map(str, v.shape))}" for k, v in state_dict.items())
