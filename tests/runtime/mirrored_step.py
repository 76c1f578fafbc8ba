"""Run in a fresh process: one training step under MirroredStrategy on two logical CPUs versus
the default strategy, on the same global batch. Prints one JSON line of results.

    python tests/runtime/mirrored_step.py [--mixed_precision=bfloat16]

The two logical devices must be configured before TensorFlow initialises, hence a subprocess.
"""

import contextlib
import io
import json
import sys
import tempfile

import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

from zoo import builders, training  # noqa: E402
from zoo.runtime import strategies  # noqa: E402
from zoo.training.optimizers import FusedAdam  # noqa: E402

SHAPE = (8, 8, 1)
GLOBAL_BATCH = 16
LEARNING_RATE = 0.1


def build(kind):
    """A small model whose one-step update does not depend on the reparameterisation noise."""
    keras.utils.set_random_seed(1)
    if kind == "ae":
        return builders.mlp_ae(SHAPE, latent_dim=4, units=32, encoder_depth=2, decoder_blocks=1)
    model = builders.mlp_vae(SHAPE, latent_dim=4, units=32, encoder_depth=2, decoder_blocks=1,
                             seed=3)
    # Pin sigma_z = exp(-20) ~ 2e-9: the noise term sigma_z * eps of z = mu_z + sigma_z * eps is
    # below float32 resolution of mu_z, so z (and every gradient) is the same for any eps.
    head = model.encoder.get_layer("head")
    kernel, bias = (np.array(w) for w in head.get_weights())
    kernel[:, 4:] = 0.0
    bias[4:] = -20.0
    head.set_weights([kernel, bias])
    return model


def one_step(kind, strategy, initial, images, make_optimizer=None, repeats=1):
    """Train `repeats` steps with SGD or `make_optimizer()` (built in the strategy's scope);
    returns (weights before, weights after, model)."""
    with strategy.scope():
        model = build(kind)
        if initial is not None:
            model.set_weights(initial)
        before = [np.array(w) for w in model.get_weights()]
        model.compile(optimizer=make_optimizer() if make_optimizer else
                      keras.optimizers.SGD(LEARNING_RATE))
    model.fit(np.concatenate([images] * repeats), batch_size=GLOBAL_BATCH, epochs=1,
              shuffle=False, verbose=0)
    return before, [np.array(w) for w in model.get_weights()], model


def replica_noise(strategy, model):
    """The noise each replica draws in one reparameterisation (zero mean, unit scale)."""
    zeros = tf.zeros([2, 4])

    @tf.function
    def draw():
        return strategy.run(lambda: model.reparameterize(zeros, zeros))

    return [np.array(t) for t in strategy.experimental_local_results(draw())]


def main():
    policy = "none"
    for arg in sys.argv[1:]:
        if arg.startswith("--mixed_precision="):
            policy = arg.split("=", 1)[1]
    strategies.set_mixed_precision(policy)
    images = np.random.default_rng(0).uniform(size=(GLOBAL_BATCH, *SHAPE)).astype("float32")
    mirrored = strategies.make_strategy("mirrored")
    results = {"replicas": mirrored.num_replicas_in_sync, "policy": policy}
    for kind in ("ae", "vae_pinned"):
        before, single, _ = one_step(kind, strategies.make_strategy("default"), None, images)
        start, multi, model = one_step(kind, mirrored, before, images)
        results[kind] = {
            "same_start": max(float(np.max(np.abs(a - b))) for a, b in zip(before, start)),
            "max_abs_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(single, multi)),
            "max_update": max(float(np.max(np.abs(a - b))) for a, b in zip(before, single)),
        }
        if kind == "vae_pinned":
            noise = replica_noise(mirrored, model)
            results["replica_noise_max_abs_diff"] = float(np.max(np.abs(noise[0] - noise[1])))
            terms = model.loss_terms(tf.constant(images), training=True)
            results["loss_dtypes"] = {k: v.dtype.name for k, v in terms.items()}
            results["log_gamma_dtype"] = tf.as_dtype(model.log_gamma.dtype).name
            # a hidden layer (the output layer "head" computes in float32 under any policy)
            results["dense_compute_dtype"] = model.encoder.get_layer("dense_0").compute_dtype
            results["head_compute_dtype"] = model.encoder.get_layer("head").compute_dtype
    # FusedAdam under MirroredStrategy: three steps against Keras' Adam in the same strategy
    # (the same all-reduced gradients, so only the update kernels' rounding differs).
    if policy == "none":
        runs = {name: one_step("ae", mirrored, None, images,
                               make_optimizer=lambda make=make: make(1e-2), repeats=3)
                for name, make in (("fused", FusedAdam), ("keras", keras.optimizers.Adam))}
        (before, fused, model), (_, reference, _) = runs["fused"], runs["keras"]
        results["fused_adam_mirrored"] = {
            "optimizer": type(model.optimizer).__name__,
            "steps": int(model.optimizer.iterations.numpy()),
            "max_abs_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(fused, reference)),
            "max_update": max(float(np.max(np.abs(a - b))) for a, b in zip(before, fused)),
        }
        # zoo.training.train under 2 replicas with steps_per_execution 4 (which Keras 3 cannot
        # run there): it falls back to one step per execution and trains.
        with mirrored.scope():
            model = build("ae")
        log = io.StringIO()
        with tempfile.TemporaryDirectory() as workdir, contextlib.redirect_stdout(log):
            with mirrored.scope():
                history = training.train(
                    model, tf.data.Dataset.from_tensor_slices(np.concatenate([images] * 4))
                    .batch(GLOBAL_BATCH), workdir, epochs=2, learning_rate=1e-3, verbose=0,
                    compile_kwargs={"steps_per_execution": 4})
        results["train_spe"] = {"steps": int(model.optimizer.iterations.numpy()),
                                "losses": history["model"]["loss"],
                                "log": log.getvalue()}
    # A few steps on one device: training moves the weights under every policy (with float16
    # the LossScaleOptimizer may skip the first overflowing steps while it lowers its scale).
    model = build("vae_pinned")
    before = [np.array(w) for w in model.get_weights()]
    model.compile(optimizer=FusedAdam(1e-3))  # zoo.training's optimizer
    history = model.fit(np.concatenate([images] * 10), batch_size=GLOBAL_BATCH, epochs=1,
                        shuffle=False, verbose=0).history
    results["few_steps"] = {
        "optimizer": type(model.optimizer).__name__,
        "inner_optimizer": type(getattr(model.optimizer, "inner_optimizer",
                                        model.optimizer)).__name__,
        "loss": float(history["loss"][-1]),
        "max_update": max(float(np.max(np.abs(a - np.array(b))))
                          for a, b in zip(before, model.get_weights())),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
