"""Atomic file writes: a crash mid-write leaves the previous good file in place.

`atomic_path` writes to a temporary file in the same folder, flushes it to disk and renames it
over the target (atomic on POSIX), then flushes the folder entry. A process killed at any point
leaves either the old file or the new one, never a torn one; at worst a hidden temporary
`.<name>.*` file stays behind. The result gets the permissions of a plain `open(path, "w")`
(0666 minus the umask), not the 0600 of the temporary file.
"""

import contextlib
import errno
import json
import os
import sys
import tempfile
import traceback


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


LOCK_FILE = ".lock"
_HELD = {}  # real path of a workdir -> open lock file of this process


class WorkdirInUse(RuntimeError):
    """Another live process holds the workdir's lock; `pid` is its process id (or None)."""

    def __init__(self, message, pid=None):
        super().__init__(message)
        self.pid = pid


def make_workdir(workdir):
    """Create `workdir` (and parents); a clear error when the path is a file."""
    workdir = os.fspath(workdir)
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise NotADirectoryError(f"the workdir {workdir} is a file, not a folder; pass another "
                                 f"--workdir (or move the file away)")
    os.makedirs(workdir, exist_ok=True)
    return workdir


def lock_workdir(workdir):
    """Make this process the one owner of `workdir` until it exits (or `unlock_workdir`).

    The lock is `fcntl.flock` on `<workdir>/.lock`, which holds this process' id. The kernel
    drops it when the process ends, also after `kill -9`, so a stale lock file never blocks a
    later run. Taking it again in the same process does nothing; a second process gets
    `WorkdirInUse` naming the holder's pid.
    """
    import fcntl

    key = os.path.realpath(make_workdir(workdir))
    if key in _HELD:
        return
    file = open(os.path.join(key, LOCK_FILE), "a+")
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        file.seek(0)
        text = file.read().strip()
        file.close()
        pid = int(text) if text.isdigit() else None
        raise WorkdirInUse(f"the workdir {workdir} is in use by process "
                           f"{pid if pid else '(unknown pid)'} (lock {os.path.join(key, LOCK_FILE)}"
                           f"); wait for it to finish, stop it, or use another --workdir",
                           pid) from None
    file.seek(0)
    file.truncate()
    file.write(f"{os.getpid()}\n")
    file.flush()
    _HELD[key] = file


def unlock_workdir(workdir):
    """Release this process' lock on `workdir` (if it holds one)."""
    file = _HELD.pop(os.path.realpath(os.fspath(workdir)), None)
    if file is not None:
        file.close()  # closing the descriptor releases the flock


@contextlib.contextmanager
def workdir_locked(workdir):
    """Hold the lock of `workdir` for a `with` block, unless this process held it already
    (then it stays held after the block)."""
    key = os.path.realpath(make_workdir(workdir))
    held = key in _HELD
    lock_workdir(workdir)
    try:
        yield workdir
    finally:
        if not held:
            unlock_workdir(workdir)


@contextlib.contextmanager
def exclusive_lock(path):
    """Hold an exclusive `fcntl.flock` on the file `path` for a `with` block, waiting for
    other processes that hold it (unlike `lock_workdir`, which refuses at once). For short
    critical sections such as swapping a published folder; the kernel drops the lock when the
    holder dies, so a killed holder never blocks the next one."""
    import fcntl

    with open(path, "a+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def is_disk_full(error):
    """Whether `error` (or an error it was raised from) is a full disk, quota or file size
    limit."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return True
        if "No space left on device" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def exit_cleanly_on_disk_full():
    """Make an uncaught disk-full error end the process with its traceback and exit status 1.

    After a failed write h5py can hold a half-closed file that crashes the interpreter's
    shutdown (segmentation fault, status 139) when it is finalized; the files written so far
    are intact (atomic writes), so the process ends at once instead (`os._exit`, no further
    cleanup). Other errors go to the previous `sys.excepthook`. Recipes call this at start.
    """
    previous = sys.excepthook

    def hook(kind, error, trace):
        if not is_disk_full(error):
            previous(kind, error, trace)
            return
        traceback.print_exception(kind, error, trace)
        print("error: the disk is full (or a quota / file size limit was reached); the files "
              "written before are intact. Free space and rerun the same command to resume.",
              file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)

    sys.excepthook = hook
