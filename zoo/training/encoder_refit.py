"""Refitting a VAE's encoder to its frozen decoder: amortised inference for a fixed model.

The model's density p(x) = E_{z ~ N(0, I)} N(x | mu_x(z), gamma I) depends on the decoder and
gamma alone; the encoder q(z|x) only proposes the z at which it is evaluated (the ELBO, the
importance-weighted bounds of `zoo.models.importance_weights`). `refit_encoder` maximises the
ELBO (Kingma & Welling 2014, eq. 3; Dai & Wipf 2019, eq. 3 with gamma fixed) over the
encoder's weights only, so the model and every sample it draws stay exactly as they were: a
better q(z|x) only tightens those bounds. Used where an encoder was lost (a two-stage model
whose second-stage encoder no signature of its export read) or to measure the amortisation gap.
"""

import keras
import numpy as np
import tensorflow as tf


def refit_encoder(vae, data, epochs=20, batch_size=256, learning_rate=1e-3, seed=0,
                  verbose=0):
    """Train `vae.encoder` on `data` with the decoder, its skip and gamma frozen.

    Args:
      vae: a built `zoo.GaussianVAE`.
      data: a float32 array [N, *vae.input_shape_], or a function returning a fresh such array
        each epoch (e.g. new posterior draws of a first stage's codes).
      epochs, batch_size: passes over `data` and images a step.
      learning_rate: Adam's, a float or a `keras.optimizers.schedules.LearningRateSchedule`
        of the step.
      seed: the shuffle seed (numpy) of every epoch.
    Returns:
      The negative ELBO of the last epoch (mean over batches).
    Raises:
      ValueError: data of another shape than the VAE's inputs, or non-finite data.
    """
    draw = data if callable(data) else (lambda: data)
    frozen = [layer for layer in (vae.decoder, vae.skip) if layer is not None]
    before = ([layer.trainable for layer in frozen], vae.decoder_scale.trainable,
              vae.encoder.trainable)
    for layer in frozen:
        layer.trainable = False
    vae.decoder_scale.trainable = False
    vae.encoder.trainable = True
    try:
        optimizer = keras.optimizers.Adam(learning_rate)
        variables = vae.encoder.trainable_variables

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = vae.loss_terms(x, training=True)["loss"]
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        rng = np.random.default_rng(seed)
        for epoch in range(epochs):
            x = np.asarray(draw(), np.float32)
            if x.shape[1:] != tuple(vae.input_shape_):
                shape = ", ".join(map(str, vae.input_shape_))
                raise ValueError(f"data must have shape [N, {shape}] (the VAE's inputs); got "
                                 f"{x.shape}")
            if not np.all(np.isfinite(x)):
                raise ValueError("data must be finite (found NaN or Inf)")
            order = rng.permutation(len(x))
            losses = [float(step(tf.constant(x[order[i:i + batch_size]])))
                      for i in range(0, len(x), batch_size)]
            if verbose:
                print(f"refit_encoder: epoch {epoch + 1}/{epochs}: negative ELBO "
                      f"{np.mean(losses):.4g}", flush=True)
        return float(np.mean(losses))
    finally:
        for layer, trainable in zip(frozen, before[0]):
            layer.trainable = trainable
        vae.decoder_scale.trainable, vae.encoder.trainable = before[1], before[2]
