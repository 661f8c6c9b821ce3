"""Make the README's "See inside" pictures from real runs:  python docs/see_inside/make_figures.py

Writes into docs/see_inside/ (next to this script):

  basic_block_graph.png/.dot   make_dot of a ResNet BasicBlock's output (PNG needs Graphviz's ``dot``)
  inception_graph.png/.dot     make_dot of an Inception block: four branches into one CatBackward0
  summary_resnet20.txt         the summary table with mult-adds and receptive fields
  gradflow.png/.json           LeNet-5 trained on the digits: gradient norm per layer, first and last step
  filters.png                  its first-layer filters after training
  feature_maps.png             conv1 and conv2 feature maps of one test digit
  saliency.png                 the saliency map of that digit
  degradation.png/.json, gradient_norms.png
                               python -m minitorch_cnn experiment degradation, default settings
                               (--skip-degradation keeps the files already there)
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # run from a checkout without installing

import minitorch_cnn as mt  # noqa: E402
from minitorch_cnn.cli import experiment  # noqa: E402
from minitorch_cnn.utils.data import datasets  # noqa: E402
from minitorch_cnn.utils.gradflow import GradientRecorder  # noqa: E402
from minitorch_cnn.utils.pictures import plot_feature_maps, plot_filters, plot_saliency  # noqa: E402
from minitorch_cnn.utils.summary import summary  # noqa: E402
from minitorch_cnn.utils.viz import make_dot  # noqa: E402


def out(name):
    return os.path.join(HERE, name)


def save_graph(dot, name):
    """The DOT text always; a PNG too where the graphviz package and the ``dot`` program are present."""
    with open(out(f"{name}.dot"), "w") as f:
        f.write(dot.source)
    if hasattr(dot, "pipe") and shutil.which("dot"):
        with open(out(f"{name}.png"), "wb") as f:
            f.write(dot.pipe(format="png"))
        return [f"{name}.dot", f"{name}.png"]
    return [f"{name}.dot"]


def graphs():
    mt.manual_seed(0)
    block = mt.models.resnet.BasicBlock(16, 16)
    x = mt.randn(1, 16, 8, 8, requires_grad=True)
    written = save_graph(make_dot(block(x), params={"x": x, **dict(block.named_parameters())}), "basic_block_graph")
    inception = mt.models.Inception(32, 8, 8, 16, 4, 8, 8)
    x = mt.randn(1, 32, 8, 8, requires_grad=True)  # an input that needs a gradient shows the pool branch too
    written += save_graph(make_dot(inception(x), params={"x": x, **dict(inception.named_parameters())}),
                          "inception_graph")
    return written


def summary_table():
    cols = ("output_size", "num_params", "mult_adds", "receptive_field")
    text = str(summary(mt.models.resnet20(), input_size=(1, 3, 32, 32), col_names=cols, depth=2, verbose=0))
    with open(out("summary_resnet20.txt"), "w") as f:
        f.write(text + "\n")
    return ["summary_resnet20.txt"]


def digits(split):
    d = datasets.Digits(split, size=32)
    return d.images(), np.asarray(d.targets, np.int64)


def train_lenet(epochs=4, batch_size=64, lr=0.05):
    """LeNet-5 on the digits with a GradientRecorder attached; (model, recorder, test images, labels)."""
    x_train, y_train = digits("train")
    x_test, y_test = digits("test")
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    mt.manual_seed(0)
    model = mt.models.lenet5()
    opt = mt.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    recorder = GradientRecorder(model)
    rng = np.random.default_rng(0)
    for epoch in range(epochs):
        for idx in np.array_split(rng.permutation(len(x_train)), len(x_train) // batch_size):
            loss = mt.nn.functional.cross_entropy(model(mt.from_numpy(x_train[idx])), mt.from_numpy(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    recorder.remove()
    model.eval()
    with mt.no_grad():
        accuracy = float((model(mt.from_numpy(x_test)).argmax(1).numpy() == y_test).mean())
    print(f"LeNet-5 on the digits: {epochs} epochs, test accuracy {100 * accuracy:.1f}%")
    return model, recorder, x_test, y_test, accuracy


def lenet_pictures():
    model, recorder, x_test, y_test, accuracy = train_lenet()
    record = recorder.to_dict()
    record["test_accuracy"] = accuracy
    with open(out("gradflow.json"), "w") as f:
        json.dump(record, f)
    recorder.plot(title="LeNet-5 on the digits: gradient flow").savefig(out("gradflow.png"), dpi=110)
    plot_filters(model, ncols=6).savefig(out("filters.png"), dpi=110)
    digit = mt.from_numpy(x_test[0])
    plot_feature_maps(model, "conv1", digit, ncols=6).savefig(out("feature_maps.png"), dpi=110)
    plot_feature_maps(model, "conv2", digit, ncols=8).savefig(out("feature_maps_conv2.png"), dpi=110)
    plot_saliency(model, digit, classes=[str(d) for d in range(10)],
                  title=f"a test digit {y_test[0]}").savefig(out("saliency.png"), dpi=110)
    return ["gradflow.json", "gradflow.png", "filters.png", "feature_maps.png", "feature_maps_conv2.png",
            "saliency.png"]


def degradation():
    """The command with its default settings: python -m minitorch_cnn experiment degradation --out HERE."""
    parser = argparse.ArgumentParser()
    experiment.add_parser(parser.add_subparsers(dest="command"))
    start = time.perf_counter()
    experiment.run(parser.parse_args(["experiment", "degradation", "--out", HERE]))
    print(f"degradation experiment: {time.perf_counter() - start:.0f} s")
    return ["degradation.json", "degradation.png", "gradient_norms.png"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-degradation", action="store_true", help="keep the degradation files already there")
    args = parser.parse_args(argv)
    written = graphs() + summary_table() + lenet_pictures()
    if not args.skip_degradation:
        written += degradation()
    print("wrote", ", ".join(written), "in", HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
