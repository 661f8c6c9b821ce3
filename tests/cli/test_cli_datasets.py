"""Data sets read from files in their official formats, written here by the tests (nothing is downloaded)."""
import gzip
import io
import pickle
import tarfile

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.utils.data import datasets as ds
from minitorch_cnn.utils.data import transforms
from minitorch_cnn.utils.data.datasets import _linear_resize_matrix

from conftest import requires_torch
from cli_helpers import cifar_dir, mnist_dir, write_cifar_binary, write_cifar_python, write_idx  # noqa: F401 (fixtures)


def _read_labels(folder, name):
    with gzip.open(folder / name) as f:
        return np.frombuffer(f.read()[8:], dtype=np.uint8)


def test_mnist_reads_gz_and_raw_idx(mnist_dir):
    train, test = ds.MNIST(mnist_dir, train=True), ds.MNIST(mnist_dir, train=False)
    assert train.data.shape == (120, 28, 28) and train.data.dtype == mt.uint8  # tensors, as in torchvision
    assert test.data.shape == (40, 28, 28) and test.targets.dtype == mt.int64
    np.testing.assert_array_equal(train.targets, _read_labels(mnist_dir / "MNIST" / "raw",
                                                              "train-labels-idx1-ubyte.gz"))
    image, label = ds.MNIST(mnist_dir, train=True, transform=transforms.ToTensor())[3]  # the sample is a PIL image
    assert tuple(image.shape) == (1, 28, 28) and label == train.targets[3]
    np.testing.assert_allclose(image.numpy()[0], train.data[3] / 255, rtol=1e-6)
    assert train.images().shape == (120, 1, 28, 28)


def test_idx_header_gives_shape_and_dtype(tmp_path):
    values = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "x-idx3-ubyte", values)
    np.testing.assert_array_equal(ds.read_idx(tmp_path / "x-idx3-ubyte"), values)


def test_truncated_idx_file_is_refused(tmp_path):
    write_idx(tmp_path / "x", np.zeros((4, 28, 28)))
    (tmp_path / "x").write_bytes((tmp_path / "x").read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"truncated or corrupt.*\[4, 28, 28\]"):
        ds.read_idx(tmp_path / "x")
    (tmp_path / "y").write_bytes(b"not an idx file")
    with pytest.raises(ValueError, match="not an IDX file"):
        ds.read_idx(tmp_path / "y")


def test_fashion_mnist_uses_its_own_folder(tmp_path, mnist_dir):
    (mnist_dir / "MNIST").rename(mnist_dir / "FashionMNIST")
    data = ds.FashionMNIST(mnist_dir, train=False)
    assert len(data) == 40 and data.classes[0] == "T-shirt/top"


def test_missing_files_name_what_is_expected_and_where_to_get_it(tmp_path):
    with pytest.raises(ds.DatasetNotFoundError) as info:
        ds.MNIST(tmp_path)
    message = str(info.value)
    assert "train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert "https://" in message and "download" in message
    with pytest.raises(ds.DatasetNotFoundError, match=r"cifar-10-batches-bin/data_batch_1\.bin.*cs\.toronto\.edu"):
        ds.CIFAR10(tmp_path)


def test_cifar10_binary_batches_keep_the_channel_planes(cifar_dir):
    train, test = ds.CIFAR10(cifar_dir, train=True), ds.CIFAR10(cifar_dir, train=False)
    assert train.data.shape == (60, 32, 32, 3) and len(test) == 12
    record = np.fromfile(cifar_dir / "cifar-10-batches-bin" / "test_batch.bin", dtype=np.uint8)[:3073]
    assert test.targets[0] == record[0]
    # pixel (0, 0) of image 0: byte 1 is red, byte 1 + 1024 green, byte 1 + 2048 blue
    np.testing.assert_array_equal(test.data[0, 0, 0], record[[1, 1025, 2049]])
    assert tuple(transforms.ToTensor()(test[0][0]).shape) == (3, 32, 32)


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_cifar10_python_batches_match_the_binary_ones(tmp_path, cifar_dir, protocol):
    binary = ds.CIFAR10(cifar_dir, train=False)
    folder = tmp_path / "py" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    write_cifar_python(folder / "test_batch", binary.data, binary.targets, protocol)
    python = ds.CIFAR10(tmp_path / "py", train=False)
    np.testing.assert_array_equal(python.data, binary.data)
    np.testing.assert_array_equal(python.targets, binary.targets)


class _Exploit:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_cifar10_python_batch_cannot_run_code(tmp_path, capfd):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({"data": np.zeros((1, 3072), np.uint8), "labels": [0], "x": _Exploit()}, f)
    with pytest.raises(ds.CorruptFileError, match="refusing to load (posix|nt).system"):
        ds.CIFAR10(tmp_path, train=False)
    assert "pwned" not in capfd.readouterr().out


