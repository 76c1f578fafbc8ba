"""`saved_model_cli` (TensorFlow's own tool, no zoo code) shows and runs an exported model."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from zoo.saved_model import load

pytestmark = pytest.mark.slow  # the saved_model_cli program in subprocesses

SAVED_MODEL_CLI = Path(sys.executable).with_name("saved_model_cli")


def cli(*args):
    result = subprocess.run([str(SAVED_MODEL_CLI), *args], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def folder(exported):
    return load(exported["GaussianVAE"][1]).path


def test_show_lists_every_signature_with_unknown_batch(folder):
    shown = cli("show", "--dir", folder, "--all")
    names = set(re.findall(r"signature_def\['(\w+)'\]", shown)) - {"__saved_model_init_op"}
    assert names == {"decode", "encode", "generate", "reconstruct", "sample", "score",
                     "serving_default"}
    shapes = re.findall(r"shape: (\([-0-9, ]*\)|unknown_rank)", shown)
    batched = [s for s in shapes if s != "unknown_rank"]
    assert len(batched) >= 12 and all(s.startswith("(-1,") or s == "(-1)" for s in batched)
    # num_samples and seed of `sample`: a scalar or a one-element list (any rank) is accepted.
    for name in ("num_samples", "seed"):
        assert re.search(rf"inputs\['{name}'\] tensor_info:\n\s+dtype: DT_INT(32|64)\n\s+"
                         r"shape: unknown_rank", shown), name
    assert "outputs['images'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 8, 8, 1)" \
        in shown



def test_run_generate(folder):
    out = cli("run", "--dir", folder, "--tag_set", "serve", "--signature_def", "generate",
              "--input_exprs", "noise=[[0.1, -0.3, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]")
    assert "Result for output key images" in out
    values = [float(v) for v in re.findall(r"\d\.\d+(?:e-\d+)?", out.split("images:")[-1])]
    assert len(values) == 2 * 8 * 8 and all(0.0 <= v <= 1.0 for v in values)
