"""Running the quickstart as a subprocess (training, backup and reliability tests), reading weight
files."""

import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository
TINY = ["--units=16", "--code_dim=6", "--latent_dim=4"]


def quickstart_command(workdir, *flags):
    return [sys.executable, "-m", "tools.quickstart", f"--workdir={workdir}", *TINY, *flags]


def run_quickstart(workdir, *flags, timeout=240):
    """Run the quickstart to completion (or failure); returns the CompletedProcess."""
    return subprocess.run(quickstart_command(workdir, *flags), cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def start_quickstart(workdir, *flags, log=None):
    """Start the quickstart in the background; its output goes to `log` (a path)."""
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(quickstart_command(workdir, *flags), cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        if log:
            out.close()


def stop(process):
    """SIGKILL `process` (and its session) if it is still running, and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def wait_for(predicate, process, timeout, interval=0.02):
    """Poll `predicate()` until it returns a true value (returned) or `process` ends or time
    runs out (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process.poll() is not None:
            return predicate() or None
        time.sleep(interval)
    return None


def h5_arrays(path):
    """{dataset path: array} of every array in an HDF5 (Keras .weights.h5) file."""
    arrays = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                arrays[name] = np.array(obj)
        f.visititems(visit)
    return arrays
