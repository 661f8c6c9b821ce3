"""Image data sets in their official file formats: digits, MNIST, Fashion-MNIST, CIFAR-10, fake.

Each class reads the files the data set's authors publish, with torchvision's class names,
arguments and folder layout, into two NumPy arrays:

- ``data``: uint8 images, (N, H, W) for grayscale or (N, H, W, C) for colour;
- ``targets``: int64 class indices, (N,).

``dataset[i]`` returns ``(image, label)`` where ``image`` is a float32 tensor (C, H, W) in [0, 1]
passed through ``transform``; ``dataset.images()`` gives all N images at once as (N, C, H, W),
which is what a training loop batches from. Nothing is downloaded unless ``download=True``, and
every download is checked against the official MD5 checksum.
"""
import gzip
import hashlib
import io
import os
import pickle
import shutil
import struct
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

from ...creation import from_numpy
from .dataset import Dataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "Digits", "FakeData", "DatasetError", "DatasetNotFoundError",
           "DownloadError", "CorruptFileError", "read_idx", "read_cifar_binary", "read_cifar_python", "download_url"]


class DatasetError(Exception):
    """Base of the errors below: their message is the whole story (the command line prints only it)."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """A data set's files are not on disk; the message names them and says where to get them."""


class DownloadError(DatasetError, RuntimeError):
    """A download failed, or its bytes do not have the official checksum."""


class CorruptFileError(DatasetError, ValueError):
    """A data file that is not in the format its name promises (truncated, wrong header, unsafe pickle)."""


class ImageDataset(Dataset):
    """What the classes below share: ``data``, ``targets``, ``classes``, and the conversion to floats."""

    classes = ()

    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        image = from_numpy(_to_float_nchw(self.data[index:index + 1])[0])
        target = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def images(self):
        """All images as one float32 array (N, C, H, W) with values in [0, 1]."""
        return _to_float_nchw(self.data)

    def __repr__(self):
        return f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}"


def _to_float_nchw(data):
    """uint8 (N, H, W) or (N, H, W, C) -> float32 (N, C, H, W) in [0, 1]."""
    x = data.astype(np.float32) / 255
    return x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)


# ----------------------------------------------------------------------------- files and downloads

def md5sum(path, chunk_size=1 << 20):
    """The MD5 hex digest of a file (the checksum the data sets' authors publish), read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_url(url, path, md5):
    """Fetch ``url`` to ``path`` unless a file with the right MD5 is already there; refuse a bad checksum."""
    path = Path(path)
    if path.is_file() and md5sum(path) == md5:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    print(f"Downloading {url} to {path}")
    with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as f:
        shutil.copyfileobj(response, f)
    actual = md5sum(partial)
    if actual != md5:
        partial.unlink()
        raise DownloadError(f"download of {url} is corrupt: expected MD5 {md5}, got {actual}")
    os.replace(partial, path)
    return path


def _extract_regular_files(archive, folder):
    """Unpack only the regular files of a .tar.gz that stay inside ``folder`` (no links, no '..')."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers()
                   if m.isfile() and not m.name.startswith("/") and ".." not in Path(m.name).parts]
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.12 checks again
        tar.extractall(folder, members=members, **safe)


def _missing(dataset, folder, names, source):
    return DatasetNotFoundError(
        f"{dataset}: data files not found in {folder}. Expected: {', '.join(names)}. "
        f"Get them from {source} (or pass download=True, --download on the command line)."
    )


