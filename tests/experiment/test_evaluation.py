"""zoo.experiment.evaluation and tools.evaluate on a tiny model and the offline digits data."""

import json

import keras
import numpy as np
import pytest

from tiny_models import tiny_images, tiny_model
from tools import evaluate
from zoo import builders, data
from zoo.experiment import evaluation


@pytest.fixture
def saved_tiny_vae(tmp_path):
    """(model, path of its .keras file): a tiny VAE on 8 x 8 digits."""
    keras.utils.set_random_seed(0)
    model = builders.mlp_vae(input_shape=(8, 8, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1)
    model(np.zeros((1, 8, 8, 1), np.float32))
    path = str(tmp_path / "tiny.keras")
    model.save(path)
    return model, path


def test_evaluate_a_saved_keras_model(saved_tiny_vae):
    model, path = saved_tiny_vae
    loaded, kind = evaluation.load_model(path)
    assert kind == "keras"
    images, _ = data.load_numpy("sklearn:digits", "test")
    images = images[:60]
    options = {"data_spec": "sklearn:digits", "seed": 0, "num_samples": 4, "num_generated": 60,
               "ndb_bins": 5, "ndb_train": 200}
    results = evaluation.evaluate(loaded, kind, images,
                                  ["rec", "nll", "bpd", "au", "kl", "mmd", "ndb"], **options)
    assert set(results) == {"rec", "nll", "bpd", "au", "kl", "mmd", "ndb"}
    np.testing.assert_allclose(results["rec"]["value"], np.mean(np.sum(
        (images - np.asarray(model.reconstruct(images))) ** 2, axis=(1, 2, 3))), rtol=1e-5)
    assert 0 <= results["au"]["value"] <= 2 and len(results["kl"]["value"]) == 2
    assert np.isfinite(results["bpd"]["value"]) and "K=4" in results["nll"]["convention"]
    assert "rec" in evaluate.format_table(results)
    json.dumps(results)
    with pytest.raises(ValueError, match="unknown metrics"):
        evaluation.evaluate(loaded, kind, images, ["fid_keras"], **options)
    with pytest.raises(ValueError, match="fid_reference must be one of"):
        evaluation.evaluate(loaded, kind, images, ["rec"], fid_reference="validation",
                            **options)


def test_evaluate_an_exported_saved_model(tmp_path):
    from zoo import export

    keras.utils.set_random_seed(0)
    model = builders.mlp_vae(input_shape=(8, 8, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1)
    model(np.zeros((1, 8, 8, 1), np.float32))
    folder = export(model, str(tmp_path / "export"), num_importance_samples=4,
                    importance_chunk=4)
    loaded, kind = evaluation.load_model(folder)
    assert kind == "saved_model"
    images, _ = data.load_numpy("sklearn:digits", "test")
    images = images[:40]
    options = {"data_spec": "sklearn:digits", "seed": 0, "num_samples": 4}
    results = evaluation.evaluate(loaded, kind, images, ["rec", "nll", "au", "mmd"], **options)
    direct = evaluation.evaluate(model, "keras", images, ["rec", "au"], **options)
    # The export clips reconstructions to [0, 1]; the sigmoid decoder plus skip may exceed it.
    assert results["rec"]["value"] <= direct["rec"]["value"] + 1e-4
    assert results["au"]["value"] == direct["au"]["value"]
    assert "K=4" in results["nll"]["convention"] and np.isfinite(results["nll"]["value"])


def test_a_two_stage_export_reports_both_stages_and_a_keras_one_its_first(tmp_path):
    from zoo import export, metrics

    model = tiny_model("TwoStageVAE", seed=2)
    folder = export(model, str(tmp_path / "export"), num_importance_samples=4,
                    importance_chunk=4, second_stage_samples=3)
    loaded, kind = evaluation.load_model(folder)
    images = tiny_images(12, seed=4)
    results = evaluation.evaluate(loaded, kind, images, ["nll", "bpd"], data_spec="sklearn:digits",
                                  seed=0)
    scores = loaded.exported.score(images)
    assert results["nll"]["value"] == pytest.approx(float(np.mean(scores["nll"])), rel=1e-6)
    assert results["nll"]["first_stage_value"] == pytest.approx(
        float(np.mean(scores["first_stage_nll"])), rel=1e-6)
    assert "through both stages (M=3" in results["nll"]["convention"]
    assert "first_stage_value" in results["bpd"] and "stage 1" in evaluate.format_table(results)
    direct = evaluation.evaluate(model, "keras", images, ["nll"], data_spec="sklearn:digits",
                                 seed=0, num_samples=4)
    assert "first stage (prior N(0, I))" in direct["nll"]["convention"]
    assert "first_stage_value" not in direct["nll"]
    np.testing.assert_allclose(direct["nll"]["value"], -np.mean(
        metrics.iwae_log_likelihood(model, images, num_samples=4, seed=0)), rtol=1e-6)


def test_ndb_reports_a_training_image_control_disjoint_from_the_bins(saved_tiny_vae):
    """An untrained VAE's samples are unlike digits, other training digits are not: the control
    (real training images the bins never saw) sits far below the samples' NDB / K; with too few
    training images left for it, there is no control."""
    model, _ = saved_tiny_vae
    images, _ = data.load_numpy("sklearn:digits", "test")
    options = {"data_spec": "sklearn:digits", "seed": 0, "num_generated": 100, "ndb_bins": 5}
    out = evaluation.evaluate(model, "keras", images[:100], ["ndb"], ndb_train=400,
                              **options)["ndb"]
    assert out["control_value"] <= 0.2 < out["value"]
    assert "100 other training images" in out["convention"]
    n_train = len(data.load_numpy("sklearn:digits", "train")[0])
    none = evaluation.evaluate(model, "keras", images[:100], ["ndb"], ndb_train=n_train - 50,
                               **options)["ndb"]
    assert none["control_value"] is None and "other training" not in none["convention"]


@pytest.mark.slow
def test_evaluate_command_line(saved_tiny_vae, tmp_path):
    import os
    import subprocess
    import sys

    model, path = saved_tiny_vae
    output = tmp_path / "out" / "results.json"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run(
        [sys.executable, "-m", "tools.evaluate", f"--model={path}", "--data=sklearn:digits",
         "--metrics=rec,nll,au", "--split=train", "--num_images=30", "--num_samples=3",
         f"--output={output}"], cwd=root, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    written = json.loads(output.read_text())
    assert written["num_images"] == 30 and written["flags"]["num_samples"] == 3
    # The flags reach `evaluation.evaluate` as its keyword arguments.
    assert "K=3" in written["results"]["nll"]["convention"]
    assert "30 train images" in written["results"]["au"]["convention"]


def test_fd_mnist_is_only_for_digit_images():
    assert evaluation.has_digit_images("tfds:mnist", (28, 28, 1))
    assert not evaluation.has_digit_images("tfds:fashion_mnist", (28, 28, 1))
    assert not evaluation.has_digit_images("tfds:fashion_mnist:3.0.1", (28, 28, 1))
    assert not evaluation.has_digit_images("sklearn:digits", (8, 8, 1))
    assert not evaluation.has_digit_images("tfds:cifar10", (32, 32, 3))


def test_fd_mnist_tells_idx_fashion_mnist_from_mnist(mnist_dir, fashion_dir):
    assert evaluation.has_digit_images(f"idx:{mnist_dir}", (28, 28, 1))
    assert not evaluation.has_digit_images(f"idx:{fashion_dir}?verify=false", (28, 28, 1))
