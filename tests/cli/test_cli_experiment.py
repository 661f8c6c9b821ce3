"""``experiment degradation`` (He et al. 2016) in a tiny setting: it trains plain and residual nets of
two depths the same way and writes its JSON and its two plots."""
import argparse
import json

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.cli import experiment
from minitorch_cnn.cli.experiment import CifarNet, PlainBlock


def parse(argv):
    parser = argparse.ArgumentParser()
    experiment.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_plain_and_residual_nets_have_the_same_layers_and_parameters():
    plain, residual = CifarNet(20, residual=False, in_channels=1), CifarNet(20, residual=True, in_channels=1)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(plain) == count(residual) == 269_722 - 2 * 16 * 9  # resnet20 with a 1-channel input
    weighted = [n for n, m in plain.named_modules() if isinstance(m, (mt.nn.Conv2d, mt.nn.Linear))]
    assert len(weighted) == 20
    block = plain.layer2[0]
    assert isinstance(block, PlainBlock)
    x = mt.randn(2, 16, 8, 8)
    block.eval()
    with mt.no_grad():
        want = block.relu(block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x))))))
        np.testing.assert_array_equal(block(x).numpy(), want.numpy())  # no shortcut
    with pytest.raises(ValueError, match="depth must be 6n \\+ 2"):
        CifarNet(21, residual=True)


def test_tiny_run_writes_json_and_plots(tmp_path, capsys):
    args = parse(["experiment", "degradation", "--depths", "8", "14", "--epochs", "2", "--image-size", "8",
                  "--train-size", "96", "--batch-size", "32", "--out", str(tmp_path)])
    threads = mt.get_num_threads()
    assert experiment.run(args) == 0
    assert mt.get_num_threads() == threads  # --threads 1 held for the run only
    result = json.loads((tmp_path / "degradation.json").read_text())
    assert set(result["nets"]) == {"plain-8", "plain-14", "resnet-8", "resnet-14"}
    assert result["train_size"] == 96 and result["settings"]["depths"] == [8, 14]
    for name, rec in result["nets"].items():
        depth = int(name.split("-")[1])
        assert len(rec["train_error"]) == len(rec["test_error"]) == len(rec["epoch_seconds"]) == 2
        assert all(0 <= e <= 1 for e in rec["train_error"] + rec["test_error"])
        assert len(rec["layers"]) == depth and rec["layers"][0] == "conv1" and rec["layers"][-1] == "fc"
        assert all(v > 0 for v in rec["grad_norm_at_start"].values())
    # the same initialisation and batches: the first step of plain-8 is reproducible
    again = experiment.train_one(8, False, experiment.load_data(8, train_size=96),
                                 dict(result["settings"], epochs=1), log=lambda *a: None)
    assert again["grad_norm_at_start"] == pytest.approx(result["nets"]["plain-8"]["grad_norm_at_start"])
    for png in ("degradation.png", "gradient_norms.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "plain-14: final train error" in out and "degradation.json" in out


def test_bad_depth_is_refused(capsys):
    assert experiment.run(parse(["experiment", "degradation", "--depths", "20", "21"])) == 2
    assert "--depths: 21 is not of the form 6n + 2" in capsys.readouterr().out
    assert experiment.run(parse(["experiment", "degradation", "--threads", "0"])) == 2
    assert "--threads must be a positive integer, got 0" in capsys.readouterr().out
