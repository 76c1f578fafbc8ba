"""No tracked file names an absolute path of one machine (a home, /tmp, a work folder).

Data and outputs are named relative to the checkout (`../shared/data/mnist`), by an environment
variable ($ZOO_MNIST_DIR) or by a temporary folder created at run time. Binary files are
searched too: a SavedModel or `.keras` file may embed the path it was written from.
"""

import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# An absolute path starting at one of these folders, not preceded by a name character
# (so `runs/publish`, `https://host/home/` and `../shared` do not match).
MACHINE_PATH = re.compile(rb"(?<![\w.~-])/(?:work|tmp|home|root|Users|mnt/data)/")
SELF = os.path.relpath(os.path.abspath(__file__), ROOT)


def tracked_files():
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the tracked files are unknown")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout: the tracked files are unknown")
    return [name for name in out.stdout.decode().split("\0") if name]


def machine_paths(text):
    return [match.group(0).decode(errors="replace") for match in MACHINE_PATH.finditer(text)]


def test_the_pattern():
    assert machine_paths(b"--data=idx:/work/shared/data/mnist")
    assert machine_paths(b'"workdir": "/tmp/runs/x"') and machine_paths(b"cd /home/me/zoo")
    assert machine_paths(b"file:///tmp/a") and machine_paths(b"(/root/.cache)")
    assert not machine_paths(b"--workdir=runs/publish --data=idx:../shared/data/mnist")
    assert not machine_paths(b"https://example.org/home/page and folder:/path/to/celeba")


def test_no_tracked_file_names_a_machine_path():
    found = []
    for name in tracked_files():
        if name == SELF:
            continue
        path = os.path.join(ROOT, name)
        if not os.path.isfile(path):  # deleted in the work tree, not yet committed
            continue
        with open(path, "rb") as file:
            hits = machine_paths(file.read())
        if hits:
            found.append(f"{name}: {sorted(set(hits))}")
    assert not found, ("absolute machine paths (use ../shared/..., $ZOO_MNIST_DIR or a "
                       "temporary folder):\n" + "\n".join(found))
