"""TF Serving folder layout, atomic versions, refusals, metadata and `load` errors."""

import importlib
import json
import os
import sys

import numpy as np
import pytest
import tensorflow as tf

import zoo
from signature_reference import NUM_IMPORTANCE_SAMPLES
from tiny_models import tiny_model
from zoo.saved_model import ExportedModel, export, load

# The module itself, to patch its private writer.
export_module = importlib.import_module("zoo.saved_model.exporter")


def tree(folder):
    """Every file and folder under `folder` with the size of each file."""
    return sorted((os.path.relpath(os.path.join(root, name), folder),
                   os.path.getsize(os.path.join(root, name)) if name in files else None)
                  for root, dirs, files in os.walk(folder) for name in dirs + files)


@pytest.fixture(scope="module")
def ae_model():
    return tiny_model("AE", seed=10)


def test_versions_are_integer_folders(ae_model, tmp_path):
    assert export(ae_model, tmp_path / "m") == str(tmp_path / "m" / "1")
    assert export(ae_model, tmp_path / "m") == str(tmp_path / "m" / "2")
    assert export(ae_model, tmp_path / "m", version=7) == str(tmp_path / "m" / "7")
    assert export(ae_model, tmp_path / "m") == str(tmp_path / "m" / "8")
    assert sorted(os.listdir(tmp_path / "m")) == ["1", "2", "7", "8"]
    assert sorted(os.listdir(tmp_path / "m" / "8")) == [
        "assets", "fingerprint.pb", "saved_model.pb", "variables", "zoo_manifest.json"]
    assert load(tmp_path / "m").path == str(tmp_path / "m" / "8")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(tmp_path / "m" / "8").st_mode & 0o777 == 0o777 & ~umask  # not mkdtemp's 0700
    assert load(tmp_path / "m" / "2").metadata["version"] == 2


def test_existing_version_is_never_overwritten(ae_model, tmp_path):
    export(ae_model, tmp_path, version=3)
    before = tree(tmp_path)
    with pytest.raises(FileExistsError, match=r"version 3 already exists at .*3"):
        export(ae_model, tmp_path, version=3)
    assert tree(tmp_path) == before
    for bad in (-1, 1.5, "4", True):
        with pytest.raises(ValueError, match="version must be a non-negative integer"):
            export(ae_model, tmp_path, version=bad)


def test_failure_mid_write_leaves_earlier_versions_and_no_debris(ae_model, tmp_path,
                                                                  monkeypatch):
    export(ae_model, tmp_path)
    before = tree(tmp_path)
    real_write = export_module._write_saved_model

    def write_then_fail(root, path, signatures):
        real_write(root, path, signatures)  # the SavedModel is complete in the staging folder
        assert os.path.isfile(os.path.join(path, "saved_model.pb"))
        raise OSError("simulated: disk full")

    monkeypatch.setattr(export_module, "_write_saved_model", write_then_fail)
    with pytest.raises(OSError, match="simulated: disk full"):
        export(ae_model, tmp_path)
    assert tree(tmp_path) == before  # no "2", no ".tmp-export-*"
    assert load(tmp_path).metadata["version"] == 1


def test_non_finite_weights_are_refused(tmp_path):
    model = tiny_model("GaussianVAE", seed=11)
    variable = model.decoder.get_layer("head").bias
    variable.assign(np.where(np.arange(variable.shape[0]) == 3, np.nan, variable.numpy()))
    with pytest.raises(ValueError, match=r"refusing to export GaussianVAE: non-finite .* in 1 "
                                         r"weight\(s\): .*head/bias"):
        export(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_bad_metadata_is_refused(ae_model, tmp_path):
    with pytest.raises(ValueError, match="pixel_divisor must be 256 .* or 255"):
        export(ae_model, tmp_path, metadata={"pixel_divisor": 128})
    with pytest.raises(ValueError, match="num_importance_samples must be a positive integer"):
        export(ae_model, tmp_path, num_importance_samples=0)
    assert os.listdir(tmp_path) == []


def test_load_errors_name_the_path_and_problem(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match=f"no exported model at {missing}: the path "
                                                f"does not exist"):
        load(missing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"empty is not a SavedModel \(no saved_model.pb\) "
                                         r"and holds no integer version folders"):
        load(tmp_path / "empty")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValueError, match=r"file.txt is not a SavedModel folder"):
        load(tmp_path / "file.txt")
    (tmp_path / "versions" / "3").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"highest version folder .*versions/3 is not a "
                                         r"SavedModel"):
        load(tmp_path / "versions")

    plain = tf.Module()
    plain.double = tf.function(lambda x: 2 * x, input_signature=[tf.TensorSpec([None])])
    tf.saved_model.save(plain, str(tmp_path / "plain" / "1"))
    with pytest.raises(ValueError, match=r"plain/1 is a SavedModel but not a zoo export: no "
                                         r"assets/zoo_metadata.json"):
        load(tmp_path / "plain")


