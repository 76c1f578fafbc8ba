"""One owner per workdir (`zoo.files.lock_workdir`): a second process is refused with the
holder's pid; a lock left by `kill -9` does not block; a workdir that is a file is named."""

import os
import signal
import subprocess
import sys

import pytest

from quickstart_runner import ROOT, run_quickstart, start_quickstart, stop, wait_for
from zoo import builders, data, files, training

HOLD = ("import sys, time\nfrom zoo import files\nfiles.lock_workdir(sys.argv[1])\n"
        "print('locked', flush=True)\ntime.sleep(120)\n")


def hold(workdir):
    """A process that takes the lock of `workdir` and sleeps; returns it once it holds it."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(workdir)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": ROOT})
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_process_is_refused_and_told_the_holders_pid(tmp_path):
    holder = hold(tmp_path)
    try:
        with pytest.raises(files.WorkdirInUse, match=rf"in use by process {holder.pid} "):
            files.lock_workdir(tmp_path)
        model = builders.mlp_vae((8, 8, 1), latent_dim=2, units=8, encoder_depth=1,
                                 decoder_blocks=1)
        dataset = data.load("sklearn:digits", "train[:32]", batch_size=16)
        with pytest.raises(files.WorkdirInUse, match=rf"in use by process {holder.pid} "):
            training.train(model, dataset, tmp_path, epochs=1)
        assert not (tmp_path / "backup").exists()
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_a_lock_left_by_kill_9_does_not_block(tmp_path):
    holder = hold(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (tmp_path / files.LOCK_FILE).read_text().strip() == str(holder.pid)  # stale file
    files.lock_workdir(tmp_path)
    try:
        assert (tmp_path / files.LOCK_FILE).read_text().strip() == str(os.getpid())
        files.lock_workdir(tmp_path)  # again in the same process: no error
        with files.workdir_locked(tmp_path):
            pass
        assert os.path.realpath(tmp_path) in files._HELD  # still held after the block
    finally:
        files.unlock_workdir(tmp_path)


@pytest.mark.slow
def test_a_workdir_that_is_a_file_is_named(tmp_path):
    path = tmp_path / "results"
    path.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=r"the workdir .*results is a file, not a folder"):
        files.lock_workdir(path)
    result = run_quickstart(path, "--epochs=1,1,1")
    assert result.returncode != 0 and "is a file, not a folder" in result.stderr
    assert "FileExistsError" not in result.stderr


@pytest.mark.slow
def test_two_quickstarts_on_one_workdir(tmp_path):
    first = start_quickstart(tmp_path, "--epochs=200,1,1", log=tmp_path.parent / "first.log")
    try:
        assert wait_for(lambda: (tmp_path / "config.json").exists(), first, timeout=120)
        second = run_quickstart(tmp_path, "--epochs=200,1,1")
        assert second.returncode != 0
        assert f"is in use by process {first.pid} " in second.stderr
        assert first.poll() is None  # the first run goes on
    finally:
        stop(first)
