"""Spec strings, options and split strings."""

import pytest

import zoo.data
from zoo.data.spec import as_size
from zoo.data.splits import SplitSelection, parse_split


@pytest.mark.parametrize("text, expected", [
    ("train", SplitSelection("train")),
    ("train[:50000]", SplitSelection("train", None, 50000)),
    ("train[50000:]", SplitSelection("train", 50000, None)),
    (" test[ -100 : ] ", SplitSelection("test", -100, None)),
    ("valid[10:20]", SplitSelection("valid", 10, 20)),
])
def test_parse_split(text, expected):
    assert parse_split(text) == expected


@pytest.mark.parametrize("text", ["", "train[5]", "train[::2]", "train[a:b]", "train[:10", "1x",
                                  "train[:50%]", None])
def test_bad_split_strings(text):
    with pytest.raises(ValueError, match="bad split"):
        parse_split(text)


def test_split_bounds():
    assert SplitSelection("train", -10, None).bounds(100) == (90, 100)
    assert SplitSelection("train", None, 500).bounds(100) == (0, 100)
    with pytest.raises(ValueError, match=r"train\[50:10\] selects no examples"):
        SplitSelection("train", 50, 10).bounds(100)
    with pytest.raises(ValueError, match="bad split"):
        zoo.data.load("sklearn:digits", "train[1:2:3]")


def test_unknown_source_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown data source 'hdf5'.*'tfds:', 'idx:', 'folder:', "
                                         "'npz:', 'sklearn:'"):
        zoo.data.load("hdf5:/x")
    with pytest.raises(ValueError, match="expected 'source:arg'"):
        zoo.data.load("mnist")
    with pytest.raises(ValueError, match="nothing after 'idx:'"):
        zoo.data.load("idx:")


def test_options():
    with pytest.raises(ValueError, match="unknown option.*colour.*valid options: crop, size, "
                                         "split_rule"):
        zoo.data.info("folder:/x?colour=red")
    with pytest.raises(ValueError, match="unknown option.*crop.*valid options: none"):
        zoo.data.load("sklearn:digits", crop="celeba64")
    with pytest.raises(ValueError, match="'celeba64' in the spec .* but 'celeba128'"):
        zoo.data.load("folder:/x?crop=celeba64", crop="celeba128")
    with pytest.raises(ValueError, match="unknown crop 'celeba32'"):
        zoo.data.info("tfds:celeb_a", crop="celeba32")
    with pytest.raises(ValueError, match="must be true or false"):
        zoo.data.load("tfds:mnist?download=maybe")


def test_as_size():
    assert as_size(64, "size") == (64, 64)
    assert as_size("32x48", "size") == (32, 48)
    assert as_size((5, 6), "size") == (5, 6)
    with pytest.raises(ValueError, match="positive size"):
        as_size("0", "size")


def test_unknown_split_name():
    with pytest.raises(ValueError, match="unknown split 'validation' for sklearn:digits; valid "
                                         "splits: train, test"):
        zoo.data.load("sklearn:digits", "validation")
