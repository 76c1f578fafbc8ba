"""`idx:` source: parsing, validation, checksums, real MNIST."""

import gzip
import warnings

import numpy as np
import pytest

import zoo.data
from zoo.data import idx


def _spec(folder):
    return f"idx:{folder}?verify=false"


def test_plain_files_parse(small_mnist):
    folder, arrays = small_mnist
    for split in ("train", "test"):
        images, labels = zoo.data.load_numpy(_spec(folder), split)
        assert images.shape == arrays[split][0].shape + (1,)
        assert images.dtype == np.float32
        np.testing.assert_array_equal(images[..., 0], arrays[split][0] / np.float32(255))
        np.testing.assert_array_equal(labels, arrays[split][1])


def test_gz_files_parse(tmp_path, write_idx):
    images = np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2)
    labels = np.array([7, 8, 9], np.uint8)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", images, 2051, gz=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels, 2049, gz=True)
    got, got_labels = zoo.data.load_numpy(_spec(tmp_path), "test")
    np.testing.assert_array_equal(got[..., 0] * 255, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_slices(small_mnist):
    folder, arrays = small_mnist
    head, _ = zoo.data.load_numpy(_spec(folder), "train[:4]")
    tail, tail_labels = zoo.data.load_numpy(_spec(folder), "train[4:]")
    assert len(head) == 4 and len(tail) == 2
    np.testing.assert_array_equal(tail_labels, arrays["train"][1][4:])
    assert zoo.data.info(_spec(folder)).splits == {"train": 6, "test": 4}


def _only_train_images(tmp_path, write_idx, data):
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(2, np.uint8), 2049)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(data)
    return _spec(tmp_path)


def test_truncated_file(tmp_path, write_idx, idx_bytes):
    data = idx_bytes(np.ones((2, 3, 3), np.uint8), 2051)[:-5]
    spec = _only_train_images(tmp_path, write_idx, data)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: truncated"):
        zoo.data.load_numpy(spec, "train")


def test_truncated_header(tmp_path, write_idx):
    spec = _only_train_images(tmp_path, write_idx, (2051).to_bytes(4, "big") + b"\0\0")
    with pytest.raises(ValueError, match="train-images-idx3-ubyte: truncated IDX header"):
        zoo.data.load_numpy(spec, "train")


def test_wrong_magic(tmp_path, write_idx, idx_bytes):
    spec = _only_train_images(tmp_path, write_idx, idx_bytes(np.ones(2, np.uint8), 2049))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: wrong magic number 2049"):
        zoo.data.load_numpy(spec, "train")


def test_wrong_count_in_header(tmp_path, write_idx, idx_bytes):
    data = bytearray(idx_bytes(np.ones((2, 3, 3), np.uint8), 2051))
    data[4:8] = (3).to_bytes(4, "big")  # header claims 3 images, file holds 2
    spec = _only_train_images(tmp_path, write_idx, bytes(data))
    with pytest.raises(ValueError, match=r"truncated: the header declares 3 images of 3x3"):
        zoo.data.load_numpy(spec, "train")
    data[4:8] = (1).to_bytes(4, "big")  # header claims 1 image, file holds 2
    (tmp_path / "train-images-idx3-ubyte").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"9 bytes beyond the 1 images of 3x3"):
        zoo.data.load_numpy(spec, "train")


def test_images_labels_count_mismatch(tmp_path, write_idx):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.ones((3, 2, 2), np.uint8), 2051)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.ones(2, np.uint8), 2049)
    with pytest.raises(ValueError, match="holds 3 images but .* holds 2 labels"):
        zoo.data.load_numpy(_spec(tmp_path), "train")


def test_corrupt_gzip(tmp_path, write_idx):
    path = write_idx(tmp_path / "train-images-idx3-ubyte", np.ones((3, 2, 2), np.uint8), 2051,
                     gz=True)
    path.write_bytes(path.read_bytes()[:-12])
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.ones(3, np.uint8), 2049)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz: corrupt or truncated gzip"):
        zoo.data.load_numpy(_spec(tmp_path), "train")


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="IDX folder not found"):
        zoo.data.load_numpy(f"idx:{tmp_path / 'nope'}", "train")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        zoo.data.load_numpy(f"idx:{tmp_path}", "train")


