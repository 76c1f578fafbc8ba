"""Every recipe takes --strategy through zoo.experiment; one runs end to end under mirrored."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # end to end in subprocesses: python -m pytest -m slow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_a_recipe_trains_and_exports_under_mirrored_strategy(tmp_path):
    workdir = tmp_path / "affine_vae"
    run = subprocess.run(
        [sys.executable, "-m", "recipes.affine_vae", "--preset=smoke", "--strategy=mirrored",
         f"--workdir={workdir}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Using MirroredStrategy" in run.stderr
    config = json.loads((workdir / "config.json").read_text())
    assert config["strategy"]["name"] == "mirrored"
    assert (workdir / "results.md").is_file()
    assert list(workdir.rglob("saved_model.pb"))
