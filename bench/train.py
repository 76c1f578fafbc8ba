r"""Benchmark: training samples/s and achieved FLOP/s against this machine's matmul roofline.

    python -m bench.train                      # about an hour on 2 cores without bf16
    python -m bench.train --models=mlp_vae --configs=default,recipe --batch_sizes=20
    python -m bench.train --models=celeba_ae --configs=spe --op_profile=celeba_ae:mixed_bfloat16

Models (batches of 20 and 128, `--batch_sizes`; Adam): the reg-balance paper's MNIST MLP GaussianVAE
(`zoo.builders.mlp_vae(latent_dim=64)`: kappa = 64, 6 x 200 tanh encoder, 3 residual blocks of 2 x
200 decoder, affine skip, learnable gamma), the VAE-OOD conv VAE (`zoo.builders.conv_vae()`, whose
default latent_dim is 64) and a keras.io-style baseline (`keras_io_vae`): the keras.io VAE example's
structure (Sampling layer, encoder and decoder functional models, a custom `train_step` with a
GradientTape computing reconstruction + KL, three metric trackers) with the same MLP layers;
the reg-balance supplement's CelebA AE (`zoo.builders.celeba_ae`, `--celeba_resolution` 64:
64 x 64 x 3 images, 4 x 4 x 4 code) and the two-stage VAE's first stage (`two_stage_first`:
`zoo.builders.infogan_vae(width=0.25)`, the width of the published two-stage runs).

Precisions (`--precisions`, default float32 and mixed_bfloat16): every figure is measured under
each Keras dtype policy (set before the model is built; `zoo.runtime.cpu`), and the summary
prints, per model, configuration and batch, the ratio mixed_bfloat16 / float32 samples/s. On a
CPU without bfloat16 matrix instructions (`zoo.runtime.cpu.bf16_matmul_support()`, printed)
TensorFlow emulates bfloat16, so the ratio there says nothing about a bf16 Xeon.

Rooflines: for each precision, the best FLOP/s over n x n matmuls of `--matmul_sizes` (1024,
2048; `tf.linalg.matmul` in a `tf.function`, 2 n^3 FLOPs each, bfloat16 operands for the
bfloat16 roofline) in TensorFlow's default thread pools (every core on one matmul), measured
before, between and after the workers; the median is the machine's limit for that precision. A
figure's fraction is of the roofline of its own precision.

FLOPs are counted analytically per example, multiply-adds as 2 FLOPs, elementwise work ignored:

```none
Dense            2 * in * out
Conv2D           2 * k * k * c_in * c_out * H_out * W_out
Conv2DTranspose  2 * k * k * c_in * c_out * H_in * W_in    (each input pixel scatters k*k*c_out)
training step    3 * forward   (backward ~ 2 * forward: gradients w.r.t. inputs and weights)
```
achieved FLOP/s = training FLOPs per example * samples/s; fraction = achieved / roofline.

Configurations (`--configs`, default: default, spe, parallel, recipe); zoo models train with
`zoo.training.FusedAdam` (what `zoo.training.train` uses), the baseline with Keras' Adam:

```none
default     compile and fit, steps_per_execution = 1 (and XLA with --xla=off,on)
spe         steps_per_execution = --spe: several steps per tf.function call, less Python and
            callback work per step
recipe      what a user gets without flags: the `zoo.runtime.cpu` plan that recipes and
            `zoo.training.train` choose for the model and batch (threads, steps_per_execution,
            parallel_batches, XLA), measured in the plan's thread mode only
parallel    MLP only: spe with `parallel_batches=2` (the encoder and decoder run on two halves of
            the batch, which the executor can run on two cores at once; same loss and update)
lean        MLP only: spe plus a train_step prototype without per-step metric updates and the
            finite-check of every gradient; measures the cost of that overhead
keras_adam  MLP only: spe with keras.optimizers.Adam instead of FusedAdam
```

Thread pools (`--cpu_threads`, `zoo.runtime.threads`): every mode runs in its own worker process, since
TensorFlow fixes its pools at its first op: `tf` (TensorFlow's default) and `ops` (one thread per
op, as many ops at once as cores). XLA figures are measured in `tf` only.

Data: synthetic (a fixed in-memory array of 6,400 images, cached, repeated) by default; with
`--mnist` also the real MNIST IDX pipeline (`zoo.data.load(..., shuffle=True, repeat=True)`)
for the default configuration of the zoo models, to show the input pipeline is not the
bottleneck.

In a worker every model is built, traced (and XLA-compiled) and calibrated first; then
`--repeats` rounds each time one epoch (~`--epoch_seconds`, from `on_epoch_begin` to
`on_epoch_end`) of every figure, interleaved, so that load drifts of a shared machine hit every
figure alike; medians are reported with `os.getloadavg()`. The summary lines give, per batch
size, the recipe default as a fraction of its model's fastest setting and as a multiple of the
keras.io-style baseline's default fit, and each model's fraction of the roofline. `--profile=mlp_vae` prints a cProfile of one timed epoch;
`--op_profile=mlp_vae` (or `NAME:PRECISION`, e.g. `celeba_ae:mixed_bfloat16`) records one epoch
with the TensorFlow profiler (open `--op_profile_dir` in TensorBoard's profile tab) and prints
the self time per op type (summed over threads) per step.
"""

