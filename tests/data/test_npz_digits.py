"""`npz:` and `sklearn:digits` sources."""

import numpy as np
import pytest

import zoo.data


def test_npz_x_y_keys_nhw_uint8(tmp_path):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (7, 6, 5), dtype=np.uint8)
    path = tmp_path / "d.npz"
    np.savez(path, x_train=x_train, y_train=np.arange(7), x_test=x_train[:3], y_test=np.arange(3))
    images, labels = zoo.data.load_numpy(f"npz:{path}", "train")
    assert images.shape == (7, 6, 5, 1) and images.dtype == np.float32
    np.testing.assert_array_equal(images[..., 0], x_train / np.float32(255))
    np.testing.assert_array_equal(labels, np.arange(7))
    info = zoo.data.info(f"npz:{path}")
    assert info.splits == {"train": 7, "test": 3} and info.has_labels
    assert info.image_shape == (6, 5, 1) and info.scaling.divisor == 255
    batch, batch_labels = next(iter(zoo.data.load(f"npz:{path}", "test", batch_size=3,
                                                  with_labels=True)))
    assert batch.shape == (3, 6, 5, 1)
    np.testing.assert_array_equal(batch_labels, [0, 1, 2])


def test_npz_images_key_float_nhwc(tmp_path):
    images = np.random.default_rng(1).random((4, 3, 3, 3)).astype(np.float32)
    path = tmp_path / "f.npz"
    np.savez(path, images=images)
    got, labels = zoo.data.load_numpy(f"npz:{path}")
    assert labels is None
    np.testing.assert_array_equal(got, images)
    info = zoo.data.info(f"npz:{path}")
    assert info.scaling == zoo.data.Scaling(levels=None, divisor=1.0, dequantized=False)
    with pytest.raises(ValueError, match="dequantize=True needs integer-valued data"):
        zoo.data.load_numpy(f"npz:{path}", dequantize=True)


def test_npz_float_multiples_of_1_over_255_are_8_bit(tmp_path):
    raw = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4) * 7
    path = tmp_path / "q.npz"
    np.savez(path, images=raw.astype(np.float64) / 255)
    assert zoo.data.info(f"npz:{path}").scaling.levels == 256
    deq, _ = zoo.data.load_numpy(f"npz:{path}", dequantize=True)
    assert np.all(deq[..., 0] >= raw / 256) and np.all(deq[..., 0] < (raw + 1) / 256)


@pytest.mark.parametrize("arrays, message", [
    ({"foo": np.zeros((2, 2, 2))}, "no image arrays; expected keys x_train"),
    ({"images": np.full((2, 2, 2), 2.0)}, r"must be in \[0, 1\]"),
    ({"images": np.zeros((2, 2), np.uint8)}, "expected non-empty images NHW or NHWC"),
    ({"images": np.zeros((2, 2, 2), np.uint8), "labels": np.zeros(3, int)}, "one integer label"),
])
def test_npz_bad_contents(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=message):
        zoo.data.load_numpy(f"npz:{path}")


def test_npz_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="npz file not found"):
        zoo.data.load_numpy(f"npz:{tmp_path / 'none.npz'}")


def test_sklearn_digits():
    train, train_labels = zoo.data.load_numpy("sklearn:digits", "train")
    test, test_labels = zoo.data.load_numpy("sklearn:digits", "test")
    assert train.shape == (1500, 8, 8, 1) and test.shape == (297, 8, 8, 1)
    assert train.dtype == np.float32 and train.min() == 0.0 and train.max() == 1.0
    np.testing.assert_array_equal(train * 16, np.round(train * 16))  # values k / 16
    assert set(np.unique(train_labels)) == set(range(10))
    np.testing.assert_array_equal(zoo.data.load_numpy("sklearn:digits", "train")[1], train_labels)
    info = zoo.data.info("sklearn:digits")
    assert info.splits == {"train": 1500, "test": 297}
    assert info.scaling == zoo.data.Scaling(levels=17, divisor=16.0, dequantized=False)
    batch = next(iter(zoo.data.load("sklearn:digits", "test", batch_size=297)))
    np.testing.assert_array_equal(batch.numpy(), test)


def test_sklearn_unknown_name():
    with pytest.raises(ValueError, match="unknown scikit-learn data set 'iris'; valid: digits"):
        zoo.data.load("sklearn:iris")