def test_checksum_mismatch_warns(small_mnist):
    folder, _ = small_mnist
    with pytest.warns(UserWarning, match="train-images-idx3-ubyte: checksum does not match"):
        zoo.data.load_numpy(f"idx:{folder}", "train")


def test_checksum_mismatch_warns_for_gz(tmp_path, write_idx):
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.ones(3, np.uint8), 2049, gz=True)
    with pytest.warns(UserWarning, match=r"MNIST or Fashion-MNIST \(.gz\)"):
        idx.read_file(str(tmp_path / "t10k-labels-idx1-ubyte.gz"), 2049)


def test_unknown_file_name_is_not_checked(tmp_path, write_idx):
    path = write_idx(tmp_path / "other-labels-idx1-ubyte", np.ones(3, np.uint8), 2049)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(idx.read_file(str(path), 2049), [1, 1, 1])


@pytest.mark.large
def test_real_mnist(mnist_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the canonical checksums must match
        train, train_labels = zoo.data.load_numpy(f"idx:{mnist_dir}", "train")
        test, test_labels = zoo.data.load_numpy(f"idx:{mnist_dir}", "test")
    assert train.shape == (60000, 28, 28, 1) and test.shape == (10000, 28, 28, 1)
    assert len(test_labels) == 10000
    assert train.min() == 0.0 and train.max() == 1.0
    np.testing.assert_array_equal(
        np.bincount(train_labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])


@pytest.mark.large
def test_real_mnist_raw_checksum(mnist_dir, tmp_path):
    """The uncompressed files verify by md5 of their content (any mirror's recompression)."""
    gz = mnist_dir / "t10k-labels-idx1-ubyte.gz"
    if not gz.exists():
        pytest.skip(f"{gz} not found")
    plain = tmp_path / "t10k-labels-idx1-ubyte"
    plain.write_bytes(gzip.decompress(gz.read_bytes()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(idx.read_file(str(plain), 2049)) == 10000


def test_train_and_test_images_of_different_sizes_are_refused_at_info(tmp_path, write_idx):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.ones((3, 5, 4), np.uint8), 2051)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.ones((2, 6, 6), np.uint8), 2051, gz=True)
    with pytest.raises(ValueError, match=r"train images .*train-images-idx3-ubyte are 5x4 but "
                                         r"the test images .*t10k-images-idx3-ubyte.gz are 6x6"):
        zoo.data.info(_spec(tmp_path))


def _gz_member(data):
    return gzip.compress(data, compresslevel=9)


def test_a_gzip_bomb_behind_a_small_header_is_refused_at_the_declared_size(tmp_path, idx_bytes):
    """2 images of 2x2 declared, 64 MB of zeros behind them: refused after 2 * 2 * 2 + 1 bytes
    of payload, not decompressed in full."""
    header = idx_bytes(np.zeros((2, 2, 2), np.uint8), 2051)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(_gz_member(header + bytes(64 << 20)))
    with pytest.raises(ValueError, match=r"decompresses to more than the 2 images of 2x2 \(24 "
                                         r"bytes\) the header declares"):
        idx.read_file(str(path), 2051, verify=False)


def test_a_huge_declared_count_in_a_small_gzip_is_refused_before_decompressing(tmp_path):
    header = (2051).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big")
                                                  for d in (2**32 - 1, 28, 28))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(_gz_member(header + bytes(1000)))
    with pytest.raises(ValueError, match=r"declares 4294967295 images of 28x28 .*more than \d+ "
                                         r"bytes of gzip data can decompress to"):
        idx.read_file(str(path), 2051, verify=False)


def test_a_gzip_shorter_than_its_header_declares_is_refused(tmp_path, idx_bytes):
    data = idx_bytes(np.ones((3, 2, 2), np.uint8), 2051)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(_gz_member(data[:-4]))
    with pytest.raises(ValueError, match=r"truncated: the header declares 3 images of 2x2"):
        idx.read_file(str(path), 2051, verify=False)
    path.write_bytes(_gz_member(data[:8]) + _gz_member(data[8:]))  # two members: still read
    np.testing.assert_array_equal(idx.read_file(str(path), 2051, verify=False), 1)