import json
import math
import os
import statistics
import tempfile
import time

from absl import app, flags

from zoo.data import locations

FLAGS = flags.FLAGS
flags.DEFINE_list("models", ["mlp_vae", "keras_io_vae", "conv_vae", "celeba_ae",
                            "two_stage_first"], "Models to measure.")
flags.DEFINE_list("precisions", ["float32", "mixed_bfloat16"], "Keras dtype policies to "
                  "measure every figure in.")
flags.DEFINE_integer("celeba_resolution", 64, "Image side of the CelebA AE (64 or 128).")
flags.DEFINE_list("configs", ["default", "spe", "parallel", "recipe"],
                  "Configurations (see the docstring; also lean, keras_adam).")
flags.DEFINE_list("xla", ["off"], "jit_compile settings to measure (off, on).")
flags.DEFINE_list("batch_sizes", ["20", "128"], "Batch sizes (the reg-balance paper's Table 1 "
                  "trains at 20, the other papers at 64-128).")
flags.DEFINE_integer("spe", 50, "steps_per_execution of every configuration but default.")
flags.DEFINE_integer("repeats", 5, "Interleaved timing rounds (medians are reported).")
flags.DEFINE_float("epoch_seconds", 1.5, "Target duration of one timed epoch.")
flags.DEFINE_bool("mnist", True, "Also measure with the real MNIST pipeline.")
MNIST = locations.idx_spec("mnist")  # zoo.data.locations: $ZOO_MNIST_DIR, else beside shared/
flags.DEFINE_string("mnist_data", MNIST, "Data spec of MNIST (zoo.data; default: "
                    "$ZOO_MNIST_DIR, else ../shared/data/mnist).")
flags.DEFINE_list("matmul_sizes", ["1024", "2048"], "n of the n x n roofline matmuls (the "
                  "best is the roofline).")
flags.DEFINE_string("profile", None, "cProfile one timed epoch of this model's first figure.")
flags.DEFINE_string("op_profile", None, "TensorFlow-profile one epoch of this model's first "
                    "figure (NAME or NAME:PRECISION) and print the self time per op type.")
flags.DEFINE_string("op_profile_dir", None,
                    "Where --op_profile writes (default: a new temporary folder, printed).")
flags.DEFINE_string("json", None, "Also write all results to this JSON file.")
flags.DEFINE_list("cpu_threads", ["tf", "ops"], "zoo.runtime.threads modes to measure, each in its own "
                  "process: tf (TensorFlow's default pools), ops (one thread per op).")
