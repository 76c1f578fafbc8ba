r"""Quickstart: train VAE+ (AE, skip VAE, second stage) on scikit-learn's bundled digits.

    python -m tools.quickstart --workdir=runs/quickstart

Needs no download: the 8 x 8 digits ship with scikit-learn (1,500 train / 297 test images).
Its run time, measured, is on the documentation's Performance page. Writes into --workdir:

    samples.png           100 samples (u ~ N(0, I) -> z -> code -> image), enlarged 4x
    reconstructions.png   test digits (odd rows) above their reconstructions (even rows)
    metrics.json          test reconstruction error, gamma per stage, active dims, wall time
    tensorboard/          loss terms per stage (tensorboard --logdir <workdir>/tensorboard)
    checkpoints/, backup/ per-stage weights; re-running resumes instead of starting over
    saved_model/<n>/      the trained model as a SavedModel (zoo.load / TF Serving)
    config.json           the settings; a rerun with other ones is refused (--restart: start over)

A finished workdir rerun with the same settings loads the model, redraws the figures and keeps
metrics.json's wall time and the exported version. `--checkpoint_every`, `--lr_retry` and the
strategy flags may change between runs; every other flag is compared (`zoo.experiment.reuse`).
"""

import os
import sys
import time

from absl import app, flags

from zoo.runtime import cpu, strategies

FLAGS = flags.FLAGS
strategies.define_flags()  # --strategy, --tpu, --mixed_precision, --cpu_threads
flags.DEFINE_string("workdir", "runs/quickstart", "Output folder.")
flags.DEFINE_string("data", "sklearn:digits", "Data spec (see zoo.data); 8 x 8 x 1 by default.")
flags.DEFINE_integer("seed", 0, "Seed of weights, shuffling and samples.")
flags.DEFINE_integer("code_dim", 16, "AE code size.")
flags.DEFINE_integer("latent_dim", 16, "Latent size kappa of the skip VAE and the second stage.")
flags.DEFINE_integer("units", 256, "Width of the dense layers.")
flags.DEFINE_list("epochs", ["100", "200", "150"], "Epochs of stages 0 (AE), 1 and 2.")
flags.DEFINE_float("learning_rate", 3e-3, "Adam learning rate of every stage.")
flags.DEFINE_integer("batch_size", 64, "Batch size.")
flags.DEFINE_integer("checkpoint_every", 0, "Steps between resumable backups (0: every epoch); "
                     "a kill loses at most this much work.")
flags.DEFINE_bool("restart", False, "Move the workdir's contents aside (into "
                  "<workdir>.replaced-<time>/) and start over; a rerun with other settings "
                  "than its config.json is refused otherwise.")
flags.DEFINE_float("lr_retry", 0.0, "On divergence, restore the last backup and retry with the "
                   "learning rate times this factor (0: off; stop with an error).")


def build_model(input_shape):
    from zoo import builders
    ae = builders.mlp_ae(input_shape, latent_dim=FLAGS.code_dim, units=FLAGS.units,
                         encoder_depth=3, decoder_blocks=2)
    return builders.vae_plus(ae, latent_dim=FLAGS.latent_dim, units=FLAGS.units)


SETTINGS = ("data", "seed", "code_dim", "latent_dim", "units", "epochs", "learning_rate",
            "batch_size")  # the flags recorded in config.json and compared on a rerun


def parse_epochs(values):
    """--epochs as {stage: count}; UsageError naming the flag and the value otherwise."""
    expected = ("--epochs needs 3 comma-separated values, whole numbers >= 0: the epochs of "
                "stages 0 (AE), 1 (skip VAE) and 2 (second stage), e.g. --epochs=100,200,150")
    if len(values) != 3:
        raise app.UsageError(f"{expected}; got {','.join(values)!r} ({len(values)} values)")
    for value in values:
        if not value.strip().isdigit():
            raise app.UsageError(f"{expected}; got {value!r} in --epochs={','.join(values)}")
    return {stage: int(value) for stage, value in zip((0, 1, 2), values, strict=True)}


