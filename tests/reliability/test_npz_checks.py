"""`npz:` data (zoo.data.npz): NaN pixels and a renamed .npy get an error naming the problem."""

import io
import os
import pickle
import zipfile

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


def _npy_bytes(shape, dtype, payload):
    """An .npy member whose header declares `shape` of `dtype`, followed by `payload` bytes."""
    buffer = io.BytesIO()
    header = {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + payload


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_huge_declared_shape_is_refused_before_loading(tmp_path, compression):
    path = _zip(tmp_path / "huge.npz", {"images.npy": _npy_bytes((10**12,), np.uint8,
                                                                 bytes(64))}, compression)
    with pytest.raises(ValueError, match=r"huge.npz: member 'images.npy' declares shape "
                                         r"\(1000000000000,\) of uint8 \(1000000000000 bytes\) "
                                         r"but stores 64 bytes"):
        data.info(f"npz:{path}")


def test_a_member_claiming_more_than_deflate_can_expand_is_refused(tmp_path):
    path = _zip(tmp_path / "bomb.npz", {"images.npy": _npy_bytes((8,), np.uint8, bytes(8))})
    archive = bytearray(path.read_bytes())
    # Patch the central directory's uncompressed size (4 bytes at offset 24 of the record).
    record = archive.rindex(b"PK\x01\x02")
    archive[record + 24:record + 28] = (2**31).to_bytes(4, "little")
    path.write_bytes(bytes(archive))
    with pytest.raises(ValueError, match=r"bomb.npz: member 'images.npy' claims 2147483648 "
                                         r"bytes from \d+ compressed bytes"):
        data.info(f"npz:{path}")


def test_members_that_are_not_arrays_are_named(tmp_path):
    path = _zip(tmp_path / "notes.npz", {"images.npy": _npy_bytes((1, 2, 2), np.uint8, bytes(4)),
                                         "readme.txt": b"not an array"})
    with pytest.raises(ValueError, match=r"notes.npz: member 'readme.txt' is not a NumPy array"):
        data.info(f"npz:{path}")
    np.savez(tmp_path / "objects.npz", images=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(ValueError, match=r"objects.npz: member 'images.npy' holds Python "
                                         r"objects \(dtype object\)"):
        data.info(f"npz:{tmp_path / 'objects.npz'}")


def test_a_pickle_named_npz_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "pickled.npz"
    path.write_bytes(pickle.dumps({"images": np.zeros((2, 4, 4), np.uint8)}))
    with pytest.raises(ValueError, match=r"pickled.npz: not an .npz archive .*it starts like a "
                                         r"Python pickle.*pickles are not loaded"):
        data.info(f"npz:{path}")
