"""FID with a user-supplied frozen graph: the missing-graph error, and the GraphDef import
path on a tiny fake graph."""

import numpy as np
import pytest
import tensorflow as tf

from zoo import metrics
from zoo.metrics import inception as fid_module


def test_missing_graph_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(fid_module.ENV_VAR, str(tmp_path / "missing.pb"))
    images = np.zeros((2, 28, 28, 1), np.float32)
    with pytest.raises(FileNotFoundError, match="missing.pb") as info:
        metrics.fid(images, images, num_images=None)
    assert "classify_image_graph_def.pb" in str(info.value)
    assert "No other network is substituted" in str(info.value)
    monkeypatch.delenv(fid_module.ENV_VAR)
    with pytest.raises(FileNotFoundError, match="other.pb"):
        metrics.fid(images, images, num_images=None, inception_path=str(tmp_path / "other.pb"))


def write_fake_graph(path):
    """A GraphDef with the tensor names of the Inception graph around a trivial computation:
    DecodeJpeg (uint8 [H, W, 3]) -> Cast -> ExpandDims [1, H, W, 3] -> ResizeBilinear to
    299 x 299 -> pool_3 = mean over space, tiled to [1, 1, 1, 6]. Not a feature network: it
    only tests the import, the batch dimension and the input conventions."""
    graph = tf.Graph()
    with graph.as_default():
        jpeg = tf.compat.v1.placeholder(tf.uint8, [None, None, 3], name="DecodeJpeg")
        expanded = tf.expand_dims(tf.cast(jpeg, tf.float32), 0, name="ExpandDims")
        resized = tf.compat.v1.image.resize_bilinear(expanded, [299, 299], name="ResizeBilinear")
        pooled = tf.reduce_mean(resized, axis=[1, 2], keepdims=True)
        tf.tile(pooled, [1, 1, 1, 2], name="pool_3")
    with open(path, "wb") as f:
        f.write(graph.as_graph_def().SerializeToString())


def test_graph_import_with_free_batch_dimension(tmp_path):
    path = str(tmp_path / "fake_graph.pb")
    write_fake_graph(path)
    features = fid_module.load_inception_features(path)
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (5, 28, 28, 1)).astype(np.float32)
    inputs = fid_module.to_inception_input(images)
    assert inputs.shape == (5, 28, 28, 3) and inputs.max() <= 255.0
    np.testing.assert_array_equal(inputs[..., 0], inputs[..., 2])   # grayscale tiled
    out = np.asarray(features(inputs))
    expected = tf.reduce_mean(tf.compat.v1.image.resize_bilinear(inputs, [299, 299]),
                              axis=[1, 2]).numpy()
    assert out.shape == (5, 6)
    np.testing.assert_allclose(out[:, :3], expected, rtol=1e-5)
    same = metrics.fid(images, images, inception_path=path, num_images=None, batch_size=2)
    assert abs(same) < 1e-3


def test_fid_uses_ten_thousand_images_unless_told(tmp_path):
    path = str(tmp_path / "fake_graph.pb")
    write_fake_graph(path)
    images = np.zeros((20, 28, 28, 1), np.float32)
    with pytest.raises(ValueError, match="num_images"):
        metrics.fid(images, images, inception_path=path)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.fid(images + 2.0, images, inception_path=path, num_images=None)
