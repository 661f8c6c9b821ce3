"""Image data sets in their official file formats: digits, MNIST, Fashion-MNIST, CIFAR-10, fake.

Each class reads the files the data set's authors publish, with torchvision's class names,
arguments and folder layout, into two NumPy arrays:

- ``data``: uint8 images, (N, H, W) for grayscale or (N, H, W, C) for colour;
- ``targets``: int64 class indices, (N,).

``dataset[i]`` returns ``(image, label)`` like torchvision: ``image`` is a PIL image (mode L or RGB;
without Pillow, the uint8 array (H, W) or (H, W, C)) passed through ``transform``, so
``transform=Compose([ToTensor(), Normalize(mean, std)])`` works as it does there;
``dataset.images()`` gives all N images at once as float32 (N, C, H, W) in [0, 1], which is what a
training loop batches from. Nothing is downloaded unless ``download=True``, and
every download is checked against the official MD5 checksum.
"""
import gzip
import hashlib
import math
import os
import shutil
import struct
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

from ... import safe_pickle
from ...creation import from_numpy
from .dataset import Dataset
from .image_io import load_image, to_sample_image

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "Digits", "FakeData", "ImageFolder", "DatasetFolder", "DatasetError",
           "DatasetNotFoundError", "DownloadError", "CorruptFileError", "read_idx", "read_cifar_binary",
           "read_cifar_python", "download_url"]


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
        """``(image, target)``: the uint8 image as torchvision gives it (a PIL image, or an (H, W[, C])
        array without Pillow) through ``transform``; the int label through ``target_transform``."""
        image = to_sample_image(np.asarray(self.data[index]))
        target = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def images(self):
        """All images as one float32 array (N, C, H, W) with values in [0, 1]."""
        return _to_float_nchw(np.asarray(self.data))

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
    compressed = str(path).endswith(".gz")
    with (gzip.open if compressed else open)(path, "rb") as f:
        head = f.read(4)
        zero, type_code, ndim = struct.unpack(">HBB", head) if len(head) == 4 else (1, 0, 0)
        if zero != 0 or type_code not in _IDX_DTYPES:
            raise CorruptFileError(f"{path} is not an IDX file (first bytes {head.hex()})")
        dims = f.read(4 * ndim)
        if len(dims) != 4 * ndim:
            raise CorruptFileError(f"{path} is truncated: its header names {ndim} dimensions")
        shape = struct.unpack(f">{ndim}I", dims)
        dtype = np.dtype(_IDX_DTYPES[type_code])
        nbytes = math.prod(shape) * dtype.itemsize
        # checked before reading: a raw file against its size, a .gz by reading at most one byte more
        held = os.path.getsize(path) - 4 - 4 * ndim if not compressed else None
        if held is not None and held != nbytes:
            raise CorruptFileError(f"{path} is truncated or corrupt: header says shape {list(shape)} "
                                   f"({nbytes} bytes), file holds {held} bytes")
        raw = _read_at_most(f, nbytes + 1)
    if len(raw) != nbytes:
        raise CorruptFileError(f"{path} is truncated or corrupt: header says shape {list(shape)} "
                               f"({nbytes} bytes), file holds {len(raw)}{'+' if len(raw) > nbytes else ''} bytes")
    return np.frombuffer(raw, dtype).astype(dtype.newbyteorder("=")).reshape(shape)


