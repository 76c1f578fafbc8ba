r"""Numerics under bfloat16: the same MNIST training in float32 and in mixed_bfloat16.

    python -m bench.precision --out=results/precision          # the committed run, ~40 min
    python -m bench.precision --models=two_stage_first --epochs=2   # a minute

The defaults are a short budget that fits the 2-core machine without bfloat16 instructions
(where bfloat16 is emulated, ~5x slower than float32): 6 epochs of the first 6,000 MNIST
training images at batch 32 (1,125 steps), Adam 1e-3, gamma_init 0.1, seed 0. The papers'
runs are 100x longer; the comparison says whether bfloat16 rounding changes the trajectory
of these models, not what they reach at convergence.

For each model (`--models`): the VAE-OOD conv VAE (`zoo.builders.conv_vae`, latent 64) and the
two-stage VAE's first stage (`zoo.builders.infogan_vae` at width 0.25, the width of the
published two-stage runs, `tools.publish.runs`), trained twice from the same seed, the same
initial weights and the same batch order, once under the Keras policy float32 and once under
mixed_bfloat16 (`zoo.runtime.cpu`: the hidden layers compute in bfloat16; the networks' output
layers, gamma, the KL and the loss in float32, `zoo.networks._dtypes`). After every epoch it
records, on the first `--test_images` MNIST test images:

```none
rec    reconstruction error (zoo.metrics.reconstruction_error: squared error summed over
       pixels, mean over images), decoding the posterior mean, evaluated in the run's policy
gamma  the decoder variance
au     active units (zoo.metrics.active_units, threshold 0.01)
```

and prints whether the bfloat16 run's final values meet the targets of the precision work:
rec within 3% and gamma within 10% of the float32 run's, active units within 2. Writes
`results.json` (config, per-epoch curves, the checks, wall times and the load) and
`curves.png` into `--out`.

On a CPU without bfloat16 instructions (`zoo.runtime.cpu.bf16_matmul_support()` False)
TensorFlow emulates bfloat16 matmuls and convolutions: the numbers are the same as on a bf16
Xeon up to kernel summation order, the wall times are not a speed measurement.
"""

import json
import os
import time

from absl import app, flags

from zoo.data import locations

FLAGS = flags.FLAGS
MODELS = ("conv_vae", "two_stage_first")
flags.DEFINE_list("models", list(MODELS), "Models to train (conv_vae, two_stage_first).")
flags.DEFINE_list("policies", ["float32", "mixed_bfloat16"], "Keras dtype policies; the "
                  "first is the reference of the checks.")
flags.DEFINE_integer("epochs", 6, "Training epochs of every run.")
flags.DEFINE_integer("train_images", 6000, "The first N MNIST training images.")
flags.DEFINE_integer("test_images", 2000, "The first N MNIST test images, for the curves.")
flags.DEFINE_integer("batch_size", 32, "Training batch.")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate.")
flags.DEFINE_float("gamma_init", 0.1, "Initial gamma: near the first epochs' mean squared "
                  "error per pixel, so that gamma follows the reconstruction error down "
                  "within the budget (Adam moves log gamma by at most ~lr per step).")
flags.DEFINE_integer("seed", 0, "Seed of the weights, the noise and the batch order.")
flags.DEFINE_string("data", locations.idx_spec("mnist"), "zoo.data spec of MNIST (default: "
                    "$ZOO_MNIST_DIR, else ../shared/data/mnist).")
flags.DEFINE_string("out", None, "Folder for results.json and curves.png (none: print only).")

# The targets of the precision work: the bfloat16 run against the float32 run.
REC_TOLERANCE, GAMMA_TOLERANCE, AU_TOLERANCE = 0.03, 0.10, 2


def build(name):
    from zoo import builders

    if name == "conv_vae":
        return builders.conv_vae(latent_dim=64, gamma_init=FLAGS.gamma_init)
    if name == "two_stage_first":
        return builders.infogan_vae(latent_dim=64, width=0.25, gamma_init=FLAGS.gamma_init)
    raise ValueError(f"--models: unknown model {name!r}; choose from {MODELS}")


