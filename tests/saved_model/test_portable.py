"""Portable exports (zoo.saved_model.portable): the ONNX and TFLite files of tiny models match
the SavedModel's signatures in onnxruntime and LiteRT, take their noise as inputs, and are
covered by the export's manifest."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

pytest.importorskip("tf2onnx", reason="the export extra (tf2onnx) is not installed")
pytest.importorskip("onnxruntime", reason="the export extra (onnxruntime) is not installed")
pytest.importorskip("ai_edge_litert", reason="the export extra (ai-edge-litert) is not installed")

import zoo  # noqa: E402
from tiny_models import tiny_images, tiny_model  # noqa: E402
from zoo.models.base import stateless_normal  # noqa: E402
from zoo.saved_model import manifest, portable  # noqa: E402
from zoo.saved_model.portable import PortableModel  # noqa: E402
from zoo.saved_model.portable.__main__ import main  # noqa: E402

FORMATS = ("saved_model", "onnx", "tflite")
K = 4  # importance samples of score (2 chunks of 2: the unrolled loop has two decodes)


def close(got, expected):
    bound = portable.TOLERANCE["atol"] + portable.TOLERANCE["rtol"] * np.abs(expected)
    return got.shape == expected.shape and bool(np.all(np.abs(got - expected) <= bound))


@pytest.fixture(scope="module")
def vae_export(tmp_path_factory):
    model = tiny_model("GaussianVAE")
    path = zoo.export(model, tmp_path_factory.mktemp("vae"), formats=FORMATS,
                      num_importance_samples=K, importance_chunk=2)
    return model, path


def test_manifest_and_metadata_cover_the_portable_files(vae_export):
    _, path = vae_export
    files = manifest.verify(path)
    assert manifest.unlisted(path, files) == []
    listed = json.load(open(os.path.join(path, "assets", "zoo_metadata.json")))["portable"]
    on_disk = sorted(name for name in files if name.startswith("portable/")
                     and name.endswith((".onnx", ".tflite")))
    assert listed["files"] == on_disk
    assert len(on_disk) == 12  # 6 functions x 2 formats
    description = json.load(open(os.path.join(path, "portable", "portable.json")))
    for fmt in ("onnx", "tflite"):
        for name, diffs in description["max_abs_diff"][fmt].items():
            assert all(0 <= value <= 1e-3 for value in diffs.values()), (fmt, name, diffs)


@pytest.mark.parametrize("fmt", ["onnx", "tflite"])
def test_every_function_matches_the_saved_model(vae_export, fmt):
    """Batch 2 (the export's own check used 3): the batch dimension is free."""
    _, path = vae_export
    saved = zoo.load(path)
    files = PortableModel(os.path.join(path, "portable"), fmt)
    assert files.functions == ["decode", "encode", "generate", "reconstruct", "sample", "score"]
    images = tiny_images(2, seed=5)
    z = np.random.default_rng(5).normal(size=(2, 4)).astype(np.float32)
    encoded = files.encode(images=images)
    for key, value in saved.encode(images).items():
        assert close(encoded[key], value), key
    assert close(files.decode(z=z)["images"], saved.decode(z))
    assert close(files.generate(noise=z)["images"], saved.generate(z))
    assert close(files.reconstruct(images=images)["images"], saved.reconstruct(images))
    noise = stateless_normal([2, 4], 11, 0).numpy()
    assert close(files.sample(noise=noise)["images"], saved.sample(2, seed=11))
    eps = tf.random.stateless_normal([K, 4], seed=tf.constant(saved.metadata["score"]["seed"],
                                                             tf.int64)).numpy()
    scored, expected = files.score(images=images, eps=eps), saved.score(images)
    for key in ("nll", "bits_per_dim"):
        assert close(scored[key], expected[key]), key
    other = files.score(images=images, eps=eps[::-1].copy() * 0.5)["nll"]
    assert np.all(np.abs(other - expected["nll"]) > 1e-3)  # the draws are used


def test_inputs_are_checked_in_python(vae_export):
    files = PortableModel(os.path.join(vae_export[1], "portable"), "onnx")
    with pytest.raises(ValueError, match=r"z must have shape \['N', 4\]"):
        files.decode(z=np.zeros((1, 5)))
    with pytest.raises(ValueError, match="finite"):
        files.decode(z=np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match=r"images must lie in \[0, 1\]"):
        files.encode(images=np.full((1, 8, 8, 1), 2.0))
    with pytest.raises(ValueError, match=r"score takes the inputs \['eps', 'images'\]"):
        files.score(images=tiny_images(1))
    with pytest.raises(ValueError, match=r"eps must have shape \[4, 4\]"):
        files.score(images=tiny_images(1), eps=np.zeros((3, 4)))


@pytest.mark.parametrize("formats", [("onnx",), ("saved_model", "pdf"),
                                     ("saved_model", "onnx", "onnx")])
def test_bad_formats_are_refused_before_anything_is_written(tmp_path, formats):
    with pytest.raises(ValueError, match="formats must"):
        zoo.export(tiny_model("AE"), tmp_path, formats=formats)
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_two_stage_sample_takes_both_noises(tmp_path):
    """The second stage's eps is an input of sample: with the SavedModel's own draws of a seed
    (streams 0 and 1) both files give its images; another eps gives other images."""
    path = zoo.export(tiny_model("TwoStageVAE"), tmp_path, formats=FORMATS,
                      num_importance_samples=K, importance_chunk=2)
    saved = zoo.load(path)
    noise, eps = stateless_normal([3, 4], 2, 0).numpy(), stateless_normal([3, 4], 2, 1).numpy()
    for fmt in ("onnx", "tflite"):
        files = PortableModel(os.path.join(path, "portable"), fmt)
        assert sorted(files.description["functions"]["sample"]["inputs"]) == ["eps", "noise"]
        assert close(files.sample(noise=noise, eps=eps)["images"], saved.sample(3, seed=2))
        assert not close(files.sample(noise=noise, eps=-eps)["images"], saved.sample(3, seed=2))
        # Only the first-stage figures of the two-stage score are portable, under their names.
        assert files.description["functions"]["score"]["outputs"] == [
            "first_stage_bits_per_dim", "first_stage_nll"]
        images = tiny_images(2)
        score_eps = tf.random.stateless_normal(
            [K, 4], seed=tf.constant(saved.metadata["score"]["seed"], tf.int64)).numpy()
        scored, expected = files.score(images=images, eps=score_eps), saved.score(images)
        for key in ("first_stage_nll", "first_stage_bits_per_dim"):
            assert close(scored[key], expected[key]), key


@pytest.mark.slow
def test_cli_converts_an_existing_export_without_changing_it(tmp_path, capsys):
    source = zoo.export(tiny_model("AE"), tmp_path / "ae")
    before = manifest.digest(source)
    out = tmp_path / "portable"
    assert main([source, "--formats", "onnx", "--out", str(out)]) == 0
    assert manifest.digest(source) == before and manifest.unlisted(source,
                                                                   manifest.read(source)) == []
    assert sorted(manifest.verify(str(out))) == [
        "onnx/decode.onnx", "onnx/encode.onnx", "onnx/generate.onnx", "onnx/reconstruct.onnx",
        "onnx/sample.onnx", "portable.json"]  # an AE has no score
    report = json.loads(capsys.readouterr().out)
    assert set(report["max_abs_diff"]) == {"onnx"}
    saved, files = zoo.load(source), PortableModel(str(out), "onnx")
    z = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    assert close(files.decode(z=z)["images"], saved.decode(z))
    with pytest.raises(SystemExit):
        main([source, "--out", str(out)])  # an existing --out is refused