def _read_at_most(f, n, chunk=1 << 24):
    """Up to ``n`` bytes of ``f`` in chunks (a decompressing reader never inflates more than asked)."""
    parts, left = [], n
    while left > 0:
        part = f.read(min(chunk, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


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
        # torchvision keeps MNIST's images and labels as tensors: uint8 (N, 28, 28) and int64 (N,)
        self.data, self.targets = from_numpy(self.data), from_numpy(self.targets)

    @property
    def raw_folder(self):
        return self.root / type(self).__name__ / "raw"

    def _check_exists(self):
        """All four IDX files (raw or .gz) are present."""
        try:
            for filename, _ in self.resources:
                self._find(filename.removesuffix(".gz"))
        except DatasetNotFoundError:
            return False
        return True

    def _find(self, name):
        for folder in (self.raw_folder, self.root):
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        names = [f"{n.removesuffix('.gz')}[.gz]" for n, _ in self.resources]
        raise _missing(type(self).__name__, self.raw_folder, names, self.mirrors[0])

    def download(self):
        if self._check_exists():  # like torchvision: files already there are used as they are
            return
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


def read_cifar_python(path):
    """One CIFAR-10 python batch (a pickled dict with 'data' (N, 3072) and 'labels'), safely unpickled.

    The pickle runs on ``safe_pickle``'s bounded reader: it may rebuild numeric NumPy arrays and plain
    containers, nothing else, within memory bounded by the file's size.
    """
    with open(path, "rb") as f:
        raw = f.read()
    find_class, build = safe_pickle.numpy_arrays(str(path), "read_cifar_python")
    limits = safe_pickle.Limits.for_file(len(raw))
    try:
        entry = safe_pickle.BoundedUnpickler(raw, str(path), find_class, None, limits, encoding="latin1",
                                             build=build, op="read_cifar_python").load()
        safe_pickle.check_tree(entry, str(path), (np.ndarray,), limits, op="read_cifar_python")
    except safe_pickle.CheckpointError as e:
        raise CorruptFileError(f"{path} is not a CIFAR-10 python batch: {e}") from None
    if not isinstance(entry, dict):
        raise CorruptFileError(f"{path} is not a CIFAR-10 python batch (holds a {type(entry).__name__})")
    entry = {k.decode() if isinstance(k, bytes) else k: v for k, v in entry.items()}
    if "data" not in entry or "labels" not in entry:
        raise CorruptFileError(f"{path} is not a CIFAR-10 python batch (keys {sorted(map(str, entry))})")
    try:
        images = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        labels = np.asarray(entry["labels"], dtype=np.int64).reshape(-1)
    except (TypeError, ValueError, OverflowError) as e:
        raise CorruptFileError(f"{path} is not a CIFAR-10 python batch: its data or labels are not "
                               f"numbers of the right shape ({e})") from None
    return np.ascontiguousarray(images), labels


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
        if any((self.root / folder / name).is_file() for folder, name in
               (("cifar-10-batches-bin", "test_batch.bin"), ("cifar-10-batches-py", "test_batch"))):
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

    The scans ship inside the package (``files/digits.bin.gz``, 46 KB, CC BY 4.0: see
    ``files/DIGITS_LICENSE.txt``), so nothing is downloaded and scikit-learn is not needed. The set is
    split once, by ``split_seed``, into train (70%), val (10%) and test (20%): the same seed always
    gives the same three sets.
    """

    classes = [str(d) for d in range(10)]
    fractions = {"train": 0.7, "val": 0.1, "test": 0.2}

    def __init__(self, split="train", size=32, split_seed=0, transform=None, target_transform=None):
        super().__init__(transform, target_transform)
        if split not in self.fractions:
            raise ValueError(f"Digits: split must be one of {list(self.fractions)}, got {split!r}")
        scans, labels = _bundled_digits()
        n = len(labels)
        order = np.random.default_rng(split_seed).permutation(n)
        n_test, n_val = round(n * self.fractions["test"]), round(n * self.fractions["val"])
        index = {"test": order[:n_test], "val": order[n_test:n_test + n_val], "train": order[n_test + n_val:]}[split]
        R = _linear_resize_matrix(8, size)
        images = R @ (scans[index] / 16.0) @ R.T  # (n, 8, 8) -> (n, size, size)
        self.split = split
        self.data = np.round(images * 255).astype(np.uint8)
        self.targets = labels[index].astype(np.int64)


DIGITS_FILE = Path(__file__).with_name("files") / "digits.bin.gz"
DIGITS_SHA256 = "d8121ca7764eccfaef1df6bc4589c6527c58fcbab0cb1b079e79f97f8cb8219a"


def _bundled_digits():
    """(scans (1797, 8, 8) uint8 counts 0..16, labels (1797,) uint8) from the package's own file."""
    try:
        with gzip.open(DIGITS_FILE, "rb") as f:
            raw = f.read(1797 * 65 + 1)
    except (OSError, EOFError) as e:
        raise DatasetError(f"the bundled digits file {DIGITS_FILE} cannot be read ({e}): reinstall "
                           f"minitorch_cnn") from e
    if hashlib.sha256(raw).hexdigest() != DIGITS_SHA256:
        raise DatasetError(f"the bundled digits file {DIGITS_FILE} is damaged (checksum mismatch): reinstall "
                           f"minitorch_cnn")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(1797, 65)
    return records[:, 1:].reshape(1797, 8, 8), records[:, 0]


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


# ----------------------------------------------------------------------------- folders of image files

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def find_classes(directory):
    """The sorted sub-folder names of ``directory`` (one per class) and ``{name: index}``."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
    """``[(path, class_index), ...]`` for every valid file under each class folder, in sorted order."""
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if is_valid_file is None:
        def is_valid_file(path):
            return path.lower().endswith(tuple(extensions) if not isinstance(extensions, str) else extensions)
    directory = os.path.expanduser(directory)
    instances, found = [], set()
    for name in sorted(class_to_idx):
        folder = os.path.join(directory, name)
        if not os.path.isdir(folder):
            continue
        for root, _, fnames in sorted(os.walk(folder, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_to_idx[name]))
                    found.add(name)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            msg += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(msg)
    return instances


class DatasetFolder(Dataset):
    """Samples stored as ``root/<class>/<file>``: ``dataset[i]`` is ``(loader(path), class_index)``.

    ``classes`` are the sorted folder names, ``class_to_idx`` maps them to labels, ``samples`` lists
    ``(path, label)`` and ``targets`` the labels, as in torchvision.
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty=False):
        self.root = os.fspath(Path(root).expanduser())
        self.loader = loader
        self.extensions = extensions
        self.transform = transform
        self.target_transform = target_transform
        self.classes, self.class_to_idx = find_classes(self.root)
        self.samples = make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.targets = [label for _, label in self.samples]

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self):
        return len(self.samples)

    def __repr__(self):
        return f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Root location: {self.root}"


def default_loader(path):
    """An image file as an RGB PIL image (needs Pillow)."""
    return load_image(path, "RGB")


class ImageFolder(DatasetFolder):
    """Images in ``root/<class>/<name>.{jpg,png,...}``, decoded by Pillow into RGB PIL images.

    The layout of torchvision's ``ImageFolder`` (and of the transfer-learning tutorial's
    ``hymenoptera_data/train/{ants,bees}``); ``imgs`` is the same list as ``samples``.
    """

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