def run(name, policy, train, test):
    """Train `name` under `policy`; its per-epoch curves and wall time."""
    import keras
    import tensorflow as tf

    from zoo.metrics import active_units, reconstruction_error
    from zoo.training.optimizers import FusedAdam

    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(FLAGS.seed)
    model = build(name)
    model.compile(optimizer=FusedAdam(FLAGS.learning_rate), steps_per_execution=50)
    dataset = (tf.data.Dataset.from_tensor_slices(train)
               .shuffle(len(train), seed=FLAGS.seed, reshuffle_each_iteration=True)
               .batch(FLAGS.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    curves = {"epoch": [], "loss": [], "rec": [], "gamma": [], "au": []}
    start = time.time()
    for epoch in range(1, FLAGS.epochs + 1):
        history = model.fit(dataset, epochs=epoch, initial_epoch=epoch - 1, verbose=0)
        curves["epoch"].append(epoch)
        curves["loss"].append(float(history.history["loss"][-1]))
        curves["rec"].append(reconstruction_error(model, test))
        curves["gamma"].append(float(model.gamma))
        curves["au"].append(active_units(model, test))
        print(f"{name} {policy} epoch {epoch}: loss {curves['loss'][-1]:.2f} rec "
              f"{curves['rec'][-1]:.3f} gamma {curves['gamma'][-1]:.5f} au {curves['au'][-1]} "
              f"({time.time() - start:.0f} s, load {load()})", flush=True)
    compute = model.encoder.get_layer("head").input.dtype
    keras.mixed_precision.set_global_policy("float32")
    return {"curves": curves, "seconds": round(time.time() - start),
            "hidden_compute_dtype": str(getattr(compute, "name", compute))}


def checks(reference, other):
    """The targets: final rec within 3%, gamma within 10%, active units within 2."""
    a, b = reference["curves"], other["curves"]
    rec = abs(b["rec"][-1] - a["rec"][-1]) / a["rec"][-1]
    gamma = abs(b["gamma"][-1] - a["gamma"][-1]) / a["gamma"][-1]
    au = abs(b["au"][-1] - a["au"][-1])
    return {"rec_relative_difference": round(rec, 4), "rec_ok": rec <= REC_TOLERANCE,
            "gamma_relative_difference": round(gamma, 4), "gamma_ok": gamma <= GAMMA_TOLERANCE,
            "au_difference": int(au), "au_ok": au <= AU_TOLERANCE}


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from zoo.files import atomic_path

    names = list(results["runs"])
    figure, axes = plt.subplots(len(names), 3, figsize=(12, 3.2 * len(names)), squeeze=False)
    for row, name in enumerate(names):
        for column, (key, label) in enumerate((("rec", "test reconstruction error"),
                                               ("gamma", "gamma"), ("au", "active units"))):
            axis = axes[row][column]
            for policy, run_ in results["runs"][name].items():
                axis.plot(run_["curves"]["epoch"], run_["curves"][key], marker="o", label=policy)
            axis.set_title(f"{name}: {label}")
            axis.set_xlabel("epoch")
            if key == "gamma":
                axis.set_yscale("log")
            axis.legend()
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=80)
    plt.close(figure)


def load():
    return [round(x, 2) for x in os.getloadavg()]


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from zoo import data, files
    from zoo.runtime import cpu

    train, _ = data.load_numpy(FLAGS.data, "train")
    test, _ = data.load_numpy(FLAGS.data, "test")
    train, test = train[:FLAGS.train_images], test[:FLAGS.test_images]
    support = cpu.bf16_matmul_support()
    print(f"bfloat16 matrix instructions on this CPU: {'yes' if support else 'no (emulated)'}",
          flush=True)
    results = {"config": {key: FLAGS[key].value for key in (
                   "models", "policies", "epochs", "train_images", "test_images", "batch_size",
                   "learning_rate", "gamma_init", "seed")},
               "cpu_bf16_matmul_support": support, "cpu_count": os.cpu_count(),
               "load_before": load(), "runs": {}, "checks": {}}
    for name in FLAGS.models:
        results["runs"][name] = {p: run(name, p, train, test) for p in FLAGS.policies}
        reference = results["runs"][name][FLAGS.policies[0]]
        for policy in FLAGS.policies[1:]:
            found = checks(reference, results["runs"][name][policy])
            results["checks"][f"{name} {policy}"] = found
            print(f"{name} {policy} vs {FLAGS.policies[0]}: {found}", flush=True)
        results["load_after"] = load()
        if FLAGS.out:  # after every model: a long run stopped later keeps what it finished
            os.makedirs(FLAGS.out, exist_ok=True)
            files.write_json(os.path.join(FLAGS.out, "results.json"), results)
            plot(results, os.path.join(FLAGS.out, "curves.png"))
            print(f"wrote {FLAGS.out}/results.json and curves.png", flush=True)
    print(json.dumps(results["checks"]))


if __name__ == "__main__":
    app.run(main)
