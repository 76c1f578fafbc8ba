"""`npz:` data (zoo.data.npz): NaN pixels and a renamed .npy get an error naming the problem."""

import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from zoo import data


@settings(max_examples=20, deadline=None)
@given(bad=st.sampled_from([np.nan, np.inf, -np.inf]), index=st.integers(0, 2 * 4 * 4 - 1))
def test_nan_or_inf_pixels_are_refused(tmp_path_factory, bad, index):
    images = np.full((2, 4, 4), 0.5, np.float32)
    images.reshape(-1)[index] = bad
    path = tmp_path_factory.mktemp("npz") / "bad.npz"
    np.savez(path, images=images)
    with pytest.raises(ValueError, match=r"float images 'images' hold 1 NaN or Inf value"):
        data.load_numpy(f"npz:{path}", "train")


def test_a_renamed_npy_file_is_named_as_such(tmp_path):
    np.save(tmp_path / "digits.npy", np.zeros((3, 4, 4), np.uint8))
    os.rename(tmp_path / "digits.npy", tmp_path / "digits.npz")
    with pytest.raises(ValueError, match=r"a single NumPy array \(\.npy\), not an \.npz archive"):
        data.info(f"npz:{tmp_path / 'digits.npz'}")
