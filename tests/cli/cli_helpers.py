"""Small data files in the real formats (MNIST IDX, CIFAR-10 binary and python batches) and fixtures that write them."""
import gzip
import pickle
import struct

import numpy as np
import pytest


def write_idx(path, array, compress=False):
    """IDX: 0, 0, type code 0x08 (uint8), ndim, then each size as big-endian uint32, then the bytes."""
    array = np.asarray(array, dtype=np.uint8)
    payload = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload += array.tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(payload)


def write_cifar_binary(path, images, labels):
    """Records of 1 label byte then 3,072 bytes: the R, G and B planes of a 32x32 image (images are N,32,32,3)."""
    planes = np.asarray(images, dtype=np.uint8).transpose(0, 3, 1, 2).reshape(len(labels), 3072)
    records = np.concatenate([np.asarray(labels, dtype=np.uint8)[:, None], planes], axis=1)
    records.tofile(path)


def write_cifar_python(path, images, labels, protocol):
    """The python version: a pickled dict with 'data' (N, 3072) uint8 rows (R, G, B planes) and 'labels'."""
    data = np.asarray(images, dtype=np.uint8).transpose(0, 3, 1, 2).reshape(len(labels), 3072)
    with open(path, "wb") as f:
        pickle.dump({"batch_label": "testing batch 1 of 1", "labels": [int(v) for v in labels], "data": data,
                     "filenames": [f"img_{i}.png" for i in range(len(labels))]}, f, protocol=protocol)


def class_images(rng, labels, shape):
    """Images whose brightness pattern depends on the label, so a few steps of training can learn them."""
    base = rng.integers(0, 60, size=(len(labels),) + shape)
    stripes = np.zeros((len(labels),) + shape, dtype=np.int64)
    for k in range(10):  # class k: a bright band at rows 2k..2k+2
        stripes[labels == k, 2 * k:2 * k + 3] = 180
    return (base + stripes).astype(np.uint8)


@pytest.fixture
def mnist_dir(tmp_path):
    """root/MNIST/raw with 120 training and 40 test 28x28 images (train files .gz, test files raw)."""
    rng = np.random.default_rng(0)
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n, compress in (("train", 120, True), ("t10k", 40, False)):
        labels = rng.integers(0, 10, n)
        suffix = ".gz" if compress else ""
        write_idx(raw / f"{prefix}-images-idx3-ubyte{suffix}", class_images(rng, labels, (28, 28)), compress)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
    return tmp_path / "data"


@pytest.fixture
def cifar_dir(tmp_path):
    """root/cifar-10-batches-bin with five 12-image training batches and a 12-image test batch."""
    rng = np.random.default_rng(1)
    folder = tmp_path / "data" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = rng.integers(0, 10, 12)
        write_cifar_binary(folder / f"{name}.bin", class_images(rng, labels, (32, 32, 3)), labels)
    return tmp_path / "data"
