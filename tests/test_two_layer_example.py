"""examples/two_layer_net.py (Lecture 8) runs as a script and its loss falls every epoch."""
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_two_layer_example_trains():
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, os.path.join(REPO, "examples", "two_layer_net.py"),
                             "--N", "32", "--D-in", "200", "--H", "50", "--D-out", "5"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    losses = [float(v) for v in re.findall(r"loss (\S+)", result.stdout)]
    assert len(losses) == 10  # ten epochs
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < 0.9 * losses[0]
    assert "reduction='sum'" in result.stderr  # the lecture's legacy size_average=False still warns


def test_two_layer_example_in_process(capsys):
    sys.path.insert(0, os.path.join(REPO, "examples"))
    try:
        import two_layer_net
    finally:
        sys.path.pop(0)
    with pytest.warns(UserWarning, match="size_average"):
        losses = two_layer_net.main(N=16, D_in=20, H=8, D_out=3, epochs=3, batch_size=4, learning_rate=1e-2)
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert capsys.readouterr().out.count("epoch") == 3
