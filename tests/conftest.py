"""Test-wide settings: Keras writes into a temporary home, logs stay quiet, seeds are fixed."""

import os
import pathlib
import tempfile

import pytest

os.environ.setdefault("KERAS_HOME", tempfile.mkdtemp(prefix="keras_home_"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def mnist_dir():
    """The real MNIST IDX folder: $ZOO_MNIST_DIR or ../shared/data/mnist from the repo root."""
    folder = pathlib.Path(os.environ.get("ZOO_MNIST_DIR", REPO_ROOT.parent / "shared/data/mnist"))
    if not (folder / "train-images-idx3-ubyte.gz").exists() and not (
            folder / "train-images-idx3-ubyte").exists():
        pytest.skip(f"real MNIST IDX files not found in {folder} (set ZOO_MNIST_DIR)")
    return folder


@pytest.fixture
def fashion_dir():
    """The real Fashion-MNIST IDX folder: $ZOO_FASHION_MNIST_DIR or ../shared/data/fashion_mnist."""
    folder = pathlib.Path(os.environ.get("ZOO_FASHION_MNIST_DIR",
                                         REPO_ROOT.parent / "shared/data/fashion_mnist"))
    if not (folder / "train-images-idx3-ubyte.gz").exists() and not (
            folder / "train-images-idx3-ubyte").exists():
        pytest.skip(f"real Fashion-MNIST IDX files not found in {folder} "
                    "(set ZOO_FASHION_MNIST_DIR)")
    return folder
