"""torchvision's dataset -> transform contract: samples are uint8 PIL images (arrays without Pillow),
ImageFolder trees, FakeData, and the samplers of torch.utils.data."""
import sys
from pathlib import Path

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.utils.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler, SubsetRandomSampler,
                                      TensorDataset, WeightedRandomSampler, datasets, image_io)
from minitorch_cnn.utils.data import transforms as T

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from cli_helpers import cifar_dir, mnist_dir  # noqa: E402,F401 (fixtures)

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture
def no_pillow(monkeypatch):
    """Behave as if Pillow were not installed."""
    monkeypatch.setattr(image_io, "pillow", lambda: None)


def test_mnist_sample_is_a_gray_pil_image_and_compose_to_tensor_normalize_works(mnist_dir):
    raw = datasets.MNIST(mnist_dir)
    image, label = raw[5]
    assert isinstance(image, PIL.Image) and image.mode == "L" and image.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(image), raw.data[5])
    assert label == raw.targets[5] and isinstance(label, int)
    data = datasets.MNIST(mnist_dir, transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
                          target_transform=lambda y: y + 100)
    x, y = data[5]
    assert x.shape == (1, 28, 28) and x.dtype == mt.float32 and y == label + 100
    np.testing.assert_allclose(x.numpy()[0], (raw.data[5] / 255 - 0.1307) / 0.3081, rtol=1e-5, atol=1e-6)
    xb, yb = next(iter(DataLoader(data, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.tolist() == (raw.targets[:4] + 100).tolist()


def test_cifar_sample_is_an_rgb_pil_image_through_the_usual_augmentation(cifar_dir):
    raw = datasets.CIFAR10(cifar_dir, train=False)
    image, _ = raw[0]
    assert image.mode == "RGB" and image.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(image), raw.data[0])
    augment = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                         T.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))])
    x, _ = datasets.CIFAR10(cifar_dir, train=False, transform=augment)[0]
    assert x.shape == (3, 32, 32) and x.dtype == mt.float32


def test_without_pillow_samples_are_uint8_arrays_and_the_transforms_take_them(mnist_dir, cifar_dir, no_pillow):
    image, _ = datasets.MNIST(mnist_dir)[2]
    assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape == (28, 28)
    colour, _ = datasets.CIFAR10(cifar_dir, train=False)[1]
    assert colour.shape == (32, 32, 3)
    mt.manual_seed(0)
    pipeline = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.Resize(16), T.CenterCrop(12),
                          T.ToTensor()])
    out = datasets.CIFAR10(cifar_dir, train=False, transform=pipeline)[1][0]
    assert out.shape == (3, 12, 12)
    with pytest.raises(ImportError, match="pip install pillow"):
        T.ToPILImage()(out)


def _write_tree(root, classes, per_class, size=(6, 5)):
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for k in range(per_class):
            PIL.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(root / name / f"img{k}.png")
    (root / classes[0] / "notes.txt").write_text("not an image")


def test_image_folder_lists_sorted_classes_and_decodes_rgb(tmp_path):
    _write_tree(tmp_path / "train", ["bees", "ants"], per_class=3)
    data = datasets.ImageFolder(tmp_path / "train", transform=T.ToTensor())
    assert data.classes == ["ants", "bees"] and data.class_to_idx == {"ants": 0, "bees": 1}
    assert len(data) == 6 and data.targets == [0, 0, 0, 1, 1, 1] and data.imgs == data.samples
    assert [Path(p).name for p, _ in data.samples[:3]] == ["img0.png", "img1.png", "img2.png"]
    x, y = data[4]
    expected = np.asarray(PIL.open(data.samples[4][0]).convert("RGB")).transpose(2, 0, 1) / 255
    assert y == 1 and x.shape == (3, 6, 5)
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)
    assert isinstance(datasets.ImageFolder(tmp_path / "train")[0][0], PIL.Image)


def test_image_folder_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path)
    (tmp_path / "cats").mkdir()
    with pytest.raises(FileNotFoundError, match=r"Found no valid file for the classes cats\. Supported extensions"):
        datasets.ImageFolder(tmp_path)


def test_image_folder_without_pillow_says_how_to_install_it(tmp_path, no_pillow):
    _write_tree(tmp_path, ["a"], per_class=1)
    with pytest.raises(ImportError, match=r"needs Pillow.*pip install pillow"):
        datasets.ImageFolder(tmp_path)[0]


def test_fake_data_gives_pil_images_of_the_requested_size():
    data = datasets.FakeData(size=4, image_size=(3, 10, 7), num_classes=3, transform=T.ToTensor())
    x, y = data[3]
    assert x.shape == (3, 10, 7) and 0 <= y < 3 and len(data) == 4


# ----------------------------------------------------------------------------- samplers

def test_subset_random_sampler_permutes_exactly_the_indices_and_is_seeded():
    indices = [3, 7, 11, 12, 20]
    mt.manual_seed(1)
    first = list(SubsetRandomSampler(indices))
    mt.manual_seed(1)
    assert list(SubsetRandomSampler(indices)) == first
    assert sorted(first) == indices and len(SubsetRandomSampler(indices)) == 5
    data = TensorDataset(mt.arange(30))
    loader = DataLoader(data, batch_size=2, sampler=SubsetRandomSampler(range(10, 15)))
    seen = [v for batch in loader for v in batch[0].tolist()]
    assert sorted(seen) == [10, 11, 12, 13, 14] and len(loader) == 3


def test_weighted_random_sampler_follows_the_weights():
    mt.manual_seed(0)
    draws = np.array(list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000)))
    assert set(draws.tolist()) <= {1, 2}
    assert abs((draws == 2).mean() - 0.75) < 0.03
    once = list(WeightedRandomSampler(mt.tensor([1.0, 1.0, 1.0, 1.0]), 4, replacement=False))
    assert sorted(once) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean value, but got replacement=1"):
        WeightedRandomSampler([1.0], 1, replacement=1)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(1, 2\)"):
        WeightedRandomSampler([[1.0, 2.0]], 1)
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


def test_sequential_random_and_batch_samplers_are_public_with_pytorchs_arguments():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert sorted(RandomSampler(range(5))) == [0, 1, 2, 3, 4]
    assert len(list(RandomSampler(range(5), replacement=True, num_samples=9))) == 9
    assert list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)) == [
        [0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(BatchSampler(range(10), 3, True)) == 3
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got drop_last=None"):
        BatchSampler(range(3), 2, None)
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got replacement=0"):
        RandomSampler(range(3), replacement=0)
    from minitorch_cnn.utils.data.sampler import SubsetRandomSampler as FromModule
    assert FromModule is SubsetRandomSampler


@pytest.mark.skipif("torch" not in sys.modules and __import__("importlib").util.find_spec("torch") is None,
                    reason="PyTorch is not installed")
def test_sampler_lengths_match_pytorch():
    import torch.utils.data as tud

    for n, b, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (1, 4, False)]:
        ours = BatchSampler(SequentialSampler(range(n)), b, drop)
        theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), b, drop)
        assert len(ours) == len(theirs) and list(ours) == list(theirs)
