"""Record torchvision's architecture facts into ``torchvision_reference.json`` (run by hand, not by pytest).

For every torchvision builder that ``mt.models`` mirrors it stores the parameter count, the number of
``state_dict`` entries, a sha256 over the ordered ``"key:shape"`` lines, and the GFLOPS (really GMACs at
224x224) that torchvision publishes in the weights' metadata. The tests compare ``mt.models`` against this
file, so they need neither torchvision nor a download.

    python tests/models/record_torchvision_reference.py
"""
import hashlib
import json
import os

import torchvision
from torchvision import models

BUILDERS = {
    "alexnet": {}, "vgg11": {}, "vgg11_bn": {}, "vgg13": {}, "vgg13_bn": {}, "vgg16": {}, "vgg16_bn": {},
    "vgg19": {}, "vgg19_bn": {}, "googlenet": {}, "googlenet(aux_logits=False)": {"aux_logits": False},
    "resnet18": {}, "resnet34": {}, "resnet50": {}, "resnet101": {}, "resnet152": {},
    "wide_resnet50_2": {}, "wide_resnet101_2": {}, "resnext50_32x4d": {}, "resnext101_32x8d": {},
    "resnext101_64x4d": {}, "densenet121": {}, "densenet161": {}, "densenet169": {}, "densenet201": {},
}


def state_dict_sha256(state_dict):
    """sha256 over one ``key:shape`` line per entry, in state_dict order (shape as ``a,b,c``)."""
    lines = "\n".join(f"{k}:{','.join(map(str, v.shape))}" for k, v in state_dict.items())
    return hashlib.sha256(lines.encode()).hexdigest()


def record(call, kwargs):
    name = call.split("(")[0]
    if name == "googlenet" or name.startswith("vgg"):
        kwargs = {**kwargs, "init_weights": False}  # same shapes; skips a slow init and googlenet's warning
    sd = models.get_model(name, **kwargs).state_dict()
    gflops = models.get_model_weights(name).DEFAULT.meta["_ops"]
    num_params = sum(v.numel() for k, v in sd.items()
                     if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))
    return {"num_params": num_params, "num_state_dict_entries": len(sd),
            "state_dict_sha256": state_dict_sha256(sd), "gflops_224": gflops}


if __name__ == "__main__":
    table = {"torchvision_version": torchvision.__version__.split("+")[0]}
    table.update({call: record(call, kwargs) for call, kwargs in BUILDERS.items()})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchvision_reference.json")
    with open(path, "w") as f:
        json.dump(table, f, indent=1)
        f.write("\n")
    print(f"wrote {len(BUILDERS)} entries to {path}")
