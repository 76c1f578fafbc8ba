"""A two-stage model's second-stage encoder, refit where its export did not hold it.

Exports made before the two-stage `score` held only the variables some signature read, and no
signature read the second stage's encoder q(u|z) (sampling uses its decoder), so a model
rebuilt from such an export (`zoo.saved_model.keras_weights.rebuild`) has that encoder at its
seeded initialisation: as a proposal for the second stage's density it is useless (an
estimate of log p(z) 300 nats low). `refit` trains it to the frozen second-stage decoder and
gamma_z (`zoo.training.refit_encoder`) on fresh posterior draws z ~ q(z|x) of every training
image each epoch, as the second stage was trained; the model, its density and its samples do
not change (the re-export checks every earlier signature), only the proposal of `score`.
"""

import time

import numpy as np

# Adam, 30 epochs over the training images' codes: lr 1e-3, then 3e-4 from epoch 15 and 1e-4
# from epoch 25 (the last epochs' negative ELBO fell 70.1 -> 68.9 -> 68.5 on fashion_two_stage).
REFIT = {"epochs": 30, "batch_size": 256, "learning_rates": [1e-3, 3e-4, 1e-4],
         "boundary_epochs": [15, 25], "seed": 0}
LOST_PREFIX = "second/encoder/"


def lost(rebuilt):
    """Whether `rebuilt` (a `keras_weights.Rebuilt`) lacks its second-stage encoder."""
    return any(path.startswith(LOST_PREFIX) for path in rebuilt.not_exported)


def refit(model, train):
    """Refit `model.second.encoder` on the codes of the images `train`; the record for
    card.json (`REFIT`, the images, the last epoch's negative ELBO, the seconds)."""
    import keras
    import tensorflow as tf

    from zoo.training import refit_encoder

    start = time.time()
    moments, _ = model.posterior_moments(
        lambda: tf.data.Dataset.from_tensor_slices(train).batch(500))
    rng = np.random.default_rng(REFIT["seed"])

    def draw():
        noise = rng.standard_normal(moments["z_mean"].shape)
        return (moments["z_mean"] + np.exp(moments["z_log_scale"]) * noise).astype(np.float32)

    steps = -(-len(train) // REFIT["batch_size"])
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        [epoch * steps for epoch in REFIT["boundary_epochs"]], REFIT["learning_rates"])
    loss = refit_encoder(model.second, draw, epochs=REFIT["epochs"],
                         batch_size=REFIT["batch_size"], learning_rate=schedule,
                         seed=REFIT["seed"])
    record = {**REFIT, "images": len(train), "split": "train",
              "last_epoch_negative_elbo": round(loss, 3),
              "seconds": round(time.time() - start, 1)}
    print(f"publish: second-stage encoder refit: {record}", flush=True)
    return record
