"""A full disk ends a recipe with its error and exit status 1 (`zoo.files`
`exit_cleanly_on_disk_full`), not with a crash of the interpreter's shutdown (status 139)."""

import errno
import shutil
import subprocess
import sys

import pytest

from quickstart_runner import ROOT
from zoo import files


def test_disk_full_errors_are_recognised_through_their_chain():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("saving failed") from inner
    except RuntimeError as outer:
        assert files.is_disk_full(outer)
    assert files.is_disk_full(OSError("Can't write data (error message = 'No space left on "
                                      "device')"))
    assert not files.is_disk_full(ValueError("bad value"))
    assert not files.is_disk_full(OSError(errno.ENOENT, "missing"))


@pytest.fixture
def small_disk(tmp_path):
    """A 20 MB tmpfs (needs permission to mount; skipped otherwise)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.slow
def test_quickstart_on_a_full_disk_exits_with_status_1(small_disk):
    # Default network widths: its backups overflow 20 MB within the first stage.
    result = subprocess.run([sys.executable, "-m", "tools.quickstart",
                             f"--workdir={small_disk / 'run'}", "--epochs=2,2,2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "No space left on device" in result.stderr
    assert "error: the disk is full" in result.stderr