def test_cifar10_binary_of_wrong_size_is_refused(tmp_path):
    write_cifar_binary(tmp_path / "b.bin", np.zeros((2, 32, 32, 3)), [1, 2])
    (tmp_path / "b.bin").write_bytes((tmp_path / "b.bin").read_bytes()[:-1])
    with pytest.raises(ValueError, match="multiple of 3073"):
        ds.read_cifar_binary(tmp_path / "b.bin")


def test_digits_split_is_fixed_disjoint_and_complete():
    parts = {s: ds.Digits(s, split_seed=0) for s in ("train", "val", "test")}
    assert [len(parts[s]) for s in ("train", "val", "test")] == [1258, 180, 359]
    assert parts["train"].data.shape == (1258, 32, 32)
    again = ds.Digits("test", split_seed=0)
    np.testing.assert_array_equal(again.data, parts["test"].data)
    other = ds.Digits("test", split_seed=1)
    assert not np.array_equal(other.data, parts["test"].data)
    rows = {p.data[i].tobytes() for p in parts.values() for i in range(len(p))}
    assert len(rows) > 1700  # (a few of the 1,797 scans are exact duplicates of each other)
    assert np.bincount(parts["train"].targets).min() > 100


def test_resize_matrix_keeps_constants_and_averages_neighbours():
    R = _linear_resize_matrix(8, 32)
    np.testing.assert_allclose(R.sum(axis=1), 1)
    x = np.arange(8.0)
    assert R @ x == pytest.approx(np.clip((np.arange(32) + 0.5) / 4 - 0.5, 0, 7))


@requires_torch
def test_resize_matrix_equals_bilinear_interpolate():
    import torch

    image = np.random.default_rng(0).random((8, 8))
    R = _linear_resize_matrix(8, 32)
    expected = torch.nn.functional.interpolate(torch.tensor(image)[None, None], size=(32, 32), mode="bilinear",
                                               align_corners=False)[0, 0].numpy()
    np.testing.assert_allclose(R @ image @ R.T, expected, atol=1e-12)


def test_fake_data_has_the_requested_shapes():
    data = ds.FakeData(size=5, image_size=(3, 8, 6), num_classes=4)
    assert data.images().shape == (5, 3, 8, 6) and data.targets.max() < 4
    np.testing.assert_array_equal(ds.FakeData(size=5, image_size=(3, 8, 6)).data, data.data)


def test_download_checks_the_checksum(tmp_path):
    source = tmp_path / "source.gz"
    source.write_bytes(b"official bytes")
    good = ds.md5sum(source)
    target = ds.download_url(source.as_uri(), tmp_path / "out" / "file.gz", good)
    assert target.read_bytes() == b"official bytes"
    with pytest.raises(RuntimeError, match="expected MD5 0+, got"):
        ds.download_url(source.as_uri(), tmp_path / "out" / "other.gz", "0" * 32)
    assert not list((tmp_path / "out").glob("other*"))


def _tar_gz(path, members):
    """A .tar.gz holding ``members``: (name, bytes) for files, (name, None) for a symlink to /etc/passwd."""
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members:
            info = tarfile.TarInfo(name)
            if payload is None:
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            else:
                info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload or b""))


def test_cifar10_download_verifies_and_extracts_only_safe_files(tmp_path, cifar_dir, monkeypatch):
    batch = (cifar_dir / "cifar-10-batches-bin" / "test_batch.bin").read_bytes()
    archive = tmp_path / "official.tar.gz"
    _tar_gz(archive, [("cifar-10-batches-bin/test_batch.bin", batch), ("../escape.txt", b"x"), ("link", None)])
    monkeypatch.setattr(ds.CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(ds.CIFAR10, "tgz_md5", ds.md5sum(archive))
    root = tmp_path / "root"
    data = ds.CIFAR10(root, train=False, download=True)
    assert len(data) == 12
    assert not (tmp_path / "escape.txt").exists() and not (root / "link").exists()
    monkeypatch.setattr(ds.CIFAR10, "tgz_md5", "0" * 32)
    with pytest.raises(ds.DownloadError, match="expected MD5"):
        ds.CIFAR10(tmp_path / "other", train=False, download=True)


def test_mnist_download_falls_back_to_the_next_mirror(tmp_path, mnist_dir, monkeypatch, capsys):
    raw = mnist_dir / "MNIST" / "raw"
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):  # make every official file a .gz
        (raw / f"{name}.gz").write_bytes(gzip.compress((raw / name).read_bytes()))
    resources = [(name, ds.md5sum(raw / name)) for name in sorted(p.name for p in raw.glob("*.gz"))]
    monkeypatch.setattr(ds.MNIST, "resources", resources)
    monkeypatch.setattr(ds.MNIST, "mirrors", [(tmp_path / "offline").as_uri() + "/", raw.as_uri() + "/"])
    data = ds.MNIST(tmp_path / "root", train=False, download=True)
    assert len(data) == 40 and "failed to download" in capsys.readouterr().out
