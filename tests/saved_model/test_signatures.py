"""Every signature of every model class, reloaded in a fresh process with TensorFlow alone,
against the in-process Keras model at two batch sizes; `sample` is deterministic per seed."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from signature_reference import NUM_IMPORTANCE_SAMPLES, reference_outputs
from tiny_models import KINDS, VAE_FAMILY
from zoo.saved_model import load

HERE = Path(__file__).parent
SAMPLE_CASES = {"n2_seed7": (2, 7), "n3_seed7": (3, 7), "n3_seed8": (3, 8), "n0_seed7": (0, 7)}


def requests_for(model, rng):
    """(signature, case) -> keyword inputs, with batch sizes 1 and 3."""
    shape, latent, noise = model.input_shape_, model.latent_dim, model.noise_dim
    requests = {}
    for batch in (1, 3):
        images = rng.uniform(size=(batch, *shape)).astype(np.float32)
        case = f"batch{batch}"
        requests["encode", case] = {"images": images}
        requests["reconstruct", case] = {"images": images}
        requests["score", case] = {"images": images}
        requests["decode", case] = {"z": rng.normal(size=(batch, latent)).astype(np.float32)}
        requests["generate", case] = {"noise": rng.normal(size=(batch, noise)).astype(np.float32)}
    requests["serving_default", "batch3"] = requests["generate", "batch3"]
    for case, (num_samples, seed) in SAMPLE_CASES.items():
        requests["sample", case] = {"num_samples": np.int32(num_samples), "seed": np.int64(seed)}
    return requests


@pytest.fixture(scope="module")
def fresh_process_run(exported, tmp_path_factory):
    """Requests per kind, and the outputs of one fresh interpreter that ran them all."""
    tmp = tmp_path_factory.mktemp("fresh_process")
    rng = np.random.default_rng(0)
    requests = {kind: requests_for(model, rng) for kind, (model, _) in exported.items()}
    arrays = {f"{kind}/{signature}/{case}/{name}": value
              for kind, per_kind in requests.items()
              for (signature, case), inputs in per_kind.items()
              for name, value in inputs.items()}
    paths = [[kind, str(load(folder).path)] for kind, (_, folder) in exported.items()]
    np.savez(tmp / "requests.npz", paths=json.dumps(paths), **arrays)
    subprocess.run([sys.executable, str(HERE / "fresh_process_load.py"),
                    str(tmp / "requests.npz"), str(tmp / "outputs.npz")],
                   check=True, timeout=300, capture_output=True)
    outputs = np.load(tmp / "outputs.npz")
    return requests, {key: outputs[key] for key in outputs.files}


def test_fresh_process_needs_only_tensorflow(fresh_process_run):
    modules = json.loads(str(fresh_process_run[1]["modules"]))
    assert "tensorflow" in modules
    assert "tensorflow_probability" not in modules
    assert "zoo" not in modules


@pytest.mark.parametrize("kind", KINDS)
def test_signatures_match_keras_model(kind, exported, fresh_process_run):
    model, _ = exported[kind]
    requests, outputs = fresh_process_run
    has_score = any(key.startswith(f"{kind}/score/") for key in outputs)
    assert has_score == (kind in VAE_FAMILY)
    for (signature, case), inputs in requests[kind].items():
        if signature == "score" and kind not in VAE_FAMILY:
            continue
        expected = reference_outputs(model, signature, inputs, NUM_IMPORTANCE_SAMPLES)
        for name, value in expected.items():
            got = outputs[f"{kind}/{signature}/{case}/{name}"]
            assert got.dtype == np.float32
            assert got.shape == value.shape, (signature, case, name)
            tolerance = {"rtol": 1e-4, "atol": 1e-3} if signature == "score" else {"atol": 1e-5}
            np.testing.assert_allclose(got, value, **tolerance, err_msg=f"{signature} {case}")
        if signature != "score" and "images" in expected:
            assert np.all((expected["images"] >= 0) & (expected["images"] <= 1))


@pytest.mark.parametrize("kind", ["GaussianVAE", "TwoStageVAE"])
def test_sample_is_deterministic_per_seed_across_processes(kind, exported, fresh_process_run):
    _, outputs = fresh_process_run
    here = load(exported[kind][1])
    for case, (num_samples, seed) in SAMPLE_CASES.items():
        there = outputs[f"{kind}/sample/{case}/images"]
        assert there.shape == (num_samples, 8, 8, 1)
        np.testing.assert_array_equal(here.sample(num_samples, seed), there)
    assert not np.allclose(outputs[f"{kind}/sample/n3_seed7/images"],
                           outputs[f"{kind}/sample/n3_seed8/images"])
