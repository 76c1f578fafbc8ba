"""Two `multiworker` processes on 127.0.0.1 run a few steps of the quickstart; the chief alone
writes the checkpoints and the export, the other worker writes into a temporary folder that it
deletes. Bounded: every process has a deadline and is killed in `finally`."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow  # end to end in subprocesses: python -m pytest -m slow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEADLINE_S = 420


def free_ports(n):
    """`n` distinct free TCP ports on 127.0.0.1 (held open together while picking)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start_worker(index, ports, workdir, tmpdir, log):
    config = {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
              "task": {"type": "worker", "index": index}}
    env = {**os.environ, "TF_CONFIG": json.dumps(config), "TMPDIR": str(tmpdir),
           "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [sys.executable, "-m", "tools.quickstart", "--strategy=multiworker",
               f"--workdir={workdir}", "--epochs=1,1,1", "--units=16", "--code_dim=6",
               "--latent_dim=4", "--batch_size=128"]
    # A new session, so that the whole process group can be killed.
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def kill(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)


def test_two_workers_train_and_only_the_chief_writes(tmp_path):
    workdir = tmp_path / "run"
    tmpdirs = [tmp_path / f"tmp_{i}" for i in range(2)]
    logs = [open(tmp_path / f"worker_{i}.log", "w") for i in range(2)]
    processes = []
    try:
        ports = free_ports(2)
        for i in range(2):
            tmpdirs[i].mkdir()
            processes.append(start_worker(i, ports, workdir, tmpdirs[i], logs[i]))
        deadline = time.monotonic() + DEADLINE_S
        for process in processes:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for process in processes:
            kill(process)
        for log in logs:
            log.close()
    outputs = [(tmp_path / f"worker_{i}.log").read_text() for i in range(2)]
    for i, process in enumerate(processes):
        assert process.returncode == 0, f"worker {i}:\n{outputs[i][-4000:]}"
    # Both workers took part in the same collective training (2 workers, all-reduce groups of 2).
    for output in outputs:
        assert "num_workers = 2" in output and "group_size = 2" in output, output[-3000:]
    # The chief wrote the checkpoints and exactly one export; the other worker wrote nothing there.
    for stage in (0, 1, 2):
        assert (workdir / "checkpoints" / f"stage_{stage}.weights.h5").is_file()
    assert sorted(os.listdir(workdir / "saved_model")) == ["1"]
    assert (workdir / "saved_model" / "1" / "saved_model.pb").is_file()
    metrics = json.loads((workdir / "metrics.json").read_text())
    assert metrics["wall_time_seconds"] > 0
    # The non-chief's temporary folder was removed.
    assert not [p for p in os.listdir(tmpdirs[1]) if p.startswith("zoo_worker_")]
