"""Fixtures for the `zoo.data` tests: small IDX / image / npz files written on the fly."""

import gzip
import pathlib

import numpy as np
import pytest


def _idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


@pytest.fixture
def idx_bytes():
    """idx_bytes(array, magic): IDX bytes of a uint8 array (2051: images NHW, 2049: labels)."""
    return _idx_bytes


@pytest.fixture
def write_idx():
    """write_idx(path, array, magic, gz=False): write an IDX file (gzip-compressed if gz)."""

    def write(path, array, magic, gz=False):
        data = _idx_bytes(array, magic)
        path = pathlib.Path(str(path) + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    return write


@pytest.fixture
def small_mnist(tmp_path, write_idx):
    """An IDX folder with 6 train and 4 test 5x4 images; returns (folder, arrays dict)."""
    rng = np.random.default_rng(0)
    arrays = {
        "train": (rng.integers(0, 256, (6, 5, 4), dtype=np.uint8),
                  rng.integers(0, 10, 6, dtype=np.uint8)),
        "test": (rng.integers(0, 256, (4, 5, 4), dtype=np.uint8),
                 rng.integers(0, 10, 4, dtype=np.uint8)),
    }
    for split, prefix in (("train", "train"), ("test", "t10k")):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", arrays[split][0], 2051)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", arrays[split][1], 2049)
    return tmp_path, arrays
