"""The training command's data: train/validation/test splits as normalised float32 TensorDatasets.

Every data set becomes (N, C, 32, 32) images: MNIST's 28x28 digits are padded by 2 (as LeNet-5 was
fed), the bundled 8x8 digits (the UCI set that scikit-learn ships) are resized. Pixels are scaled to
[0, 1] and then normalised per channel with the mean and standard deviation of the training split.
"""
from dataclasses import dataclass

import numpy as np

from ...creation import from_numpy
from ...utils.data import TensorDataset
from ...utils.data import datasets as ds

CHANNELS = {"digits": 1, "mnist": 1, "fashion-mnist": 1, "cifar10": 3, "fake": 3}
DATASETS = tuple(CHANNELS)
NUM_CLASSES = 10  # all five
IMAGE_SIZE = 32
VAL_FRACTION = 0.1  # of the official training set, for the data sets without a validation split
SPLIT_SEED = 0  # the validation split is the same for every --seed: runs stay comparable
FAKE_SIZES = {"train": 512, "val": 128, "test": 128}


@dataclass
class Splits:
    """Three TensorDatasets of (images (N, C, H, W) float32, labels (N,) int64) and what describes them."""

    train: TensorDataset
    val: TensorDataset
    test: TensorDataset
    classes: list
    mean: list
    std: list

    @property
    def image_shape(self):
        return tuple(self.train.tensors[0].shape[1:])


def _raw_splits(name, data_dir, download):
    """(train, val, test) pairs of (float images in [0, 1], labels), and the class names."""
    if name == "digits":
        parts = [ds.Digits(split, size=IMAGE_SIZE, split_seed=SPLIT_SEED) for split in ("train", "val", "test")]
        return [(d.images(), d.targets) for d in parts], parts[0].classes
    if name == "fake":
        parts = [ds.FakeData(size, image_size=(3, IMAGE_SIZE, IMAGE_SIZE), random_offset=k)
                 for k, size in enumerate(FAKE_SIZES.values())]
        return [(d.images(), d.targets) for d in parts], parts[0].classes
    cls = {"mnist": ds.MNIST, "fashion-mnist": ds.FashionMNIST, "cifar10": ds.CIFAR10}[name]
    pool = cls(data_dir, train=True, download=download)
    test = cls(data_dir, train=False)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(pool))
    n_val = max(1, round(VAL_FRACTION * len(pool)))
    images = pool.images()
    targets, test_targets = np.asarray(pool.targets), np.asarray(test.targets)  # MNIST's are tensors
    splits = [(images[order[n_val:]], targets[order[n_val:]]),
              (images[order[:n_val]], targets[order[:n_val]]),
              (test.images(), test_targets)]
    return splits, cls.classes


def _pad_to(images, size):
    """Zero-pad (N, C, H, W) images symmetrically up to size x size (MNIST's 28 -> 32)."""
    dh, dw = size - images.shape[2], size - images.shape[3]
    if dh < 0 or dw < 0:
        raise ValueError(f"images of {images.shape[2]}x{images.shape[3]} are larger than {size}x{size}")
    return np.pad(images, ((0, 0), (0, 0), (dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2)))


def _match_channels(images, channels):
    """Gray -> RGB by repeating the channel; RGB -> gray by averaging the three."""
    if images.shape[1] == channels:
        return images
    if images.shape[1] == 1:
        return np.repeat(images, channels, axis=1)
    if channels == 1:
        return images.mean(axis=1, keepdims=True)
    raise ValueError(f"cannot feed {images.shape[1]}-channel images to a model that expects {channels} channels")


def load_splits(name, data_dir="data", download=False, channels=None):
    """Train/validation/test splits of data set ``name`` (one of DATASETS), normalised, as TensorDatasets.

    ``channels`` converts the images to that many channels (see ``_match_channels``).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; valid names: {', '.join(DATASETS)}")
    splits, classes = _raw_splits(name, data_dir, download)
    splits = [(_pad_to(x, IMAGE_SIZE), y) for x, y in splits]
    if channels is not None:
        splits = [(_match_channels(x, channels), y) for x, y in splits]
    train_images = splits[0][0]
    mean = train_images.mean(axis=(0, 2, 3), keepdims=True)
    std = train_images.std(axis=(0, 2, 3), keepdims=True)
    datasets = [TensorDataset(from_numpy(((x - mean) / std).astype(np.float32)), from_numpy(y.astype(np.int64)))
                for x, y in splits]
    return Splits(*datasets, classes=list(classes), mean=mean.ravel().tolist(), std=std.ravel().tolist())

