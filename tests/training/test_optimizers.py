"""zoo.training.FusedAdam: the same update as keras.optimizers.Adam (Kingma & Ba, Alg. 1),
in one kernel per variable; a drop-in for Keras' Adam in configs and checkpoints."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.training.optimizers import FusedAdam

TARGET = np.linspace(-2.0, 3.0, 40).astype("float32").reshape(8, 5)


def run(optimizer, steps, jit_compile=False):
    """`steps` Adam steps on L(w) = sum(c * (w - t)^2) from w = 0; the weights after each."""
    weight = keras.Variable(np.zeros((8, 5), "float32"))
    scale = tf.constant(np.linspace(0.5, 4.0, 40).reshape(8, 5), tf.float32)
    optimizer.build([weight])

    @tf.function(jit_compile=jit_compile)
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(scale * tf.square(weight.value - TARGET))
        optimizer.apply_gradients([(tape.gradient(loss, weight.value), weight)])

    history = []
    for _ in range(steps):
        step()
        history.append(np.array(weight.numpy()))
    return np.stack(history)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_fused_adam_follows_keras_adam(jit_compile):
    fused = run(FusedAdam(0.05), 30, jit_compile)
    reference = run(keras.optimizers.Adam(0.05), 30, jit_compile)
    # Every gradient here is far from zero, so Adam's normalisation does not amplify rounding:
    # float32 agreement over 30 steps, while the weights move by O(1).
    np.testing.assert_allclose(fused, reference, rtol=1e-5, atol=1e-6)
    assert np.max(np.abs(fused[-1])) > 1.0


def test_first_step_is_learning_rate_times_sign():
    # Closed form of Adam's first step: m_hat / sqrt(v_hat) = g / |g| (epsilon aside).
    first = run(FusedAdam(0.01, epsilon=1e-12), 1)[0]
    np.testing.assert_allclose(first, 0.01 * np.sign(TARGET), rtol=1e-5)


def test_schedule_beta_and_epsilon_are_honoured():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    kwargs = {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}
    np.testing.assert_allclose(run(FusedAdam(schedule, **kwargs), 10),
                               run(keras.optimizers.Adam(schedule, **kwargs), 10),
                               rtol=1e-5, atol=1e-6)


def test_config_round_trip_and_amsgrad_fallback():
    optimizer = FusedAdam(0.003, beta_1=0.8, amsgrad=True)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(optimizer))
    assert isinstance(restored, FusedAdam)
    assert restored.get_config() == optimizer.get_config()
    np.testing.assert_allclose(run(restored, 5),
                               run(keras.optimizers.Adam(0.003, beta_1=0.8, amsgrad=True), 5),
                               rtol=1e-6)