# ----------------------------------------------------------------------------- MNIST and Fashion-MNIST

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """An IDX file (MNIST's format), raw or ``.gz``, as a NumPy array.

    Layout: two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions d, then d
    big-endian uint32 sizes, then the values in C order.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4]) if len(raw) >= 4 else (1, 0, 0)
    if zero != 0 or type_code not in _IDX_DTYPES:
        raise CorruptFileError(f"{path} is not an IDX file (first bytes {raw[:4].hex()})")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[type_code])
    count = int(np.prod(shape))
    offset = 4 + 4 * ndim
    if len(raw) - offset != count * dtype.itemsize:
        raise CorruptFileError(f"{path} is truncated or corrupt: header says shape {list(shape)} "
                         f"({count * dtype.itemsize} bytes), file holds {len(raw) - offset} bytes")
    return np.frombuffer(raw, dtype, count, offset).astype(dtype.newbyteorder("=")).reshape(shape)


class MNIST(ImageDataset):
    """LeCun's handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale.

    Files: ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (or the same names in
    ``root`` itself), raw or ``.gz``.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(transform, target_transform)
        self.root = Path(root).expanduser()
        self.train = train
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        self.data = read_idx(self._find(f"{prefix}-images-idx3-ubyte"))
        self.targets = read_idx(self._find(f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
        if len(self.data) != len(self.targets):
            raise CorruptFileError(f"{type(self).__name__}: {len(self.data)} images but {len(self.targets)} labels")

    @property
    def raw_folder(self):
        return self.root / type(self).__name__ / "raw"

    def _find(self, name):
        for folder in (self.raw_folder, self.root):
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        names = [f"{n.removesuffix('.gz')}[.gz]" for n, _ in self.resources]
        raise _missing(type(self).__name__, self.raw_folder, names, self.mirrors[0])

    def download(self):
        for filename, md5 in self.resources:
            for mirror in self.mirrors:
                try:
                    download_url(mirror + filename, self.raw_folder / filename, md5)
                    break
                except (OSError, DownloadError) as e:  # unreachable or bad mirror: try the next one
                    print(f"failed to download {mirror + filename}: {e}")
            else:
                raise DownloadError(f"{type(self).__name__}: could not download {filename} from any of "
                                    f"{', '.join(self.mirrors)}")


class FashionMNIST(MNIST):
    """Zalando's clothing images in MNIST's format: 60,000 + 10,000, 28x28 grayscale, 10 classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


# ----------------------------------------------------------------------------- CIFAR-10

def read_cifar_binary(path):
    """One CIFAR-10 binary batch: records of 1 label byte + 3,072 pixel bytes (R, G, B planes of 32x32).

    Returns images uint8 (N, 32, 32, 3) and labels int64 (N,).
    """
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 3073 != 0:
        raise CorruptFileError(f"{path} is not a CIFAR-10 binary batch: {raw.size} bytes is not a multiple of 3073")
    records = raw.reshape(-1, 3073)
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), records[:, 0].astype(np.int64)


_NUMPY_CORE = "numpy._core" if int(np.__version__.split(".")[0]) >= 2 else "numpy.core"
_PICKLE_GLOBALS = {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")} | {
    (f"{core}.{module}", name) for core in ("numpy.core", "numpy._core")
    for module, name in (("multiarray", "_reconstruct"), ("numeric", "_frombuffer"))}


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles what a CIFAR python batch holds (dicts, lists, strings, bytes, NumPy arrays) and nothing else.

    ``pickle.load`` imports and calls any global a file names, so an untrusted file could run code;
    this unpickler only resolves the few globals that rebuild a NumPy array.
    """

    def find_class(self, module, name):
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a CIFAR-10 batch only holds "
                                         f"dicts, lists, bytes and NumPy arrays")
        for core in ("numpy._core", "numpy.core"):  # files pickled by NumPy 1 or 2 name either
            if module.startswith(core + "."):
                module = _NUMPY_CORE + module[len(core):]
        return super().find_class(module, name)


def read_cifar_python(path):
    """One CIFAR-10 python batch (a pickled dict with 'data' (N, 3072) and 'labels'), safely unpickled."""
    with open(path, "rb") as f:
        try:
            entry = _CifarUnpickler(io.BytesIO(f.read()), encoding="latin1").load()
        except (pickle.UnpicklingError, EOFError, ValueError) as e:
            raise CorruptFileError(f"{path} is not a CIFAR-10 python batch: {e}") from e
    if not isinstance(entry, dict):
        raise CorruptFileError(f"{path} is not a CIFAR-10 python batch (holds a {type(entry).__name__})")
    entry = {k.decode() if isinstance(k, bytes) else k: v for k, v in entry.items()}
    if "data" not in entry or "labels" not in entry:
        raise CorruptFileError(f"{path} is not a CIFAR-10 python batch (keys {sorted(entry)})")
    images = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), np.asarray(entry["labels"], dtype=np.int64)


