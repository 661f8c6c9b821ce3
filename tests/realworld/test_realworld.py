"""The corpus of real public PyTorch programs (``programs/``), run with only their imports changed.

Each program's header names its source, commit and licence, and declares what the runner needs:

    # Data: mnist cifar10            data sets to write (``realdata.WRITERS``) under the working folder
    # Folders: results               empty folders the program expects (they ship with its repository)
    # Args: --epochs 1               command-line arguments (the programs' own knobs, to run in seconds)
    # Compare: exact | structure | none
    # Xfail: needs <API>             a gap another part of the project is still filling
    # Seed: shared                   both runs draw their random numbers from one NumPy stream (see below)
    # Tolerance: 1e-2                the relative tolerance of ``exact`` (default 1e-4): float32 training loops
                                     amplify the last-bit differences of two BLAS libraries step by step

Every program runs in a fresh folder with minitorch_cnn. Where PyTorch is installed (and torchvision,
for the programs that import it), the original -- each ``# CHANGED-IMPORT: <line>`` restored -- runs too
and the two outputs are compared: ``exact`` compares every printed number (rtol 1e-4) and all text;
``structure`` compares the whole text with every number masked and line breaks ignored (the programs
draw random numbers, which the two frameworks generate differently); ``none`` only checks that both finish.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import realdata

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROGRAMS = sorted((HERE / "programs").glob("*.py"))
HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_TORCHVISION = importlib.util.find_spec("torchvision") is not None
HAS_PILLOW = importlib.util.find_spec("PIL") is not None
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b")
TIMEOUT_S = 240


def header(program):
    """The ``# Key: value`` lines of a program's header, as a dict."""
    fields = {}
    for line in program.read_text().splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"# (Data|Args|Compare|Xfail|Folders|Seed|Tolerance): ?(.*)$", line)
        if match:
            fields[match.group(1).lower()] = match.group(2).strip()
    return fields


def original_source(text):
    """The program as it was: every ``<line>  # CHANGED-IMPORT: <original>`` becomes ``<original>``."""
    lines = []
    for line in text.splitlines():
        code, sep, original = line.partition("# CHANGED-IMPORT: ")
        if sep and not code.lstrip().startswith("#"):
            indent = code[:len(code) - len(code.lstrip())]
            line = indent + original.strip()
        lines.append(line)
    return "\n".join(lines) + "\n"


# ``# Seed: shared``: both frameworks draw randn / rand / the layers' initial weights from one NumPy
# stream (and Python's ``random`` from one seed), so a program's printed numbers can be compared exactly.
SHARED_RANDOMNESS = """import math as _math, random as _random
import numpy as _np
import {module} as _torch
_random.seed(0)
_rs = _np.random.RandomState(0)


def _shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def _tensor(values, dtype=None, device=None, requires_grad=False):
    out = _torch.tensor(values, dtype=dtype or _torch.get_default_dtype(), device=device)
    return out.requires_grad_(requires_grad)


def _uniform_(t, a=0.0, b=1.0, generator=None):
    with _torch.no_grad():
        t.copy_(_torch.tensor(_rs.uniform(a, b, tuple(t.shape)), dtype=t.dtype))
    return t


def _kaiming_uniform_(t, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = _torch.nn.init._calculate_fan_in_and_fan_out(t)
    gain = _torch.nn.init.calculate_gain(nonlinearity, a)
    bound = _math.sqrt(3.0) * gain / _math.sqrt(fan_in if mode == "fan_in" else fan_out)
    return _uniform_(t, -bound, bound)


_torch.randn = lambda *size, **kw: _tensor(_rs.standard_normal(_shape(size)), **kw)
_torch.rand = lambda *size, **kw: _tensor(_rs.uniform(0.0, 1.0, _shape(size)), **kw)
_torch.nn.init.uniform_ = _uniform_
_torch.nn.init.kaiming_uniform_ = _kaiming_uniform_
"""


def with_shared_randomness(source, module):
    """``source`` with SHARED_RANDOMNESS inserted after its ``from __future__`` imports."""
    lines = source.splitlines()
    at = max([k + 1 for k, line in enumerate(lines) if line.startswith("from __future__")], default=0)
    return "\n".join(lines[:at] + SHARED_RANDOMNESS.format(module=module).splitlines() + lines[at:]) + "\n"


def _start(source_file, workdir, args):
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg", PYTHONHASHSEED="0", OMP_NUM_THREADS="1",
               TORCH_HOME=str(workdir / "torch_home"))  # realdata.resnet18_checkpoint writes there
    return subprocess.Popen([sys.executable, str(source_file), *args.split()], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _prepare(folder, data, folders=""):
    """``folder/a/run`` with the data under ``run/data``, also reachable as ``../data`` and ``../../data``."""
    run = folder / "a" / "run"
    run.mkdir(parents=True)
    for name in folders.split():
        (run / name).mkdir(parents=True)
    (run / "data").mkdir()
    for name in data.split():
        realdata.WRITERS[name](run / "data")
    for parent in (run.parent, run.parent.parent):
        (parent / "data").symlink_to(run / "data", target_is_directory=True)
    return run


def _finish(process, what):
    try:
        out, err = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"{what} did not finish in {TIMEOUT_S} s; stderr tail:\n{err[-3000:]}")
    assert process.returncode == 0, f"{what} failed (exit {process.returncode}); stderr tail:\n{err[-4000:]}"
    return out


