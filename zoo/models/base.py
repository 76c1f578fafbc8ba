"""What every zoo model shares: the training step, loss-term metrics and seeded sampling.

A subclass implements `loss_terms(x, training)` returning a dict of per-batch scalars with a
"loss" entry (the value minimised) and any of the reported terms `TERMS`; `train_step` and
`test_step` here do the rest. `train_step` skips the update of a step whose loss or gradients
are not finite and reports the epoch's first such step as `nonfinite_step` (see
`zoo.training.guard`). Subclasses also implement `encode`, `decode` and `generate`.
"""

import keras
import tensorflow as tf

from zoo.runtime import cpu

TERMS = ("loss", "reconstruction", "kl", "gamma", "mmd")
NONFINITE = "nonfinite_step"  # log key: the epoch's first skipped (non-finite) step, 0 if none
NONFINITE_AFTER = "nonfinite_steps_after"  # log key: steps run after that one, in this epoch


def images_of(data):
    """The images of a batch given as `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    if isinstance(data, (tuple, list)):
        return data[0]
    return data


def stateless_normal(shape, seed, stream):
    """Standard-normal noise of `shape`, a pure function of the integer `seed` and `stream`
    (the samplers use one stream per noise source of the same seed)."""
    return tf.random.stateless_normal(
        shape, seed=tf.stack([tf.cast(seed, tf.int64), tf.constant(stream, tf.int64)]))


def has_batch_norm(layer):
    """Whether `layer` is or contains (in nested models) a BatchNormalization layer."""
    return cpu.contains_layer(layer, keras.layers.BatchNormalization)


class FirstNonfiniteStep(keras.metrics.Metric):
    """Where the epoch's first skipped step was: its step number (`optimizer.iterations` + 1
    when it ran, as skipped steps do not count; 0 while none was skipped) and how many steps
    ran after it.

    With several steps per execution, callbacks see only each execution's last logs; these
    two values let the divergence guard name the exact failed step and batch all the same.
    Keras resets the metric at every epoch start.
    """

    def __init__(self, name=NONFINITE, **kwargs):
        super().__init__(name=name, **kwargs)
        self.step = self.add_variable(shape=(), initializer="zeros", name="step")
        self.after = self.add_variable(shape=(), initializer="zeros", name="after")

    def update_state(self, step, finite):
        seen = self.step > 0
        self.after.assign(self.after + tf.cast(seen, self.dtype))
        first = tf.logical_and(tf.logical_not(seen), tf.logical_not(finite))
        self.step.assign(tf.where(first, tf.cast(step, self.dtype), self.step))

    def result(self):
        return {NONFINITE: tf.identity(self.step), NONFINITE_AFTER: tf.identity(self.after)}

    def reset_state(self):
        self.step.assign(0.0)
        self.after.assign(0.0)


def all_finite(loss, gradients):
    """A scalar bool tensor: `loss` and every gradient are finite.

    Under a multi-replica `tf.distribute` strategy the flag is all-reduced, so that every
    replica takes the same branch.
    """
    flags = [tf.reduce_all(tf.math.is_finite(loss))]
    for gradient in gradients:
        if gradient is None:
            continue
        if isinstance(gradient, tf.IndexedSlices):
            gradient = gradient.values
        flags.append(tf.reduce_all(tf.math.is_finite(gradient)))
    finite = tf.reduce_all(tf.stack(flags))
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        # ReduceOp has only SUM and MEAN: count the replicas with a non-finite value.
        bad = context.all_reduce(tf.distribute.ReduceOp.SUM, 1.0 - tf.cast(finite, tf.float32))
        finite = bad < 0.5
    return finite


class GenerativeModel(keras.Model):
    """Base class: Keras `fit`/`evaluate` on self-supervised image batches.

    Every model sets `input_shape_` (the shape of one input, e.g. (28, 28, 1)), `latent_dim`
    (the size of the code) and `noise_dim` (the size of `generate`'s input); a GaussianVAE also
    `output_shape_`. The trailing underscore keeps these apart from Keras' `input_shape` /
    `output_shape`, which functional models (the networks inside) define with the batch
    dimension: `model.encoder.input_shape` is (None, 28, 28, 1), `model.input_shape_` is
    (28, 28, 1).

    Labels in the batch are ignored. Losses are divided by the number of replicas in sync before
    the gradient, since `tf.distribute` sums replica gradients. Constructor arguments that are
    Keras objects are listed in `nested` and (de)serialized by `get_config` / `from_config`.

    `parallel_batches` = k > 1 runs the encoder and decoder of a training step on k slices of
    the batch (`apply_network`) and concatenates the outputs. The loss, the noise and the update
    are those of the whole batch (up to float summation order: the weight gradients are sums
    over the slices). The k slices are independent graphs, so TensorFlow's executor runs them on
    different cores at once, which speeds up small-op networks (the MNIST MLPs at batch 128 with
    `zoo.runtime.threads` mode "ops"; `python -m bench.train`; docs/performance.md). Networks
    with BatchNormalization are refused (their batch statistics would become per-slice
    statistics).

    A subclass needs `encode`, `decode`, `generate` (with `latent_dim`, `noise_dim`) and
    `loss_terms`. Example, a linear autoencoder on 4-vectors:

    >>> import numpy as np
    >>> import keras
    >>> import tensorflow as tf
    >>> from zoo.models import GenerativeModel, losses
    >>> class LinearAE(GenerativeModel):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.encoder, self.decoder = keras.layers.Dense(2), keras.layers.Dense(4)
    ...         self.latent_dim = self.noise_dim = 2
    ...     def encode(self, x, training=False):
    ...         return self.encoder(x)
    ...     def decode(self, z, training=False):
    ...         return self.decoder(z)
    ...     def generate(self, noise):
    ...         return self.decode(noise)
    ...     def loss_terms(self, x, training=False):
    ...         rec = tf.reduce_mean(losses.squared_error(x, self.decode(self.encode(x))))
    ...         return {"loss": rec, "reconstruction": rec}
    >>> model = LinearAE(seed=0)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    >>> sorted(model.fit(x, batch_size=16, epochs=1, verbose=0).history)
    ['loss', 'nonfinite_step', 'nonfinite_steps_after', 'reconstruction']
    >>> model.sample(3, seed=1).shape
    TensorShape([3, 4])
    """

    nested = ()
    # Capabilities, declared by each subclass (callers ask these instead of probing attributes):
    has_likelihood = False  # a Gaussian decoder p(x|z) = N(mu_x(z), gamma I): `log_gamma`,
                            # `gamma`, the IWAE NLL and the `score` signature
    stages = ()             # training stages in order (multi-stage models); () = one stage

    def __init__(self, seed=None, parallel_batches=1, **kwargs):
        super().__init__(**kwargs)
        if not (isinstance(parallel_batches, int) and parallel_batches >= 1):
            raise ValueError(f"parallel_batches must be an integer >= 1, got "
                             f"{parallel_batches!r}")
        self.parallel_batches = parallel_batches
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in TERMS}
        self.nonfinite = FirstNonfiniteStep()
        self.stage = None  # the stage being trained (multi-stage models)

    def stage_models(self):
        """Stage number -> the sub-model trained in that stage ({} for single-stage models)."""
        return {}

    def stage_data(self, stage, make_dataset):
        """The data of `stage`, as a function returning a fresh dataset: `make_dataset` itself
        (models whose stages can train on something cheaper than the images override this)."""
        del stage
        return make_dataset

    def decoder_variances(self):
        """Name -> decoder variance gamma (a scalar tensor) of each Gaussian decoder; {} for
        models without one."""
        return {}

    def get_config(self):
        config = {**super().get_config(), "seed": self.seed}
        if self.parallel_batches != 1:
            config["parallel_batches"] = self.parallel_batches
        for key in self.nested:
            config[key] = keras.saving.serialize_keras_object(getattr(self, key))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.nested:
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    @property
    def metrics(self):
        return [*self.trackers.values(), self.nonfinite]

    def _report(self, terms):
        for name, value in terms.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in terms}

    def train_step(self, data):
        x = images_of(data)
        with tf.GradientTape() as tape:
            terms = self.loss_terms(x, training=True)
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            scaled = terms["loss"] / tf.cast(replicas, terms["loss"].dtype)
            scaled = self.optimizer.scale_loss(scaled)  # mixed_float16: loss scaling
        variables = self.trainable_variables
        gradients = tape.gradient(scaled, variables)
        # Divergence guard (zoo.training.guard): skip the update when the loss or a gradient is not
        # finite, and say so in the logs. A LossScaleOptimizer (mixed_float16) handles
        # non-finite gradients itself (skips the step, lowers the scale): check the loss only.
        scaling = isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer)
        finite = all_finite(terms["loss"], [] if scaling else gradients)
        if not self.optimizer.built:
            self.optimizer.build(variables)
        self.nonfinite.update_state(self.optimizer.iterations + 1, finite)

        def apply(gradients):
            self.optimizer.apply_gradients(zip(gradients, variables))

        replica = tf.distribute.get_replica_context()
        if (tf.distribute.has_strategy() and replica is not None
                and not tf.__internal__.distribute.strategy_supports_no_merge_call()):
            # MirroredStrategy: apply_gradients holds a merge_call, which may not run inside a
            # tf.cond in replica context; branch in cross-replica context instead (as Keras'
            # LossScaleOptimizer does). `finite` is the same on every replica (all-reduced).
            def cross_replica(strategy, finite, gradients):
                finite = strategy.experimental_local_results(finite)[0]
                tf.cond(finite,
                        lambda: strategy.extended.call_for_each_replica(apply, (gradients,)),
                        lambda: None)

            replica.merge_call(cross_replica, args=(finite, gradients))
        else:
            tf.cond(finite, lambda: apply(gradients), lambda: None)
        logs = {**self._report(terms), **self.nonfinite.result()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3 reduces fit() logs with strategy.reduce(MEAN, v, axis=0) under
            # MultiWorkerMirroredStrategy, which fails on scalars (tensorflow/tensorflow#72388):
            # give it [1]-vectors (reduced to the mean over all replicas).
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    def apply_network(self, network, inputs, training):
        """`network(inputs, training=training)`; while training with `parallel_batches` = k > 1,
        applied to k slices of the batch (sizes differ by at most 1) and concatenated."""
        k = self.parallel_batches
        if k == 1 or not training:
            return network(inputs, training=training)
        if has_batch_norm(network):
            raise ValueError(f"parallel_batches={k} needs networks without BatchNormalization "
                             f"(its statistics would be per slice); {network.name!r} has some")
        n = tf.shape(inputs)[0]
        sizes = tf.stack([(n + i) // k for i in range(k)])  # sum_i floor((n + i) / k) = n
        parts = tf.split(inputs, sizes, num=k, axis=0)
        return tf.concat([network(part, training=training) for part in parts], axis=0)

    def test_step(self, data):
        return self._report(self.loss_terms(images_of(data), training=False))

    def call(self, x, training=False):
        return self.reconstruct(x)

    def sample_noise(self, num_samples, seed):
        """Standard-normal noise [num_samples, noise_dim], a pure function of an integer seed."""
        return stateless_normal([num_samples, self.noise_dim], seed, stream=0)

    def sample(self, num_samples, seed=0):
        """`num_samples` images from the model; the same seed gives the same images."""
        return self.generate(self.sample_noise(num_samples, seed))

    def reconstruct(self, x):
        """Decoder output for the encoder's mean (or deterministic code)."""
        code = self.encode(x)
        if isinstance(code, (tuple, list)):
            code = code[0]
        return self.decode(code)
