"""Keras weights rebuilt from SavedModels (`zoo.saved_model.keras_weights`): every zoo class's
export rebuilds into a Keras model whose signatures give the export's outputs, its `.keras` file
loads in safe mode behind a sha256 check, and it fine-tunes with `fit`."""

import os

import keras
import numpy as np
import pytest

import zoo
from tiny_models import KINDS, tiny_images
from zoo.saved_model import keras_weights, manifest


@pytest.mark.parametrize("kind", KINDS)
def test_rebuilt_model_has_the_exported_weights(exported, kind):
    model, base = exported[kind]
    rebuilt = keras_weights.rebuild(base)
    assert rebuilt.max_difference <= keras_weights.TOLERANCE
    saved = zoo.load(base)
    x = tiny_images(5, seed=3)
    code = rebuilt.model.encode(x)
    expected = saved.encode(x)
    first = code[0] if isinstance(code, (tuple, list)) else code
    np.testing.assert_allclose(first, expected["z_mean" if "z_mean" in expected else "z"],
                               atol=1e-6)
    np.testing.assert_allclose(np.clip(rebuilt.model.reconstruct(x), 0, 1), saved.reconstruct(x),
                               atol=1e-6)
    # Every weight is read by some signature (a two-stage model's second encoder by `score`).
    assert rebuilt.not_exported == []


def test_a_config_that_does_not_describe_the_graph_is_refused(exported):
    """The variables are matched by the traced graph, not trusted: another width fails."""
    import tensorflow as tf

    from tiny_models import tiny_model

    _, base = exported["GaussianVAE"]
    loaded = tf.saved_model.load(str(base / "1"))
    other = tiny_model("GaussianVAE", latent_dim=5)
    functions = keras_weights._signature_functions(other, zoo.load(base).metadata)
    with pytest.raises(ValueError, match="does not match the rebuilt model's"):
        keras_weights._match(other, loaded, functions, "export")


def test_saved_keras_file_loads_checked_and_fine_tunes(exported, tmp_path):
    import shutil

    _, base = exported["GaussianVAE"]
    model_dir = tmp_path / "tiny_vae"
    shutil.copytree(base, model_dir)
    info = keras_weights.save(model_dir)
    assert info["file"] == "tiny_vae.keras" and info["not_exported"] == []
    assert info["rebuilt_from"]["manifest_sha256"] == manifest.digest(str(model_dir / "1"))
    plain = keras.saving.load_model(model_dir / "tiny_vae.keras", safe_mode=True)
    model = zoo.load_keras(model_dir)
    assert type(model).__name__ == "GaussianVAE"
    x = tiny_images(8, seed=4)
    np.testing.assert_allclose(np.clip(model.reconstruct(x), 0, 1),
                               zoo.load(model_dir).reconstruct(x), atol=1e-6)
    np.testing.assert_array_equal(plain.reconstruct(x), model.reconstruct(x))
    before = [np.array(w.numpy()) for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(x, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    changed = [not np.array_equal(b, w.numpy())
               for b, w in zip(before, model.trainable_weights)]
    assert all(changed)
    # A changed byte fails the sha256 check before Keras reads the file.
    path = model_dir / "tiny_vae.keras"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(manifest.ManifestMismatch, match="tiny_vae.keras does not match"):
        zoo.load_keras(model_dir)


def test_a_model_without_keras_weights_says_how_to_write_them(exported):
    _, base = exported["AE"]
    with pytest.raises(FileNotFoundError, match="tools.keras_weights"):
        zoo.load_keras(base)


PUBLISHED = os.path.join(os.path.dirname(__file__), "..", "..", "savedmodels")


def test_published_keras_weights_are_current():
    """Each published model's .keras file matches its sha256 and was rebuilt from the export now
    in its folder (rerun `python -m tools.keras_weights` after republishing)."""
    from tools import keras_weights as tool

    names = zoo.list_models()
    assert names
    problems = {name: tool.check(os.path.join(PUBLISHED, name)) for name in names}
    assert problems == {name: [] for name in names}


def test_a_published_model_fine_tunes_from_its_keras_weights():
    saved = zoo.load("mnist_vae")
    model = zoo.load_keras("mnist_vae")
    x = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(model.encode(x)[0], saved.encode(x)["z_mean"], atol=1e-5)
    np.testing.assert_allclose(np.clip(model.reconstruct(x), 0, 1), saved.reconstruct(x),
                               atol=1e-5)
    before = [np.array(w.numpy()) for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.Adam(1e-4))
    history = model.fit(x, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert any(not np.array_equal(b, w.numpy())
               for b, w in zip(before, model.trainable_weights))
