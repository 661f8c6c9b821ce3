"""The other commands in short modes: summary, gradcheck, bench."""
import json

import numpy as np
import pytest

from minitorch_cnn.autograd.function import Function
from minitorch_cnn.cli.bench import markdown_table
from minitorch_cnn.cli import main
from minitorch_cnn.gradcheck_suite import CASES, check_case


def test_summary_of_lenet5_counts_its_parameters(capsys):
    assert main(["summary", "lenet5"]) == 0
    table = capsys.readouterr().out
    assert "61,706" in table and "Conv2d" in table and "[1, 16, 10, 10]" in table.replace("(", "[").replace(")", "]")


def test_summary_takes_an_input_size(capsys):
    assert main(["summary", "resnet20", "--input", "2,3,32,32"]) == 0
    assert "269,722" in capsys.readouterr().out


def test_summary_of_an_mlp_feeds_it_flat_vectors(capsys):
    assert main(["summary", "two_layer_net"]) == 0
    assert "308,310" in capsys.readouterr().out  # 3072*100 + 100 + 100*10 + 10


def test_summary_of_an_unknown_model_lists_the_valid_names(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["summary", "resnet7"])
    assert exit_info.value.code == 2 and "lenet5" in capsys.readouterr().err


def test_gradcheck_command_prints_a_passing_table(capsys):
    assert main(["gradcheck", "--ops", "conv2d*"]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS") == 5 and "5/5 ops pass gradcheck" in out


def test_gradcheck_cases_cover_the_cnn_ops():
    names = " ".join(name for name, _, _ in CASES)
    for op in ("conv2d", "max_pool2d", "avg_pool2d", "batch_norm", "local_response_norm", "dropout", "cross_entropy",
               "softmax", "matmul", "gelu"):
        assert op in names


class _WrongSquare(Function):
    """x^2 with the gradient off by a factor of 2, so that gradcheck must fail."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, grad):
        return grad * self.x  # the correct gradient is 2 x grad


def test_gradcheck_reports_a_wrong_gradient_as_fail():
    status, detail, _ = check_case("wrong square", lambda x: _WrongSquare()(x),
                                   lambda inputs: (inputs.randn(2, 2),))
    assert status == "FAIL" and "Jacobian mismatch" in detail


def test_gradcheck_reports_a_crash_as_error():
    status, detail, _ = check_case("crash", lambda x: x.no_such_method(), lambda inputs: (inputs.randn(2),))
    assert status == "ERROR" and "AttributeError" in detail


def test_bench_quick_writes_table_json_and_chart(tmp_path, capsys):
    assert main(["bench", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| LeNet-5 | 4 | 61,706 |" in out
    results = json.loads((tmp_path / "bench.json").read_text())["results"]
    assert [r["workload"] for r in results] == ["TwoLayerNet", "conv layers 3x3", "LeNet-5", "ResNet-20",
                                                "ResNet-18 (32x32)"]
    assert (tmp_path / "bench.png").stat().st_size > 1000


def test_bench_table_gives_time_ratios():
    results = [{"workload": "LeNet-5", "batch": 64, "params": 61706,
                "seconds": {"minitorch NumPy": 0.02, "PyTorch CPU": 0.01, "minitorch CuPy": 0.004}}]
    table = markdown_table(results, ["minitorch NumPy", "minitorch CuPy", "PyTorch CPU"])
    # one convention everywhere: ours / peer, lower is better
    assert "| LeNet-5 | 64 | 61,706 | 20.0 (3,200) | 4.0 (16,000) | 10.0 (6,400) | 2.00x | 0.20x |" in table


def test_confusion_matrix_counts_true_against_predicted():
    from minitorch_cnn.cli.train.metrics import confusion_matrix

    rng = np.random.default_rng(0)
    targets, predictions = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    expected = np.zeros((4, 4), dtype=np.int64)
    for t, p in zip(targets, predictions):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(targets, predictions, 4), expected)