class CIFAR10(ImageDataset):
    """Krizhevsky's 60,000 tiny colour images (50,000 train, 10,000 test), 32x32x3, 10 classes.

    Reads ``root/cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin`` (the binary version) or
    ``root/cifar-10-batches-py/{data_batch_1..5,test_batch}`` (the python version, through an
    unpickler that only rebuilds arrays). ``download=True`` fetches the binary version.
    """

    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    tgz_md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(transform, target_transform)
        self.root = Path(root).expanduser()
        self.train = train
        if download:
            self.download()
        names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        binary = [self.root / "cifar-10-batches-bin" / f"{n}.bin" for n in names]
        python = [self.root / "cifar-10-batches-py" / n for n in names]
        if all(p.is_file() for p in binary):
            batches = [read_cifar_binary(p) for p in binary]
        elif all(p.is_file() for p in python):
            batches = [read_cifar_python(p) for p in python]
        else:
            raise _missing("CIFAR10", self.root, [f"cifar-10-batches-bin/{n}.bin" for n in names]
                           + [f"(or cifar-10-batches-py/{n})" for n in names], self.url)
        self.data = np.concatenate([images for images, _ in batches])
        self.targets = np.concatenate([labels for _, labels in batches])

    def download(self):
        if (self.root / "cifar-10-batches-bin" / "test_batch.bin").is_file():
            return
        archive = download_url(self.url, self.root / Path(self.url).name, self.tgz_md5)
        _extract_regular_files(archive, self.root)


# ----------------------------------------------------------------------------- digits and fake data

def _linear_resize_matrix(in_size, out_size):
    """R (out_size, in_size) with R @ x = x resampled by linear interpolation (half-pixel centres,
    like ``F.interpolate(mode='bilinear', align_corners=False)``)."""
    centres = np.clip((np.arange(out_size) + 0.5) * in_size / out_size - 0.5, 0, in_size - 1)
    lo = np.floor(centres).astype(int)
    hi = np.minimum(lo + 1, in_size - 1)
    frac = centres - lo
    R = np.zeros((out_size, in_size))
    R[np.arange(out_size), lo] += 1 - frac
    R[np.arange(out_size), hi] += frac
    return R


class Digits(ImageDataset):
    """scikit-learn's 1,797 handwritten digits (8x8 scans, values 0..16) resized to ``size`` x ``size``.

    The set ships with scikit-learn, so nothing is downloaded. It is split once, by ``split_seed``,
    into train (70%), val (10%) and test (20%): the same seed always gives the same three sets.
    """

    classes = [str(d) for d in range(10)]
    fractions = {"train": 0.7, "val": 0.1, "test": 0.2}

    def __init__(self, split="train", size=32, split_seed=0, transform=None, target_transform=None):
        super().__init__(transform, target_transform)
        if split not in self.fractions:
            raise ValueError(f"Digits: split must be one of {list(self.fractions)}, got {split!r}")
        try:
            from sklearn.datasets import load_digits
        except ImportError as e:
            raise ImportError("the digits data set ships with scikit-learn: pip install scikit-learn") from e
        digits = load_digits()
        n = len(digits.target)
        order = np.random.default_rng(split_seed).permutation(n)
        n_test, n_val = round(n * self.fractions["test"]), round(n * self.fractions["val"])
        index = {"test": order[:n_test], "val": order[n_test:n_test + n_val], "train": order[n_test + n_val:]}[split]
        R = _linear_resize_matrix(8, size)
        images = R @ (digits.images[index] / 16.0) @ R.T  # (n, 8, 8) -> (n, size, size)
        self.split = split
        self.data = np.round(images * 255).astype(np.uint8)
        self.targets = digits.target[index].astype(np.int64)


class FakeData(ImageDataset):
    """Random images and labels, for timing a model without reading any file (torchvision's ``FakeData``)."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(transform, target_transform)
        rng = np.random.default_rng(random_offset)
        c, h, w = image_size
        data = rng.integers(0, 256, size=(size, h, w, c), dtype=np.uint8)
        self.data = data[..., 0] if c == 1 else data
        self.targets = rng.integers(0, num_classes, size=size, dtype=np.int64)
        self.classes = [str(k) for k in range(num_classes)]
