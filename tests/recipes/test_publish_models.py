"""`recipes.publish_savedmodels --models`: unknown names are refused before any recipe runs."""

import subprocess
import sys

from recipe_case import ROOT


def test_an_unknown_model_name_is_refused_before_anything_runs(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "recipes.publish_savedmodels", "--models=mnist_vae,nope",
         f"--runs={runs}", f"--out={out}", "--data=sklearn:digits"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "unknown model(s) ['nope']" in result.stderr
    assert not runs.exists() and not out.exists()
