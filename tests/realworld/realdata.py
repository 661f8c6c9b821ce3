"""Small data sets in the real file formats the corpus programs download, written at test time.

Each writer produces the files torchvision (and minitorch_cnn) read, at a few dozen images, so a
program runs in seconds: MNIST / Fashion-MNIST IDX files, CIFAR-10 python batches (pickled dicts),
an ImageFolder tree of JPEGs (the transfer-learning tutorial's ``hymenoptera_data``) and the
``mnist.pkl.gz`` pickle of "What is torch.nn really?". Images carry a class-dependent pattern, so
the programs' models can learn something.
"""
import gzip
import pickle
import struct

import numpy as np

CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _patterned(rng, labels, shape):
    """uint8 images whose mean brightness and a bright row depend on the label (learnable, not trivial)."""
    images = rng.integers(0, 96, (len(labels),) + shape, dtype=np.int64)
    rows = np.arange(shape[0])
    for k, label in enumerate(labels):
        images[k, rows % 10 == label] += 150
    return np.clip(images, 0, 255).astype(np.uint8)


def write_idx(path, array):
    """An IDX file: zero bytes, type 0x08 (uint8), the number of dimensions, big-endian sizes, the bytes."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def mnist(root, name="MNIST", n_train=96, n_test=32, seed=0):
    """``root/<name>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (+ the .gz files torchvision keeps)."""
    rng = np.random.default_rng(seed)
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        images = _patterned(rng, labels, (28, 28))
        for suffix in ("", ".gz"):
            write_idx(raw / f"{prefix}-images-idx3-ubyte{suffix}", images)
            write_idx(raw / f"{prefix}-labels-idx1-ubyte{suffix}", labels)


def fashion_mnist(root, **kwargs):
    mnist(root, name="FashionMNIST", seed=1, **kwargs)


def cifar10(root, per_batch=16, n_test=16, seed=2):
    """``root/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``: pickled dicts as released."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    for name, n in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", n_test)]:
        labels = (np.arange(n) + rng.integers(0, 10)) % 10
        images = _patterned(rng, labels, (32, 32, 3)).transpose(0, 3, 1, 2).reshape(n, 3072)
        entry = {"batch_label": f"batch {name}", "labels": labels.tolist(), "data": images,
                 "filenames": [f"img_{k}.png" for k in range(n)]}
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"num_cases_per_batch": per_batch, "label_names": CIFAR_CLASSES, "num_vis": 3072}, f, protocol=2)


def image_folder(root, classes, per_class=4, size=(48, 64), seed=3):
    """``root/{train,val}/<class>/*.jpg``: the ImageFolder layout, JPEG files (needs Pillow)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for split in ("train", "val"):
        for label, name in enumerate(classes):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for k, image in enumerate(_patterned(rng, np.full(per_class, label * 3), size + (3,))):
                Image.fromarray(image).save(folder / f"{name}_{k}.jpg", quality=90)


def hymenoptera(root):
    """The transfer-learning tutorial's ``hymenoptera_data/{train,val}/{ants,bees}``."""
    image_folder(root / "hymenoptera_data", ("ants", "bees"))


def cubsub(root):
    """Its newer version's ``cubsub/{train,val}/<bird species>`` (a CUB-200 subset; three classes here)."""
    image_folder(root / "cubsub", ("001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross"),
                 per_class=2)


def mnist_pickle(root, n_train=96, n_valid=32, seed=4):
    """``root/mnist/mnist.pkl.gz``: ((x_train, y_train), (x_valid, y_valid), (x_test, y_test)), float32 rows of 784."""
    rng = np.random.default_rng(seed)
    parts = []
    for n in (n_train, n_valid, n_valid):
        labels = np.arange(n) % 10
        images = _patterned(rng, labels, (28, 28)).reshape(n, 784).astype(np.float32) / 255
        parts.append((images, labels.astype(np.int64)))
    folder = root / "mnist"
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "mnist.pkl.gz", "wb") as f:
        pickle.dump(tuple(parts), f, protocol=2)


WRITERS = {"mnist": mnist, "fashion_mnist": fashion_mnist, "cifar10": cifar10, "hymenoptera": hymenoptera,
           "cubsub": cubsub, "mnist_pickle": mnist_pickle}


def resnet18_checkpoint(root):
    """torchvision's cached ``resnet18-f37072fd.pth`` (freshly initialised weights) under ``root/../torch_home``,
    the ``$TORCH_HOME`` the runner sets, so ``resnet18(pretrained=True)`` finds it without a download."""
    import minitorch_cnn as mt

    folder = root.parent / "torch_home" / "hub" / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    mt.manual_seed(0)
    mt.save(mt.models.resnet18().state_dict(), folder / "resnet18-f37072fd.pth")


WRITERS["resnet18_checkpoint"] = resnet18_checkpoint


def bsds300(root, n_train=4, n_test=2, size=(262, 258), seed=5):
    """pytorch/examples super_resolution's ``dataset/BSDS300/images/{train,test}/*.jpg`` in the working folder
    (``root/..``), where the program looks before it would download: colour JPEGs a little over its 256 crop."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("test", n_test)):
        folder = root.parent / "dataset" / "BSDS300" / "images" / split
        folder.mkdir(parents=True, exist_ok=True)
        for k, image in enumerate(_patterned(rng, np.arange(n), size + (3,))):
            Image.fromarray(image).save(folder / f"{split}_{k}.jpg", quality=90)


WRITERS["bsds300"] = bsds300
