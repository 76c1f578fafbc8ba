"""`zoo.training.train` writes what TensorBoard users open first, by default: image grids of
samples and reconstructions, histograms of sigma_z and of the KL per latent dimension, gamma and
active units (`EpochDiagnostics`), read back here from the event files."""

import glob
import os

import numpy as np
import tensorflow as tf

from zoo import builders, training


def events(folder):
    """{tag: [(step, kind, value)]} of the event files under `folder`."""
    out = {}
    for path in glob.glob(os.path.join(folder, "**", "events.out.tfevents.*"), recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                kind = value.metadata.plugin_data.plugin_name or value.WhichOneof("value")
                out.setdefault(value.tag, []).append((event.step, kind, value))
    return out


def data():
    images = np.random.RandomState(0).rand(40, 8, 8, 1).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).batch(8)


def test_train_writes_images_histograms_and_scalars_by_default(tmp_path):
    model = builders.mlp_vae(input_shape=(8, 8, 1), latent_dim=3, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    held_out = np.random.RandomState(1).rand(16, 8, 8, 1).astype("float32")
    training.train(model, data, str(tmp_path), epochs=20, verbose=0, held_out=held_out)
    logged = events(tmp_path / "tensorboard" / "model" / "diagnostics")
    assert {kind for _, kind, _ in logged["diagnostics/samples"]} == {"images"}
    assert {kind for _, kind, _ in logged["diagnostics/reconstructions"]} == {"images"}
    assert {kind for _, kind, _ in logged["diagnostics/sigma_z"]} == {"histograms"}
    assert {kind for _, kind, _ in logged["diagnostics/kl_per_dimension"]} == {"histograms"}
    # ten evaluations a stage: every 2nd of 20 epochs
    assert [step for step, _, _ in logged["diagnostics/gamma"]] == list(range(2, 21, 2))
    gamma = tf.make_ndarray(logged["diagnostics/gamma"][-1][2].tensor)
    np.testing.assert_allclose(gamma, float(model.gamma.numpy()), rtol=1e-5)
    # the reconstruction grid: 32 probe images above their reconstructions, 8 columns, 8x scale
    grid = tf.image.decode_png(logged["diagnostics/reconstructions"][-1][2]
                               .tensor.string_val[2]).numpy()
    assert grid.shape == (8 * 65 + 1, 8 * 65 + 1, 1)
    # the held-out curve beside the probe's, at every evaluation
    assert len(logged["diagnostics/loss_at_mean/held_out"]) == 10
    assert len(logged["diagnostics/loss_at_mean/probe"]) == 10
    # the KL histogram has one entry per latent dimension
    kl = tf.make_ndarray(logged["diagnostics/kl_per_dimension"][-1][2].tensor)
    assert kl[:, 2].sum() == 3


def test_diagnostics_can_be_switched_off(tmp_path):
    model = builders.mlp_vae(input_shape=(8, 8, 1), latent_dim=3, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    training.train(model, data, str(tmp_path), epochs=1, verbose=0, diagnostics=False)
    assert not os.path.exists(tmp_path / "tensorboard" / "model" / "diagnostics")