flags.DEFINE_string("worker_threads", None, "Internal: measure in this mode (a worker).")
flags.DEFINE_string("worker_json", None, "Internal: where a worker writes its figures.")


def load():
    return [round(x, 2) for x in os.getloadavg()]


# ------------------------------------------------------------------------------- roofline


def matmul_roofline(n, dtype="float32", seconds=2.0):
    """Best FLOP/s of an n x n matmul of `dtype` over several timed batches of calls."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal([n, n]), dtype)
    b = tf.cast(tf.random.normal([n, n]), dtype)

    @tf.function
    def chain(a, b, repeat):
        c = a
        for _ in range(repeat):  # dependent matmuls, scaled to stay finite
            c = tf.linalg.matmul(c, b) * tf.constant(1.0 / n, c.dtype)
        return c

    repeat = 4
    chain(a, b, repeat).numpy()
    best, deadline = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        chain(a, b, repeat).numpy()
        best = max(best, repeat * 2.0 * n ** 3 / (time.perf_counter() - start))
    return best


def rooflines():
    """{precision: best FLOP/s over the `--matmul_sizes`}: the matmul operands of
    mixed_bfloat16 are bfloat16, of float32 float32."""
    dtypes = {"float32": "float32", "mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}
    return {precision: max(matmul_roofline(int(n), dtypes[precision])
                           for n in FLAGS.matmul_sizes) for precision in FLAGS.precisions}


# ------------------------------------------------------------------------------- FLOPs


def layer_flops(layer):
    """Forward FLOPs per example of one Dense / Conv2D / Conv2DTranspose layer (else 0)."""
    import keras

    if isinstance(layer, keras.layers.Dense):
        return 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    if isinstance(layer, keras.layers.Conv2DTranspose):
        kh, kw, c_out, c_in = layer.kernel.shape  # transposed kernels are [k, k, out, in]
        _, h_in, w_in, _ = layer.input.shape
        return 2 * kh * kw * c_in * c_out * h_in * w_in
    if isinstance(layer, keras.layers.Conv2D):
        kh, kw, c_in, c_out = layer.kernel.shape
        _, h_out, w_out, _ = layer.output.shape
        return 2 * kh * kw * c_in * c_out * h_out * w_out
    return 0


def forward_flops(*networks):
    """Forward FLOPs per example summed over the layers of functional models and layers."""
    import keras

    total = 0
    for network in networks:
        if network is None:
            continue
        if isinstance(network, keras.Model):
            total += sum(layer_flops(layer) for layer in network.layers)
        else:
            total += layer_flops(network)
    return total


# ------------------------------------------------------------------------------- models


def keras_io_vae(input_shape=(28, 28, 1), latent_dim=64, units=200):
    """The keras.io VAE example (Sampling layer, encoder / decoder models, custom train_step
    with reconstruction + KL and metric trackers) with the zoo MLP's layers, squared-error
    reconstruction (gamma fixed) and the affine skip. Returns (model, encoder, decoder)."""
    import keras
    import tensorflow as tf
    from keras import layers

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            epsilon = keras.random.normal(tf.shape(z_mean), seed=self.seed_generator)
            return z_mean + tf.exp(0.5 * z_log_var) * epsilon

    encoder_inputs = keras.Input(shape=input_shape)
    x = layers.Flatten()(encoder_inputs)
    for _ in range(6):
        x = layers.Dense(units, activation="tanh")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    h = layers.Dense(units, activation="tanh")(latent_inputs)
    for _ in range(3):
        r = layers.Dense(units, activation="tanh")(h)
        r = layers.Dense(units, activation="tanh")(r)
        h = layers.Add()([h, r])
    out = layers.Dense(math.prod(input_shape), activation="sigmoid")(h)
    out = layers.Add()([out, layers.Dense(math.prod(input_shape))(latent_inputs)])
    decoder_outputs = layers.Reshape(input_shape)(out)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                    self.kl_loss_tracker]

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(data)
                reconstruction = self.decoder(z)
                reconstruction_loss = tf.reduce_mean(tf.reduce_sum(
                    tf.square(data - reconstruction), axis=(1, 2, 3)))
                kl_loss = -0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
                kl_loss = tf.reduce_mean(tf.reduce_sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {"loss": self.total_loss_tracker.result(),
                    "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                    "kl_loss": self.kl_loss_tracker.result()}

    return VAE(encoder, decoder), encoder, decoder


def lean(model):
    """Prototype of a leaner `GenerativeModel.train_step` on `model`'s instance: no metric
    trackers (the logs are the step's loss terms) and no divergence guard (no finiteness
    reduction per gradient, no tf.cond around the update). A measurement of what that per-step
    overhead costs, not a proposal to drop the guard."""
    import tensorflow as tf

    from zoo.models.base import images_of

    def train_step(data):
        x = images_of(data)
        with tf.GradientTape() as tape:
            terms = model.loss_terms(x, training=True)
        variables = model.trainable_variables
        gradients = tape.gradient(terms["loss"], variables)
        model.optimizer.apply_gradients(zip(gradients, variables))
        return terms

    model.train_step = train_step
    return model


CONV_MODELS = ("conv_vae", "celeba_ae", "two_stage_first")  # with BatchNorm: two_stage_first


def input_shape(name):
    """The images of model `name`: MNIST's, or CelebA's at `--celeba_resolution`."""
    if name == "celeba_ae":
        return (FLAGS.celeba_resolution, FLAGS.celeba_resolution, 3)
    return (28, 28, 1)


def zoo_model(name, parallel_batches):
    """The zoo model `name` of the docstring."""
    from zoo import builders

    if name == "celeba_ae":
        model = builders.celeba_ae(FLAGS.celeba_resolution)
        model.parallel_batches = parallel_batches
        return model
    if name == "two_stage_first":
        return builders.infogan_vae(latent_dim=64, width=0.25, parallel_batches=parallel_batches)
    return getattr(builders, name)(latent_dim=64, parallel_batches=parallel_batches)


def recipe_plan(name, batch_size):
    """The `zoo.runtime.cpu` plan that recipes and `zoo.training.train` choose for model `name`
    on this machine (None for the baseline)."""
    from zoo.runtime import cpu

    if name == "keras_io_vae":
        return None
    return cpu.plan("conv" if name in CONV_MODELS else "dense", batch_size=batch_size,
                    batch_norm=name == "two_stage_first")


def build(name, jit, spe, config, batch_size, precision="float32"):
    """(compiled model, forward FLOPs per example, steps per execution) of a figure, built
    under the Keras dtype policy `precision`."""
    import keras

    from zoo.training.optimizers import FusedAdam

    keras.mixed_precision.set_global_policy(precision)  # layers take it when they are made
    keras.utils.set_random_seed(0)
    plan = recipe_plan(name, batch_size) if config == "recipe" else None
    if plan is not None:
        jit, spe = plan.jit_compile, plan.steps_per_execution
    elif config == "default":
        spe = 1
    if name == "keras_io_vae":
        model, encoder, decoder = keras_io_vae()
        flops = forward_flops(encoder, decoder)
    else:
        split = plan.parallel_batches if plan else 2 if config == "parallel" else 1
        model = zoo_model(name, split)
        flops = forward_flops(model.encoder, model.decoder, getattr(model, "skip", None))
        if config == "lean":
            lean(model)
    # zoo.training's optimizer is FusedAdam; the baseline and `keras_adam` use Keras' Adam.
    plain = name == "keras_io_vae" or config == "keras_adam"
    optimizer = keras.optimizers.Adam(1e-3) if plain else FusedAdam(1e-3)
    model.compile(optimizer=optimizer, jit_compile=jit, steps_per_execution=spe)
    keras.mixed_precision.set_global_policy("float32")
    return model, flops, spe


# ------------------------------------------------------------------------------- timing


class EpochTimer:
    """A Keras callback recording the wall time of every epoch."""

    def __new__(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self._start)

        return _Timer()


def synthetic(batch_size, shape=(28, 28, 1)):
    """A fixed array of uniform images (6,400 of MNIST's shape, at most ~50 MB of larger ones),
    cached and repeated."""
    import numpy as np
    import tensorflow as tf

    count = max(4 * batch_size, min(6400, int(50e6) // (4 * math.prod(shape))))
    images = np.random.default_rng(0).uniform(size=(count, *shape)).astype("float32")
    return (tf.data.Dataset.from_tensor_slices(images).batch(batch_size, drop_remainder=True)
            .cache().repeat().prefetch(tf.data.AUTOTUNE))


def mnist(batch_size):
    from zoo import data

    return data.load(FLAGS.mnist_data, "train", batch_size=batch_size, shuffle=True, repeat=True)


def epoch_seconds(model, dataset, steps):
    """Wall time of one `fit` epoch of `steps` steps."""
    timer = EpochTimer()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[timer])
    return timer.times[-1]


# Which figures are measured: (model, config) pairs; XLA only in TensorFlow's thread pools (XLA
# runs its own code and its intra-op threads; "ops" would leave it one thread).
MODEL_CONFIGS = {"mlp_vae": ("default", "spe", "parallel", "lean", "keras_adam", "recipe"),
                 "keras_io_vae": ("default", "spe"),
                 "conv_vae": ("default", "spe", "recipe"),
                 "celeba_ae": ("default", "spe", "recipe"),
                 "two_stage_first": ("default", "spe", "recipe")}


def specs(threads, batch_size):
    """(model, config, xla, data, batch, precision) of every figure of the flags in thread mode
    `threads`.

    The `recipe` figure of a model is measured in the thread mode and the precision of its plan
    only (the process a recipe would run), with the plan's own XLA setting."""
    out = []
    for precision in FLAGS.precisions:
        for config in FLAGS.configs:
            for xla in FLAGS.xla:
                if xla == "on" and (threads != "tf" or config in (
                        "parallel", "lean", "keras_adam", "recipe")):
                    continue
                for name in FLAGS.models:
                    if config not in MODEL_CONFIGS[name]:
                        continue
                    if config == "recipe" and (recipe_plan(name, batch_size).threads != threads
                                               or recipe_plan(name, batch_size).precision
                                               != precision):
                        continue
                    out.append((name, config, xla, "synthetic", batch_size, precision))
                    if (FLAGS.mnist and config == "default" and xla == "off"
                            and name not in ("keras_io_vae", "celeba_ae")):
                        out.append((name, config, xla, "mnist", batch_size, precision))
    return out


def measure(threads):
    """Worker: set the thread pools, then time every figure of `specs(threads)` in interleaved
    rounds; a list of figure dicts (samples/s per round) and the load."""
    from zoo.runtime import threads as zoo_threads

    zoo_threads.set_cpu_threads(threads)  # before any TensorFlow op
    datasets = {}
    entries = []
    figure_specs = [spec for batch in FLAGS.batch_sizes for spec in specs(threads, int(batch))]
    for name, config, xla, data_name, batch, precision in figure_specs:
        shape = input_shape(name)
        if (data_name, batch, shape) not in datasets:
            datasets[data_name, batch, shape] = (synthetic(batch, shape)
                                                 if data_name == "synthetic" else mnist(batch))
        model, flops, spe = build(name, xla == "on", FLAGS.spe, config, batch, precision)
        dataset = datasets[data_name, batch, shape]
        # Trace / compile, then calibrate the number of steps of a ~epoch_seconds epoch.
        steps = spe * max(1, int(0.3 / 0.01) // spe) if name not in CONV_MODELS else spe
        model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
        per_step = epoch_seconds(model, dataset, steps) / steps
        steps = max(spe, int(FLAGS.epoch_seconds / per_step) // spe * spe)
        entries.append({"key": (name, config, xla, data_name, batch, precision), "model": model,
                        "flops": flops, "dataset": dataset, "steps": steps, "rates": []})
        print(f"ready [{threads}]: {name} {config} xla={xla} {data_name} batch {batch} "
              f"{precision}: {steps} steps per timed epoch", flush=True)
    if FLAGS.profile:
        import cProfile
        import pstats

        entry = next(e for e in entries if e["key"][0] == FLAGS.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        epoch_seconds(entry["model"], entry["dataset"], entry["steps"])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    if FLAGS.op_profile:
        name, _, precision = FLAGS.op_profile.partition(":")
        entry = next(e for e in entries
                     if e["key"][0] == name and precision in ("", e["key"][5]))
        root = FLAGS.op_profile_dir or tempfile.mkdtemp(prefix="zoo_bench_profile_")
        print(f"op profile: writing into {root}")
        op_profile(entry, os.path.join(root, threads))
    # Interleaved rounds: every figure once per round, so that load drifts of the shared
    # machine hit all of them alike; medians over the rounds.
    for _ in range(FLAGS.repeats):
        for entry in entries:
            seconds = epoch_seconds(entry["model"], entry["dataset"], entry["steps"])
            entry["rates"].append(entry["steps"] * entry["key"][4] / seconds)
    figures = []
    for entry in entries:
        name, config, xla, data_name, batch, precision = entry["key"]
        figures.append({"model": name, "config": config, "xla": xla, "data": data_name,
                        "batch": batch, "precision": precision, "threads": threads,
                        "steps_per_epoch": entry["steps"],
                        "samples_per_s": round(statistics.median(entry["rates"])),
                        "rounds_samples_per_s": [round(r) for r in entry["rates"]],
                        "forward_mflops_per_example": round(entry["flops"] / 1e6, 3)})
    return {"figures": figures, "load": load()}


def op_profile(entry, logdir):
    """Profile one epoch of `entry` into `logdir`; print self time per op type and step."""
    import collections
    import glob

    import tensorflow as tf
    # The converter behind TensorBoard's profile tab (no public API; a benchmark may use it).
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin

    tf.profiler.experimental.start(logdir)
    wall = epoch_seconds(entry["model"], entry["dataset"], entry["steps"]) / entry["steps"]
    tf.profiler.experimental.stop()
    path = max(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True),
               key=os.path.getmtime)
    data, ok = _pywrap_profiler_plugin.xspace_to_tools_data([path], "framework_op_stats")
    if not ok:
        print(f"op profile: could not convert {path}")
        return
    table = json.loads(data)[0]
    columns = [c["id"] for c in table["cols"]]
    self_time = collections.Counter()
    for row in table["rows"]:
        values = dict(zip(columns, (cell["v"] if cell else None for cell in row["c"])))
        if values["type"] != "IDLE":
            self_time[values["type"]] += values["total_self_time"]
    total = sum(self_time.values())
    print(f"op profile of {entry['key']}: {total / entry['steps'] / 1e3:.2f} ms of op self time "
          f"per step (all threads) in {wall * 1e3:.2f} ms of wall time (profiled); trace in "
          f"{logdir}")
    for name, micros in self_time.most_common(12):
        print(f"  {name:32} {micros / entry['steps']:8.1f} us/step {micros / total:6.1%}")


def run_worker(threads):
    """Run `measure(threads)` in a fresh process (thread pools are fixed at TensorFlow's first
    op) with this run's flags; its result dict."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        output = os.path.join(folder, "figures.json")
        passed = [a for a in sys.argv[1:] if not a.startswith(("--json", "--cpu_threads"))]
        subprocess.run([sys.executable, "-m", "bench.train", *passed,
                        f"--worker_threads={threads}", f"--worker_json={output}"], check=True)
        with open(output) as f:
            return json.load(f)


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if FLAGS.worker_threads:
        with open(FLAGS.worker_json, "w") as f:
            json.dump(measure(FLAGS.worker_threads), f)
        return
    from zoo.runtime import cpu

    support = cpu.bf16_matmul_support()
    lacking = ("no: TensorFlow emulates bfloat16 on this CPU, so its bfloat16 figures are not "
               "those of a CPU with the instructions")
    print(f"bfloat16 matrix instructions ({'/'.join(cpu.BF16_CPU_FLAGS)}): "
          f"{'yes' if support else lacking}", flush=True)
    # The rooflines are measured here, in TensorFlow's default pools (every core on one
    # matmul), before, between and after the workers; their medians are the machine's limits.
    rounds = [rooflines()]
    print(f"rooflines (best of {FLAGS.matmul_sizes}): "
          f"{', '.join(f'{k} {v / 1e9:.1f}' for k, v in rounds[0].items())} GFLOP/s "
          f"(load {load()})", flush=True)
    figures, loads = [], {}
    for threads in FLAGS.cpu_threads:
        result = run_worker(threads)
        figures += result["figures"]
        loads[threads] = result["load"]
        rounds.append(rooflines())
    roofline = {k: statistics.median(r[k] for r in rounds) for k in FLAGS.precisions}
    results = {"batch_sizes": [int(b) for b in FLAGS.batch_sizes], "cpu_count": os.cpu_count(),
               "cpu_bf16_matmul_support": support,
               "rooflines": {k: {"matmuls": [f"{n}x{n}" for n in FLAGS.matmul_sizes],
                                 "gflops": round(roofline[k] / 1e9, 1),
                                 "rounds_gflops": [round(r[k] / 1e9, 1) for r in rounds]}
                             for k in FLAGS.precisions},
               "load_after_workers": loads, "figures": figures}
    for k in FLAGS.precisions:
        print(f"roofline {k} (median): {roofline[k] / 1e9:.1f} GFLOP/s, measurements "
              f"{results['rooflines'][k]['rounds_gflops']}")
    print(f"{'model':15} {'config':10} {'xla':4} {'threads':7} {'data':9} {'batch':>5} "
          f"{'precision':14} {'samples/s':>10} {'GFLOP/s':>8} {'of roofline':>11}  samples/s "
          f"per round")
    for figure in figures:
        achieved = 3 * figure["forward_mflops_per_example"] * 1e6 * figure["samples_per_s"]
        own = roofline[figure["precision"]]
        figure["gflops"] = round(achieved / 1e9, 1)
        figure["fraction_of_roofline"] = round(achieved / own, 3)
        print(f"{figure['model']:15} {figure['config']:10} {figure['xla']:4} "
              f"{figure['threads']:7} {figure['data']:9} {figure['batch']:5d} "
              f"{figure['precision']:14} {figure['samples_per_s']:10d} {achieved / 1e9:8.1f} "
              f"{achieved / own:11.1%}  {figure['rounds_samples_per_s']}")
    results["summary"] = rooflines_line(roofline) + summary(figures) + precision_ratios(figures)
    for line in results["summary"]:
        print(line)
    print(json.dumps(results))
    if FLAGS.json:
        with open(FLAGS.json, "w") as f:
            json.dump(results, f, indent=2)


def rooflines_line(roofline):
    """The ratio of the bfloat16 roofline to the float32 one (when both were measured)."""
    if "float32" in roofline and "mixed_bfloat16" in roofline:
        return [f"rooflines: bfloat16 {roofline['mixed_bfloat16'] / 1e9:.1f} / float32 "
                f"{roofline['float32'] / 1e9:.1f} GFLOP/s = "
                f"{roofline['mixed_bfloat16'] / roofline['float32']:.2f}x"]
    return []


def precision_ratios(figures):
    """Per figure measured in both precisions: mixed_bfloat16 samples/s / float32 samples/s."""
    lines = []
    same = ("model", "config", "xla", "threads", "data", "batch")
    for figure in figures:
        if figure["precision"] != "mixed_bfloat16":
            continue
        reference = [f for f in figures if f["precision"] == "float32"
                     and all(f[k] == figure[k] for k in same)]
        if reference:
            base = reference[0]["samples_per_s"]
            lines.append(f"bfloat16 / float32, {figure['model']} {figure['config']} xla "
                         f"{figure['xla']} [{figure['threads']}] {figure['data']} batch "
                         f"{figure['batch']}: {figure['samples_per_s']} / {base} samples/s = "
                         f"{figure['samples_per_s'] / max(base, 1):.2f}x")
    return lines


def summary(figures):
    """Lines on the targets, per batch size (the float32 figures but for the fastest setting and
    the recipe default, in its plan's precision): the recipe default (`zoo.runtime.cpu`'s plan)
    against the fastest setting of its model and the keras.io-style baseline's default fit,
    the MLP's and the conv VAE's fraction of the roofline, the faster XLA setting, and the
    input pipeline."""
    def find(**key):
        found = [f for f in figures if all(f[k] == v for k, v in key.items())]
        return found[0] if found else None

    lines = []
    targets = {"mlp_vae": 0.65, "conv_vae": 0.70}
    for batch in sorted({f["batch"] for f in figures}):
        plain = find(model="keras_io_vae", precision="float32", config="default", xla="off",
                     threads="tf", batch=batch)
        for name in ("mlp_vae", "conv_vae", "celeba_ae", "two_stage_first"):
            own = [f for f in figures if f["model"] == name and f["config"] != "lean"
                   and f["data"] == "synthetic" and f["batch"] == batch]
            recipe = find(model=name, config="recipe", data="synthetic", batch=batch)
            if not own:
                continue
            best = max(own, key=lambda f: f["samples_per_s"])
            lines.append(f"batch {batch}, {name}: fastest {best['samples_per_s']} samples/s "
                         f"({best['config']}, xla {best['xla']}, threads {best['threads']}, "
                         f"{best['precision']}) = "
                         f"{best['fraction_of_roofline']:.1%} of its roofline"
                         + (f" (target {targets[name]:.0%} at batch 128)" if name in targets
                            else ""))
            if recipe:
                lines.append(f"  recipe default ({recipe['threads']} threads, "
                             f"{recipe['precision']}): "
                             f"{recipe['samples_per_s']} samples/s = "
                             f"{recipe['samples_per_s'] / best['samples_per_s']:.0%} of the "
                             f"fastest (target 90%), {recipe['fraction_of_roofline']:.1%} of "
                             f"the roofline")
            if recipe and plain and name == "mlp_vae":
                ratio = recipe["samples_per_s"] / plain["samples_per_s"]
                lines.append(f"  recipe default vs the keras.io-style VAE's default fit "
                             f"({plain['samples_per_s']} samples/s): {ratio:.2f}x (target "
                             f"{'2' if batch <= 20 else '1.5'}x)")
        for name in ("mlp_vae", "conv_vae", "keras_io_vae"):
            off = find(model=name, precision="float32", config="default", xla="off",
                       threads="tf", data="synthetic", batch=batch)
            on = find(model=name, precision="float32", config="default", xla="on",
                      threads="tf", data="synthetic", batch=batch)
            if off and on:
                faster = "off" if off["samples_per_s"] >= on["samples_per_s"] else "on"
                lines.append(f"batch {batch}, {name}: XLA off {off['samples_per_s']}, on "
                             f"{on['samples_per_s']} samples/s (default fit, TensorFlow's "
                             f"threads): faster is {faster}")
            for threads in FLAGS.cpu_threads:
                real = find(model=name, precision="float32", config="default", xla="off",
                            threads=threads, data="mnist", batch=batch)
                fake = find(model=name, precision="float32", config="default", xla="off",
                            threads=threads, data="synthetic", batch=batch)
                if real and fake:
                    lines.append(f"batch {batch}, {name} input [{threads}]: MNIST pipeline "
                                 f"{real['samples_per_s']} vs synthetic "
                                 f"{fake['samples_per_s']} samples/s "
                                 f"({real['samples_per_s'] / fake['samples_per_s']:.0%})")
    return lines


if __name__ == "__main__":
    app.run(main)
