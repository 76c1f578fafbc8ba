"""Atomic file writes: a crash mid-write leaves the previous good file in place.

`atomic_path` writes to a temporary file in the same folder, flushes it to disk and renames it
over the target (atomic on POSIX), then flushes the folder entry. A process killed at any point
leaves either the old file or the new one, never a torn one; at worst a hidden temporary
`.<name>.*` file stays behind. The result gets the permissions of a plain `open(path, "w")`
(0666 minus the umask), not the 0600 of the temporary file.
"""

import contextlib
import json
import os
import tempfile


def _fsync(path, directory=False):
    """Flush `path` (a file, or a folder's entries) to disk; best effort where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask():
    mask = os.umask(0)  # the only portable way to read it; set back at once
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, suffix=".tmp"):
    """Yield a temporary path beside `path`; on success rename it over `path` (atomic on POSIX).

    On an exception the temporary file is removed and `path` is left as it was. `suffix` ends
    the temporary name (Keras wants weight files to end in ".weights.h5").
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=suffix)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide the result from others
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(directory, directory=True)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text(path, text):
    """Write `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    return path


def write_json(path, obj):
    """Write `obj` as indented JSON to `path` atomically."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n")


def read_json(path):
    """The JSON object in `path`; a ValueError naming the file if it is not valid JSON."""
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from None