def check_flags():
    """ValueError (naming the flag and its value) for settings the run cannot use."""
    from zoo import data
    from zoo.experiment import process
    from zoo.training import checks

    process.check_workdir(FLAGS.workdir)
    for name in ("code_dim", "latent_dim", "units"):
        checks.check_count(f"--{name}", FLAGS[name].value, minimum=1)
    checks.check_count("--seed", FLAGS.seed)
    checks.check_positive("--learning_rate", FLAGS.learning_rate)
    data.check_available(FLAGS.data)
    checks.check_batch_size(FLAGS.batch_size, data.info(FLAGS.data).splits["train"])


def main(argv):
    del argv
    import keras
    import numpy as np

    from zoo import data, experiment, files, metrics, plots, training
    from zoo.experiment import reuse

    files.exit_cleanly_on_disk_full()  # h5py can crash the shutdown after a failed write
    epochs = parse_epochs(FLAGS.epochs)
    # First (the thread pools are fixed, and multiworker must start, before any TF op); the
    # networks are MLPs: zoo.runtime.cpu's plan for dense networks.
    strategy = strategies.from_flags(workload="dense", batch_size=FLAGS.batch_size)
    print(f"quickstart: CPU plan: {cpu.active_plan().describe()}", flush=True)
    print("quickstart: stage 0 trains the AE (loss: squared error per image); stages 1 and 2 "
          "train VAEs with a learnable decoder variance gamma, whose loss is a negative log "
          "density of continuous pixels: it falls below zero as gamma shrinks, as expected.",
          flush=True)
    check_flags()  # before anything is written: a stopped run records nothing
    workdir = strategies.worker_dir(FLAGS.workdir, strategy)  # non-chief: a temporary folder
    start = time.time()
    reuse.record({**{name: FLAGS[name].value for name in SETTINGS}, "workdir": workdir,
                  "command": " ".join(["python -m tools.quickstart", *sys.argv[1:]])},
                 restart=FLAGS.restart)
    keras.utils.set_random_seed(FLAGS.seed)
    train = lambda: data.load(FLAGS.data, "train", batch_size=FLAGS.batch_size,  # noqa: E731
                              shuffle=True, seed=FLAGS.seed)
    x_test, _ = data.load_numpy(FLAGS.data, "test")
    with strategy.scope():  # model, optimizer and metrics
        model = build_model(x_test.shape[1:])
        trained = training.train(model, train, workdir, epochs=epochs,
                                 learning_rate=FLAGS.learning_rate, verbose="stage",
                                 save_freq=FLAGS.checkpoint_every or "epoch",
                                 lr_retry_factor=FLAGS.lr_retry, held_out=x_test)

    reconstructions = model.reconstruct(x_test).numpy()
    plots.save_image_grid(model.sample(100, seed=FLAGS.seed).numpy(),
                          os.path.join(workdir, "samples.png"), columns=10, scale=4)
    pairs = np.stack([x_test[:50].reshape(5, 10, *x_test.shape[1:]),
                      reconstructions[:50].reshape(5, 10, *x_test.shape[1:])], axis=1)
    plots.save_image_grid(pairs.reshape(100, *x_test.shape[1:]),
                          os.path.join(workdir, "reconstructions.png"), columns=10, scale=4)
    results = {
        "data": FLAGS.data,
        "test_reconstruction_error": metrics.reconstruction_error(model, x_test),
        "ae_test_reconstruction_error": metrics.reconstruction_error(model.ae, x_test),
        # Named as in the export's metadata: the sub-models `first` and `second`.
        "gamma": {name: float(gamma) for name, gamma in model.decoder_variances().items()},
        "active_dims": {"first_z": metrics.active_units(model, x_test),
                        "of": FLAGS.latent_dim, "data": "test set, ddof 0, threshold 0.01"},
        "wall_time_seconds": round(time.time() - start, 1),
    }
    metrics_path = os.path.join(workdir, "metrics.json")
    if all(history is None for history in trained.values()) and os.path.exists(metrics_path):
        # Nothing was trained: keep the wall time of the run that trained the model.
        results["wall_time_seconds"] = files.read_json(metrics_path).get("wall_time_seconds")
    files.write_json(metrics_path, results)
    experiment.export_once(model, workdir, metadata={
        "preprocessing": f"{FLAGS.data}, float32 in [0, 1]", "metrics": results})
    strategies.remove_worker_dir(workdir, FLAGS.workdir)
    print(f"wrote {FLAGS.workdir}: samples.png, reconstructions.png, metrics.json, "
          f"saved_model/; {results}")


if __name__ == "__main__":
    app.run(main)
