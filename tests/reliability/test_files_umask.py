"""`zoo.files` atomic writes give results the permissions a plain open() would (umask)."""

import os
import stat

import pytest

from zoo import files


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_atomic_writes_respect_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        files.write_json(tmp_path / "result.json", {"a": 1})
        with open(tmp_path / "plain.txt", "w") as f:
            f.write("x")
    finally:
        os.umask(previous)
    mode = stat.S_IMODE(os.stat(tmp_path / "result.json").st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / "plain.txt").st_mode) == 0o666 & ~umask
