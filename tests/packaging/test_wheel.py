"""The package as users install it: the wheel holds every tracked module and data file, every package
directory is a real package, and the metadata says what pip and PyPI need."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "minitorch_cnn"


def tracked_files():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(["git", "ls-files", "minitorch_cnn"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    return {name for name in listing if (ROOT / name).exists()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("setuptools")
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {result.stderr.strip()[-300:]}")
    (path,) = out.glob("*.whl")
    return path


def test_the_wheel_holds_every_tracked_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(tracked_files() - names)
    assert missing == [], f"tracked files missing from {wheel.name}: {missing}"
    assert "minitorch_cnn/ops/__init__.py" in names and "minitorch_cnn/utils/data/files/digits.bin.gz" in names


def test_the_wheel_metadata(wheel):
    from minitorch_cnn import __version__

    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(f"minitorch_cnn-{__version__}.dist-info/METADATA").decode()
    for line in ("Name: minitorch_cnn", f"Version: {__version__}", "Requires-Python: >=3.10",
                 "License-Expression: MIT", "Requires-Dist: numpy>=1.24", "Provides-Extra: train",
                 "Provides-Extra: plot", "Provides-Extra: test", "Provides-Extra: cuda", "Provides-Extra: all",
                 "Classifier: Programming Language :: Python :: 3"):
        assert line in metadata, line
    assert any(name.endswith("licenses/LICENSE") for name in archive.namelist())
    entry_points = archive.read(f"minitorch_cnn-{__version__}.dist-info/entry_points.txt").decode()
    assert "minitorch-cnn = minitorch_cnn.cli:entry_point" in entry_points


def test_every_package_directory_is_a_package():
    for directory in PACKAGE.rglob("*"):
        if directory.is_dir() and directory.name != "__pycache__" and any(directory.glob("*.py")):
            assert (directory / "__init__.py").is_file(), f"{directory} has modules but no __init__.py"
