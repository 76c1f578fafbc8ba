"""`folder:` source: CelebA crops, resizing, split rules, unreadable files, order."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import zoo.data
from zoo.data import folder


def _pattern_image():
    """218 x 178 RGB image whose pixel (r, c) is (r, c, 7): crops can be located exactly."""
    rows, cols = np.meshgrid(np.arange(218), np.arange(178), indexing="ij")
    return np.stack([rows, cols, np.full_like(rows, 7)], axis=-1).astype(np.uint8)


@pytest.fixture
def celeba_like(tmp_path):
    """Three lossless 218x178 PNGs (the pattern) and two JPEGs, plus a non-image file."""
    pattern = _pattern_image()
    for name in ("000001.png", "000002.png", "000003.png"):
        Image.fromarray(pattern).save(tmp_path / name)
    rng = np.random.default_rng(0)
    for name in ("000004.jpg", "000005.jpg"):
        Image.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(tmp_path / name)
    (tmp_path / "README.txt").write_text("not an image")
    return tmp_path, pattern


def test_celeba128_crop(celeba_like):
    path, pattern = celeba_like
    images, labels = zoo.data.load_numpy(f"folder:{path}", crop="celeba128")
    assert images.shape == (5, 128, 128, 3) and labels is None
    np.testing.assert_array_equal(images[0] * 255, pattern[45:173, 25:153])


def test_celeba64_crop(celeba_like):
    path, pattern = celeba_like
    images, _ = zoo.data.load_numpy(f"folder:{path}?crop=celeba64")
    assert images.shape == (5, 64, 64, 3)
    expected = Image.fromarray(pattern[45:173, 25:153]).resize((64, 64), Image.BILINEAR)
    np.testing.assert_array_equal(images[1] * 255, np.asarray(expected))
    assert zoo.data.info(f"folder:{path}", crop="celeba64").image_shape == (64, 64, 3)


def test_celeba140_crop(celeba_like):
    path, pattern = celeba_like
    images, _ = zoo.data.load_numpy(f"folder:{path}", crop="celeba140")
    assert images.shape == (5, 64, 64, 3)
    expected = Image.fromarray(pattern[39:179, 19:159]).resize((64, 64), Image.LANCZOS)
    np.testing.assert_array_equal(images[2] * 255, np.asarray(expected))


def test_tf_pipeline_matches_numpy(celeba_like):
    path, _ = celeba_like
    expected, _ = zoo.data.load_numpy(f"folder:{path}", crop="celeba64")
    for cache in (True, False):
        batch = next(iter(zoo.data.load(f"folder:{path}", crop="celeba64", batch_size=5,
                                        cache=cache)))
        assert batch.dtype == tf.float32 and batch.shape == (5, 64, 64, 3)
        np.testing.assert_array_equal(batch.numpy(), expected)


def test_generic_resize_and_native_size(tmp_path):
    for i, size in enumerate([(10, 12), (10, 12)]):
        Image.new("L", (size[1], size[0]), color=i * 50).save(tmp_path / f"{i}.png")
    native, _ = zoo.data.load_numpy(f"folder:{tmp_path}")
    assert native.shape == (2, 10, 12, 1)
    np.testing.assert_allclose(native[1], 50 / 255)
    resized, _ = zoo.data.load_numpy(f"folder:{tmp_path}?size=6x8")
    assert resized.shape == (2, 6, 8, 1)


def test_mismatched_sizes_need_size(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    Image.new("RGB", (9, 8)).save(tmp_path / "b.png")
    with pytest.raises(ValueError, match=r"b.png.* is 8x9 .*pass size="):
        zoo.data.load_numpy(f"folder:{tmp_path}")
    assert zoo.data.load_numpy(f"folder:{tmp_path}", size=4)[0].shape == (2, 4, 4, 3)


def test_corrupt_file_is_named(celeba_like):
    path, _ = celeba_like
    (path / "000006.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    with pytest.raises(ValueError, match="cannot read image file .*000006.jpg"):
        zoo.data.load_numpy(f"folder:{path}", crop="celeba128")
    with pytest.raises(tf.errors.InvalidArgumentError, match="000006.jpg"):
        for _ in zoo.data.load(f"folder:{path}", crop="celeba128", batch_size=2):
            pass


def test_crop_needs_aligned_celeba_size(tmp_path):
    Image.new("RGB", (100, 100)).save(tmp_path / "small.png")
    with pytest.raises(ValueError, match=r"small.png.*expects aligned CelebA images of 178x218"):
        zoo.data.load_numpy(f"folder:{tmp_path}", crop="celeba64")


def test_sorted_name_order_and_slices(tmp_path):
    names = ["b.png", "c.png", "a.png", "10.png", "02.png"]  # written out of order
    for name in names:
        Image.new("L", (3, 3), color=ord(name[0])).save(tmp_path / name)
    images, _ = zoo.data.load_numpy(f"folder:{tmp_path}")
    order = sorted(names)
    np.testing.assert_array_equal(images[:, 0, 0, 0] * 255, [ord(n[0]) for n in order])
    tail, _ = zoo.data.load_numpy(f"folder:{tmp_path}", "train[3:]")
    np.testing.assert_array_equal(tail[:, 0, 0, 0] * 255, [ord(n[0]) for n in order[3:]])
    assert zoo.data.info(f"folder:{tmp_path}").splits == {"train": 5}
    with pytest.raises(ValueError, match="unknown split 'test'.*valid splits: train"):
        zoo.data.load_numpy(f"folder:{tmp_path}", "test")


def test_celeba_split_rule():
    assert folder.split_ranges(202_599) == {
        "train": (0, 162_770), "valid": (162_770, 182_637), "test": (182_637, 202_599)}
    assert folder.split_ranges(1000) == {"train": (0, 1000)}
    assert folder.split_ranges(1000, "celeba")["train"] == (0, 1000)
    assert folder.split_ranges(202_599, "none") == {"train": (0, 202_599)}


def test_celeba_split_rule_on_folder(tmp_path):
    for i in range(3):
        Image.new("L", (2, 2), color=i).save(tmp_path / f"{i}.png")
    info = zoo.data.info(f"folder:{tmp_path}?split_rule=celeba")
    assert info.splits == {"train": 3, "valid": 0, "test": 0}
    with pytest.raises(ValueError, match="selects no examples"):
        zoo.data.load_numpy(f"folder:{tmp_path}?split_rule=celeba", "valid")


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="image folder not found"):
        zoo.data.load(f"folder:{tmp_path / 'missing'}")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="no image files"):
        zoo.data.load(f"folder:{tmp_path}")


def test_no_labels(celeba_like):
    path, _ = celeba_like
    with pytest.raises(ValueError, match="has no labels"):
        zoo.data.load(f"folder:{path}", with_labels=True)


@pytest.mark.parametrize("position", ["first", "later"])
def test_16_bit_images_are_refused_not_clipped_to_8_bits(tmp_path, position):
    """A 16-bit PNG (PIL mode I;16) read as 8 bits turns 0, 1000, 30000 into 0, 1, 1."""
    values = np.array([[0, 1000, 30000, 65535]], "<u2")
    deep = Image.frombytes("I;16", (4, 1), values.tobytes())
    eight_bit = Image.fromarray(np.array([[0, 10, 20, 30]], np.uint8))
    (deep if position == "first" else eight_bit).save(tmp_path / "a.png")
    deep.save(tmp_path / "b.png")
    bad = tmp_path / ("a.png" if position == "first" else "b.png")
    message = rf"cannot read image file '{bad}': its mode I;16\w* has more than 8 bits"
    with pytest.raises(ValueError, match=message):
        if position == "first":
            zoo.data.info(f"folder:{tmp_path}")
        zoo.data.load_numpy(f"folder:{tmp_path}", "train")