def test_metadata(exported):
    expected_gamma_keys = {"AE": None, "WAEMMD": None, "GaussianVAE": ["gamma"],
                           "TwoStageVAE": ["first", "second"], "VAEPlus": ["first", "second"]}
    for kind, (model, folder) in exported.items():
        loaded = load(folder)
        assert isinstance(loaded, ExportedModel)
        meta = loaded.metadata
        assert meta["model_class"] == kind
        assert meta["input_shape"] == [8, 8, 1]
        assert (meta["latent_dim"], meta["noise_dim"]) == (model.latent_dim, model.noise_dim)
        assert meta["config"]["name"] == model.name
        assert meta["metrics"] == {"dummy": 1.0}
        assert meta["training_command"] == " ".join(sys.argv)  # default: this process' argv
        assert "(pixel + u) / 256" in meta["preprocessing"]
        assert set(meta["packages"]) == {"tensorflow", "keras", "tensorflow_probability",
                                         "numpy", "zoo"}
        assert meta["packages"]["tensorflow"] == tf.__version__
        assert meta["packages"]["zoo"] == zoo.__version__  # the code that exported
        gamma = meta["gamma"]
        assert (sorted(gamma) if gamma else None) == expected_gamma_keys[kind]
        if kind == "GaussianVAE":
            assert gamma["gamma"] == pytest.approx(float(model.gamma))
        if kind in ("TwoStageVAE", "VAEPlus"):
            assert gamma["first"] == pytest.approx(float(model.first.gamma))
            assert gamma["second"] == pytest.approx(float(model.second.gamma))
            assert gamma["first"] != gamma["second"]
        signatures = {"encode", "decode", "reconstruct", "generate", "sample",
                      "serving_default"} | ({"score"} if gamma else set())
        assert set(meta["signatures"]) == signatures == set(loaded.signatures)
        if gamma:
            assert meta["score"]["num_importance_samples"] == NUM_IMPORTANCE_SAMPLES
            assert meta["bits_per_dim"]["pixel_divisor"] == 256
        else:
            assert "score" not in meta
            with pytest.raises(ValueError, match=f"this {kind} export has no 'score' signature"):
                loaded.score(np.zeros((1, 8, 8, 1)))


def test_metadata_is_an_asset_of_the_saved_model(exported):
    folder = load(exported["GaussianVAE"][1]).path
    raw = tf.saved_model.load(folder)
    with open(raw.zoo_metadata.asset_path.numpy().decode()) as f:
        assert json.load(f)["model_class"] == "GaussianVAE"


def test_caller_metadata(tmp_path):
    model = tiny_model("GaussianVAE", seed=12)
    export(model, tmp_path, metadata={
        "preprocessing": "pixel / 255", "pixel_divisor": 255, "training_command": "python x.py",
        "metrics": {"fid": 12.5}, "dataset": "mnist"})
    meta = load(tmp_path).metadata
    assert meta["preprocessing"] == "pixel / 255"
    assert meta["bits_per_dim"]["pixel_divisor"] == 255
    assert meta["training_command"] == "python x.py"
    assert meta["metrics"] == {"fid": 12.5}
    assert meta["extra"] == {"dataset": "mnist"}
