"""`python -m zoo.serve` as a subprocess on 127.0.0.1 for the serving tests: a free port, the
start-up awaited (the status route answers 200), the process stopped at the end; and the
serving guide's toy model they serve."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = json.loads((ROOT / "tests" / "saved_model" / "rest_examples.json").read_text())
STARTUP_SECONDS = 120


def toy_model():
    """The model of the serving guide's REST examples (tests/saved_model/rest_examples.json), with
    perturbed weights (seed 0)."""
    from tiny_models import perturb
    from zoo import builders

    spec = EXAMPLES["model"]
    return perturb(builders.mlp_vae(tuple(spec["input_shape"]), latent_dim=spec["latent_dim"],
                                    units=16, encoder_depth=2, decoder_blocks=1), seed=0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running_server(base, *flags):
    """(model URL http://127.0.0.1:PORT/v1/models/NAME, process) of a server for the export
    folder `base` started with `flags`; stopped (SIGTERM, then SIGKILL) on exit. Its output goes
    to a temporary file (a pipe nobody reads would fill and stall a busy server), `process.log`."""
    port = free_port()
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "zoo.serve", f"--model_base_path={base}", f"--port={port}",
         *flags], env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log,
        stderr=subprocess.STDOUT, text=True)
    process.log = log
    url = f"http://127.0.0.1:{port}/v1/models/{Path(base).name}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while not _answers(url):
            if process.poll() is not None:
                pytest.fail(f"zoo.serve exited with {process.returncode}:\n{output(process)}")
            if time.monotonic() > deadline:
                pytest.fail(f"zoo.serve did not answer within {STARTUP_SECONDS} s")
            time.sleep(0.25)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def output(process):
    """What the server has printed so far."""
    process.log.flush()
    process.log.seek(0)
    return process.log.read()
