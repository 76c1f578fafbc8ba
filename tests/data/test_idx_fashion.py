"""Fashion-MNIST through the `idx:` source: recognised by its canonical (uncompressed) checksums."""

import gzip
import warnings

import numpy as np
import pytest

import zoo.data
from zoo.data import checksums, idx


@pytest.mark.large
def test_real_fashion_mnist_loads_without_checksum_warnings(fashion_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # recompressed .gz: recognised by the content's md5
        train, train_labels = zoo.data.load_numpy(f"idx:{fashion_dir}", "train")
        test, test_labels = zoo.data.load_numpy(f"idx:{fashion_dir}", "test")
    assert train.shape == (60000, 28, 28, 1) and test.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(train_labels), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(test_labels), [1000] * 10)
    assert train.min() == 0.0 and train.max() == 1.0
    assert idx.identify(str(fashion_dir)) == "fashion_mnist"


def test_fashion_mnist_raw_checksums_are_recognised(fashion_dir, tmp_path):
    gz = fashion_dir / "t10k-labels-idx1-ubyte.gz"
    if not gz.exists():
        pytest.skip(f"{gz} not found")
    file_bytes = gz.read_bytes()
    content = gzip.decompress(file_bytes)
    assert checksums.verify(str(gz), file_bytes, content) == "fashion_mnist"
    plain = tmp_path / "t10k-labels-idx1-ubyte"
    plain.write_bytes(content)
    assert checksums.verify(str(plain), content, content) == "fashion_mnist"
    altered = bytearray(content)
    altered[-1] ^= 1
    with pytest.warns(UserWarning, match="does not match the canonical MNIST or Fashion-MNIST"):
        assert checksums.verify(str(plain), bytes(altered), bytes(altered)) is None


def test_identify_tells_mnist_from_fashion(mnist_dir, fashion_dir, tmp_path):
    assert idx.identify(str(mnist_dir)) == "mnist"
    assert idx.identify(str(fashion_dir)) == "fashion_mnist"
    other = tmp_path / "t10k-images-idx3-ubyte"
    other.write_bytes(b"\0\0\x08\x03" + (1).to_bytes(4, "big") * 3 + b"\0")
    assert idx.identify(str(tmp_path)) is None


def test_identify_spec_names_the_data_set_of_an_idx_folder(mnist_dir, fashion_dir):
    assert idx.identify_spec(f"idx:{fashion_dir}?verify=false") == "fashion_mnist"
    assert idx.identify_spec(f"idx:{mnist_dir}") == "mnist"
    assert idx.identify_spec("sklearn:digits") is None