def _normalised(text):
    """Text lines with framework names unified ('minitorch_cnn.float32' prints as 'torch.float32')."""
    text = re.sub(r"0x[0-9a-fA-F]+", "0x#", text.replace("minitorch_cnn", "torch"))  # object addresses
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    return [re.sub(r"([\[(]) ", r"\1", line) for line in lines]  # the sign column torch pads with a space


def compare(ours, theirs, mode, rtol=1e-4):
    """Assert that the two outputs agree in ``mode`` (see the module docstring)."""
    a, b = _normalised(ours), _normalised(theirs)
    if mode == "structure":  # a printed tensor wraps its lines where its random values make it wrap
        a, b = [" ".join(a)], [" ".join(b)]
    assert len(a) == len(b), f"{len(a)} lines printed, PyTorch printed {len(b)}:\n{ours}\n--- PyTorch ---\n{theirs}"
    for k, (x, y) in enumerate(zip(a, b)):
        assert NUMBER.sub("#", x) == NUMBER.sub("#", y), f"line {k + 1} differs:\n  ours:    {x}\n  PyTorch: {y}"
        if mode == "exact":
            for u, v in zip(NUMBER.findall(x), NUMBER.findall(y)):
                fu, fv = float(u), float(v)
                assert abs(fu - fv) <= rtol * max(abs(fu), abs(fv)) + 1e-5 or fu == fv, \
                    f"line {k + 1}: {u} vs PyTorch {v}\n  ours:    {x}\n  PyTorch: {y}"


def _params():
    for program in PROGRAMS:
        fields = header(program)
        marks = [pytest.mark.xfail(reason=fields["xfail"], strict=False)] if "xfail" in fields else []
        yield pytest.param(program, id=program.stem, marks=marks)


@pytest.mark.parametrize("program", list(_params()))
def test_program_runs_with_only_the_import_changed(program, tmp_path):
    fields = header(program)
    data, args, mode = fields.get("data", ""), fields.get("args", ""), fields.get("compare", "structure")
    text = program.read_text()
    if ("save_image" in text or "ImageFolder" in text) and not HAS_PILLOW:
        pytest.skip("needs Pillow (pip install pillow) to write or decode image files")
    needs_torchvision = "CHANGED-IMPORT: import torchvision" in text or "CHANGED-IMPORT: from torchvision" in text
    folders, shared = fields.get("folders", ""), fields.get("seed") == "shared"
    workdir = _prepare(tmp_path / "ours", data, folders)
    if shared:
        program = workdir / program.name
        program.write_text(with_shared_randomness(text, "minitorch_cnn"))
    ours = _start(program, workdir, args)
    theirs = None
    if HAS_TORCH and (HAS_TORCHVISION or not needs_torchvision):
        workdir = _prepare(tmp_path / "pytorch", data, folders)
        original = workdir / f"original_{program.name}"
        source = original_source(text)
        original.write_text(with_shared_randomness(source, "torch") if shared else source)
        theirs = _start(original, workdir, args)
    our_output = _finish(ours, f"{program.name} on minitorch_cnn")
    if theirs is not None:
        compare(our_output, _finish(theirs, f"{program.name} on PyTorch"), mode, float(fields.get("tolerance", 1e-4)))


def test_every_program_names_its_source_licence_and_marks_its_changes():
    assert len(PROGRAMS) >= 25
    for program in PROGRAMS:
        text = program.read_text()
        head = text[:4000]
        assert re.search(r"^# Source: https://github\.com/\S+/blob/[0-9a-f]{40}/\S+", head, re.M), program.name
        assert re.search(r"^# Licence: (BSD-3-Clause|MIT)", head, re.M), program.name
        assert "CHANGED-IMPORT: " in text, program.name  # at least `import torch` was changed
        for line in text.splitlines():
            stripped = line.strip()
            if re.match(r"(import|from) (minitorch_cnn)\b", stripped):
                assert "# CHANGED-IMPORT: " in line, f"{program.name}: unmarked import change: {line}"


def test_original_source_restores_the_marked_lines():
    text = "import minitorch_cnn as torch  # CHANGED-IMPORT: import torch\n    from minitorch_cnn import nn" \
           "  # CHANGED-IMPORT: from torch import nn\nx = 1  # CHANGED: smaller\n"
    assert original_source(text) == "import torch\n    from torch import nn\nx = 1  # CHANGED: smaller\n"
