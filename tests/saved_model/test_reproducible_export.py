"""Two exports of the same weights in two processes write the same bytes but for TensorFlow's
fingerprint.pb (a random UUID per save): the variables in the model's own order, the metadata
with $SOURCE_DATE_EPOCH and the same training command (issue: exports differed in
variables.data, another variable order)."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = """
import sys, keras, zoo
from zoo import builders
keras.utils.set_random_seed(0)
model = builders.two_stage_vae(builders.mlp_vae((4, 4, 1), latent_dim=2, units=4,
                                                encoder_depth=1, decoder_blocks=1, seed=0),
                               units=4, depth=1, seed=0)
model(keras.ops.zeros((1, 4, 4, 1)))
zoo.export(model, sys.argv[1], metadata={"training_command": "test"})
"""


@pytest.mark.slow
def test_two_exports_in_two_processes_differ_only_in_the_fingerprint(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": ROOT,
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    manifests = []
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / name)], check=True,
                       env=env, capture_output=True, timeout=300)
        manifests.append(json.loads((tmp_path / name / "1" / "zoo_manifest.json").read_text()))
    a, b = (m["files"] for m in manifests)
    assert sorted(a) == sorted(b)
    assert [f for f in a if a[f] != b[f]] == ["fingerprint.pb"]
    metadata = json.loads((tmp_path / "a" / "1" / "assets" / "zoo_metadata.json").read_text())
    assert metadata["exported_at"] == "2023-11-14T22:13:20+00:00"
