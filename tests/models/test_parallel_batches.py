"""GenerativeModel(parallel_batches=k): the networks run on k slices of a training batch; the
loss, the noise and the gradients are those of the whole batch (up to summation order)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import AE, builders, networks

SHAPE = (6, 6, 1)


def vae(parallel_batches):
    keras.utils.set_random_seed(4)
    return builders.mlp_vae(SHAPE, latent_dim=3, units=16, encoder_depth=2, decoder_blocks=1,
                            seed=7, parallel_batches=parallel_batches)


def loss_and_gradients(model, x):
    with tf.GradientTape() as tape:
        terms = model.loss_terms(x, training=True)
    gradients = tape.gradient(terms["loss"], model.trainable_variables)
    return terms, [np.array(g) for g in gradients]


@pytest.mark.parametrize("batch, k", [(8, 2), (7, 2), (7, 3), (5, 4)])
def test_sliced_networks_give_the_whole_batch_loss_and_gradients(batch, k):
    x = tf.constant(np.random.default_rng(0).uniform(size=(batch, *SHAPE)), tf.float32)
    whole, sliced = vae(1), vae(k)
    sliced.set_weights(whole.get_weights())
    terms_1, grads_1 = loss_and_gradients(whole, x)
    terms_k, grads_k = loss_and_gradients(sliced, x)  # same seed: the same noise draw
    for name in terms_1:
        np.testing.assert_allclose(terms_k[name], terms_1[name], rtol=1e-5)
    for g1, gk in zip(grads_1, grads_k):
        np.testing.assert_allclose(gk, g1, rtol=1e-4, atol=1e-5)
    # Out of training the networks see the whole batch.
    np.testing.assert_allclose(sliced.reconstruct(x), whole.reconstruct(x), rtol=1e-6)


def test_fit_and_config_keep_the_setting():
    model = vae(2)
    model.compile(optimizer="adam", steps_per_execution=2)
    x = np.random.default_rng(1).uniform(size=(32, *SHAPE)).astype("float32")
    history = model.fit(x, batch_size=8, epochs=2, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    restored = type(model).from_config(model.get_config())
    assert restored.parallel_batches == 2
    assert "parallel_batches" not in vae(1).get_config()  # the default is not written


def test_batch_norm_networks_and_bad_values_are_refused():
    model = AE(networks.infogan_encoder((28, 28, 1), 4, width=0.125),
               networks.infogan_decoder(4, (28, 28, 1), width=0.125), parallel_batches=2)
    x = tf.zeros([4, 28, 28, 1])
    with pytest.raises(ValueError, match="without BatchNormalization"):
        model.loss_terms(x, training=True)
    assert np.isfinite(float(model.loss_terms(x, training=False)["loss"]))  # whole batch
    with pytest.raises(ValueError, match="parallel_batches must be an integer >= 1"):
        vae(0)
