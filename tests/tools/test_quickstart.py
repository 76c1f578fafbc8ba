"""The quickstart end to end on the bundled digits, with a tiny budget."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_quickstart(workdir):
    return subprocess.run(
        [sys.executable, "-m", "tools.quickstart", f"--workdir={workdir}", "--epochs=2,2,1",
         "--units=16", "--code_dim=6", "--latent_dim=4"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_quickstart_writes_every_output_and_resumes(tmp_path):
    workdir = tmp_path / "quickstart"
    first = run_quickstart(workdir)
    assert first.returncode == 0, first.stderr[-3000:]
    for name in ("samples.png", "reconstructions.png", "metrics.json"):
        assert (workdir / name).is_file(), name
    assert (workdir / "saved_model" / "1" / "saved_model.pb").is_file()
    for stage in (0, 1, 2):
        assert (workdir / "checkpoints" / f"stage_{stage}.weights.h5").is_file()
        assert list((workdir / "tensorboard" / f"stage_{stage}").rglob("events.out.tfevents*"))
    metrics = json.loads((workdir / "metrics.json").read_text())
    assert set(metrics["gamma"]) == {"first", "second"}  # as in the export's metadata
    assert 0 <= metrics["active_dims"]["first_z"] <= 4
    assert np.isfinite(metrics["test_reconstruction_error"])
    grid = np.asarray(Image.open(workdir / "samples.png"))
    assert grid.shape == (10 * 33 + 1, 10 * 33 + 1)  # 10 x 10 digits of 8 x 8, enlarged 4x

    # Same command again: every stage is loaded from its checkpoint, none retrained.
    second = run_quickstart(workdir)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Epoch 1/" not in second.stdout + second.stderr
    assert sorted(os.listdir(workdir / "saved_model")) == ["1"]  # nothing changed: no version 2
