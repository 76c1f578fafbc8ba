"""The hidden staging folders of `export`: `.tmp-export-<version>-<pid>-<random>`.

`export` writes a version into a staging folder and renames it into place. A process killed
mid-export (`kill -9`, power loss) leaves its staging folder behind; `remove_stale` deletes the
ones whose process is gone, so that the next export in the same folder cleans up. A folder
whose process is alive is another export in progress and is left alone; a folder of the older
name format without a pid is removed once it is older than `MAX_AGE_SECONDS`.
"""

import os
import re
import shutil
import time

PREFIX = ".tmp-export-"
MAX_AGE_SECONDS = 3600
_NAME = re.compile(r"^\.tmp-export-\d+-(?:(\d+)-)?")


def prefix(version):
    """The staging folder prefix of `version` for this process."""
    return f"{PREFIX}{version}-{os.getpid()}-"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def remove_stale(export_dir):
    """Delete the staging folders in `export_dir` left by dead processes; returns their names."""
    removed = []
    for name in sorted(os.listdir(export_dir)):
        match = _NAME.match(name)
        path = os.path.join(export_dir, name)
        if not match or not os.path.isdir(path):
            continue
        pid = match.group(1)
        if pid is not None and (int(pid) == os.getpid() or _alive(int(pid))):
            continue
        if pid is None and time.time() - os.path.getmtime(path) < MAX_AGE_SECONDS:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(name)
    return removed
