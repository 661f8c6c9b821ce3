"""The command line: ``python -m minitorch_cnn COMMAND`` (or ``minitorch-cnn COMMAND``).

Commands:
    train      train a zoo model on a data set, with checkpoints, resume, metrics and plots
    summary    the layer table of a zoo model (output shapes, parameters, MACs)
    bench      time training steps of reference workloads, optionally against PyTorch
    gradcheck  prove every op's gradient by finite differences, as a pass/fail table
    experiment the lectures' experiments (``experiment degradation``: He et al. 2016's Fig. 1)

Misuse (an unknown model or data set, a value out of range, options that contradict the run being
resumed) exits with code 2, the usage and a message; a run that cannot proceed (missing data files, a
corrupt checkpoint, a read-only or full disk, a diverged loss) exits with code 1 and one line.
``python -m minitorch_cnn --version`` prints the version.
"""
import argparse
import fnmatch
import math
import os
import sys

from .train.trainer import TrainingError, UsageError
from ..utils.data.datasets import DatasetError


def _train_parser(sub):
    from .train.builders import DEFAULT_LR, OPTIMIZERS, SCHEDULERS
    from .train.data import DATASETS
    from .train.run import DEFAULTS

    lrs = ", ".join(f"{name} {lr:g}" for name, lr in DEFAULT_LR.items())
    p = sub.add_parser("train", help="train a model (default: LeNet-5 on the bundled handwritten digits)",
                       description="Train a zoo model on a data set. Writes checkpoint.pt (the last epoch), "
                                   "best.pt (the best validation accuracy, which is tested at the end), "
                                   "metrics.json, and with matplotlib curves.png and confusion_matrix.png to "
                                   "--out. Options left out take the defaults shown; with --resume, the saved "
                                   "run's settings. Ctrl-C or SIGTERM saves and exits; --resume continues.")
    # Defaults are None here and filled in by run_training, so that --resume can tell what was typed.
    p.add_argument("--model", metavar="NAME", help=f"a name of mt.models.list_models() ({DEFAULTS['model']})")
    p.add_argument("--dataset", metavar="NAME", help=f"{' | '.join(DATASETS)} ({DEFAULTS['dataset']})")
    p.add_argument("--data-dir", metavar="DIR", help=f"folder of the MNIST/CIFAR-10 files ({DEFAULTS['data_dir']})")
    p.add_argument("--download", action="store_true", help="fetch missing official files (checksums verified)")
    p.add_argument("--epochs", type=_positive_int, metavar="N",
                   help=f"train up to this epoch ({DEFAULTS['epochs']}); with --resume, a larger N extends the run "
                        f"and stretches its schedule over the new total")
    p.add_argument("--batch-size", type=_positive_int, metavar="N", help=f"mini-batch size ({DEFAULTS['batch_size']})")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS), help=f"({DEFAULTS['optimizer']})")
    p.add_argument("--lr", type=_number(lambda v: v > 0, "a finite number > 0"),
                   help=f"learning rate ({lrs}); with --resume, the new base rate from the next step on")
    p.add_argument("--momentum", type=_number(lambda v: 0 <= v < 1, "in [0, 1)"), metavar="M",
                   help=f"SGD momentum ({DEFAULTS['momentum']})")
    p.add_argument("--weight-decay", type=_number(lambda v: v >= 0, "a finite number >= 0"), metavar="WD",
                   help="(the optimizer's own default)")
    p.add_argument("--scheduler", choices=list(SCHEDULERS), help=f"learning-rate schedule ({DEFAULTS['scheduler']})")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction,
                   help="random shifts, and flips for CIFAR-10/fake (on)")
    p.add_argument("--small-input", action=argparse.BooleanOptionalAction,
                   help="the 3x3 stem of the ImageNet ResNets for small images (on by default for the 32x32 data "
                        "sets here)")
    p.add_argument("--early-stop", type=_positive_int, metavar="N",
                   help="stop when the validation accuracy has not improved for N epochs (off)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="auto: CUDA when available, else CPU")
    p.add_argument("--seed", type=_seed, metavar="N",
                   help=f"seeds initialisation, shuffling, dropout, 0..2**32-1 ({DEFAULTS['seed']})")
    p.add_argument("--out", metavar="DIR", help="output folder (runs/MODEL-DATASET)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved in --out (its settings; --epochs, --lr, --early-stop, --device "
                        "and --data-dir may change)")
    p.add_argument("--force", action="store_true", help="delete the run already in --out and start over")
    p.add_argument("--record-gradients", action="store_true",
                   help="record each conv/linear layer's gradient norm and activation statistics per step: "
                        "gradients.json (and gradflow.png with matplotlib)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    return p


def _summary_parser(sub):
    p = sub.add_parser("summary", help="print a model's layer table", description="Layer table of a zoo model: "
                       "output shapes, parameters and multiply-accumulates (MACs).")
    p.add_argument("model", metavar="MODEL", help="a name of `mt.models.list_models()`")
    p.add_argument("--input", type=_shape, default=None, metavar="N,C,H,W",
                   help="input size (default: 1,C,32,32 for LeNet-5 and the CIFAR models, else 1,C,224,224)")
    p.add_argument("--num-classes", type=_positive_int, default=None, help="(default: the builder's)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    return p


def _bench_parser(sub):
    p = sub.add_parser("bench", help="time training steps of the benchmark workloads",
                       description="Time a training step (forward, backward, SGD update) of TwoLayerNet, conv "
                                   "layers, LeNet-5, ResNet-20 and ResNet-18 (small input); print a markdown "
                                   "table (ratios ours / PyTorch, lower is better); --out DIR also writes bench.json and a bar chart.")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="cuda also times NumPy vs CuPy")
    p.add_argument("--compare-torch", action="store_true", help="also time PyTorch when it is installed")
    p.add_argument("--quick", action="store_true", help="small batches and few repeats (a smoke test)")
    p.add_argument("--repeat", type=_positive_int, default=None, help="timed steps per workload")
    p.add_argument("--out", default=None, metavar="DIR", help="write bench.json and bench.png to DIR (default: print only)")
    return p


def _gradcheck_parser(sub):
    p = sub.add_parser("gradcheck", help="check every op's gradient by finite differences",
                       description="Run mt.autograd.gradcheck on every op in float64 on tiny inputs and print a "
                                   "pass/fail table. Exit code 1 when any op fails.")
    p.add_argument("--ops", default="*", metavar="PATTERN", help="only the ops whose name matches (e.g. 'conv*')")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    return p


def _experiment_parser(sub):
    from . import experiment

    return experiment.add_parser(sub)


COMMANDS = (("train", _train_parser), ("summary", _summary_parser), ("bench", _bench_parser),
            ("gradcheck", _gradcheck_parser), ("experiment", _experiment_parser))


def build_parser(prog=None):
    """The top-level parser; ``parser.commands[name]`` is each command's own parser."""
    from .. import __version__

    parser = argparse.ArgumentParser(prog=prog, description="minitorch_cnn: train, inspect, time and check CNNs "
                                     "built on NumPy/CuPy with PyTorch's API.")
    parser.add_argument("--version", action="version", version=f"minitorch_cnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parser.commands = {name: add(sub) for name, add in COMMANDS}
    return parser


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer in 0..{2**32 - 1}, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in 0..{2**32 - 1}, got {text}")
    return value


def _number(valid, description):
    """An argparse type: a finite float for which ``valid(value)`` holds."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {description}, got {text!r}") from None
        if not math.isfinite(value) or not valid(value):
            raise argparse.ArgumentTypeError(f"must be {description}, got {text}")
        return value
    parse.__name__ = "number"
    return parse


def _shape(text):
    try:
        shape = tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers like 1,3,224,224, got {text!r}")
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return shape


def _check_model(parser, name):
    from ..models import list_models

    if name not in list_models():
        parser.error(f"unknown model {name!r}; valid names: {', '.join(list_models())}")


SMALL_INPUT_MODELS = ("lenet5", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "wrn*")


def _default_input(name, model):
    """(1, in_features) for an MLP; (1, C, 32, 32) for the CIFAR-sized models; else (1, C, 224, 224)."""
    from ..nn import Linear
    from .train.builders import first_layer

    layer = first_layer(model)
    if isinstance(layer, Linear):
        return (1, layer.in_features)
    side = 32 if any(fnmatch.fnmatch(name, pattern) for pattern in SMALL_INPUT_MODELS) else 224
    return (1, layer.in_channels, side, side)


def _summary(args):
    from ..models import get_model
    from .train.builders import resolve_device
    from ..utils.summary import summary

    device = resolve_device(args.device)
    kwargs = {} if args.num_classes is None else {"num_classes": args.num_classes}
    model = get_model(args.model, **kwargs)
    input_size = args.input or _default_input(args.model, model)
    try:
        table = summary(model, input_size=input_size, device=device, verbose=0,
                        col_names=("output_size", "num_params", "mult_adds", "receptive_field"))
    except (RuntimeError, ValueError) as e:
        print(f"error: {args.model} cannot take an input of size {list(input_size)}: {e}", file=sys.stderr)
        return 1
    print(table)
    return 0


def _prog():
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m minitorch_cnn" if name in ("", "__main__.py", "-c") else name


def main(argv=None):
    """Entry point of ``python -m minitorch_cnn`` and of the ``minitorch-cnn`` script; returns the exit code."""
    parser = build_parser(prog=_prog())
    args = parser.parse_args(argv)
    command = parser.commands[args.command]
    if args.command == "train":
        from .train.data import DATASETS

        if args.model is not None:
            _check_model(command, args.model)
        if args.dataset is not None and args.dataset not in DATASETS:
            command.error(f"unknown data set {args.dataset!r}; valid names: {', '.join(DATASETS)}")
    elif args.command == "summary":
        _check_model(command, args.model)
    elif args.command == "gradcheck":
        from .gradcheck import matching_cases

        if not matching_cases(args.ops):
            from ..gradcheck_suite import CASES

            command.error(f"no op matches --ops {args.ops!r}; valid names: {', '.join(name for name, _, _ in CASES)}")
    try:
        if args.command == "train":
            from .train import run_training

            return run_training(vars(args))
        if args.command == "summary":
            return _summary(args)
        if args.command == "bench":
            from .bench import run_bench

            return run_bench(args)
        if args.command == "experiment":
            from . import experiment

            return experiment.run(args)
        from .gradcheck import run_gradcheck

        return run_gradcheck(pattern=args.ops, device=args.device)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return _end_job(130)
    except UsageError as e:  # options that contradict each other or the saved run
        command.print_usage(sys.stderr)
        print(f"{command.prog}: error: {e}", file=sys.stderr)
        return _end_job(2)
    except (TrainingError, DatasetError) as e:  # the message is the whole story: no traceback
        print(f"error: {e}", file=sys.stderr)
        return _end_job(1)


def _end_job(code):
    """``code``; under ``mpiexec`` with several processes, first end every rank of the job (the others
    would wait in their next collective for this one)."""
    from .. import distributed as dist

    if dist.is_initialized() and dist.get_world_size() > 1:
        from mpi4py import MPI

        from ..distributed import _launch

        sys.stdout.flush()
        sys.stderr.flush()
        _launch.abort_job(MPI.COMM_WORLD.Abort, code)
    return code


def entry_point():
    """``python -m minitorch_cnn`` and the ``minitorch-cnn`` script: the command owns its process, so it
    applies the process tuning (``mt.tune_process()``) before running ``main``."""
    from .._tuning import tune_process

    tune_process()
    return main()
