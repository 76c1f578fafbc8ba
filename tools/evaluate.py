r"""Evaluate a trained model with the papers' metrics; print a table and write results JSON.

    python -m tools.evaluate --model=PATH.keras --data=idx:../shared/data/mnist \
        --metrics=rec,nll,bpd,au,ndb,fd_mnist --output=results.json

`--model` is a `.keras` file of a zoo model or an exported SavedModel folder (`zoo.load`).
Metrics (`zoo.experiment.evaluation.evaluate`; definitions and conventions in `zoo.metrics`):

  rec       reconstruction error, ||x - x_hat||^2 summed over pixels, mean over images
  nll, bpd  IWAE -log p(x) with K = --num_samples (nats) and bits per dim with the data's
            scaling (`zoo.data.info`). For SavedModels: the export's own `score` signature,
            whose K was fixed at export (reported).
  au        active units (Burda et al., threshold 0.01, ddof 0) on the evaluated images
  kl        per-dimension KL, sorted (VAE-OOD Figure 4)
  mmd       IMQ MMD between q(z) samples and N(0, I), n = min(2000, images)
  ndb       NDB / K with K = --ndb_bins: bins on --ndb_train training images, --num_generated
            samples against them; the evaluated split gives the real-data reference level
  fd_mnist  Frechet distance in the project's MNIST classifier features (not FID)
  fid       FID (2015 Inception pool_3, `zoo.metrics.fid`; needs the fid extra, or the frozen
            graph via --inception_graph / $ZOO_INCEPTION_GRAPH): --num_generated samples
            against the statistics of the training split (--fid_train of it; 0: all), cached;
            --fid_reference=test --normalize_samples --fid_train=10000 --num_generated=10000
            is the two-stage reference code's protocol (shuffled test images, each sample
            min-max normalised)

The results JSON holds every value, the flags and the conventions used.
"""

import json
import os
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "A .keras file or an exported SavedModel folder.")
flags.DEFINE_string("data", None, "Data spec (zoo.data), e.g. idx:../shared/data/mnist.")
flags.DEFINE_list("metrics", ["rec", "nll", "bpd", "au"], "Metrics to compute.")
flags.DEFINE_string("output", None, "Where to write the results JSON (optional).")
flags.DEFINE_string("split", "test", "Split to evaluate.")
flags.DEFINE_integer("num_images", 0,
                     "Evaluate a seeded random N images of the split (0: all; never the first "
                     "N: MNIST's test set is ordered).")
flags.DEFINE_boolean("dequantize", False,
                     "The data convention the model was trained with ((x + u) / 256 if set, "
                     "else the source's default); fixes the BPD constant.")
flags.DEFINE_integer("num_samples", 5000, "K of the IWAE estimate.")
flags.DEFINE_integer("num_generated", 10000, "Generated samples for ndb / fd_mnist / fid.")
flags.DEFINE_integer("ndb_bins", 100, "K of NDB.")
flags.DEFINE_integer("ndb_train", 50000, "Training images the NDB bins are fitted on.")
flags.DEFINE_integer("fid_train", 0,
                     "Images (a seeded random subset of the --fid_reference split) whose "
                     "statistics fid compares with; 0: the whole split.")
flags.DEFINE_enum("fid_reference", "train", ["train", "test"],
                  "The split behind fid's statistics: train, or test (the data's held-out "
                  "split, the two-stage reference code's).")
flags.DEFINE_boolean("normalize_samples", False,
                     "Min-max normalise each sample before fid (the two-stage reference "
                     "code's).")
flags.DEFINE_string("inception_graph", None,
                    "The frozen classify_image_graph_def.pb to run for fid instead of the "
                    "Keras port of the same network.")
flags.DEFINE_integer("seed", 0, "Seed of sampling and of the estimators.")
flags.mark_flags_as_required(["model", "data"])

def format_table(results):
    lines = [f"{'metric':<10} {'value':>14}  convention", "-" * 72]
    for name, entry in results.items():
        value = entry["value"]
        shown = (f"{value:14.4f}" if isinstance(value, float)
                 else f"{value:>14}" if isinstance(value, int) else f"{'[list]':>14}")
        lines.append(f"{name:<10} {shown}  {entry['convention']}")
        if "first_stage_value" in entry:  # a two-stage export's score, prior N(0, I)
            lines.append(f"{'  stage 1':<10} {entry['first_stage_value']:14.4f}  the same "
                         "importance samples with the first stage's prior N(0, I)")
    return "\n".join(lines)


def main(argv):
    del argv
    from zoo import data, experiment
    from zoo.experiment import evaluation

    start = time.time()
    flag_values = {name: FLAGS[name].value for name in (
        "model", "data", "metrics", "output", "split", "num_images", "dequantize",
        "num_samples", "num_generated", "ndb_bins", "ndb_train", "fid_train", "inception_graph",
        "fid_reference", "normalize_samples", "seed")}
    model, kind = evaluation.load_model(FLAGS.model)
    images, _ = data.load_numpy(FLAGS.data, FLAGS.split, dequantize=FLAGS.dequantize)
    if FLAGS.num_images:
        images = experiment.held_out(images, FLAGS.num_images, FLAGS.seed)
    scaling = data.info(FLAGS.data, dequantize=FLAGS.dequantize).scaling
    results = evaluation.evaluate(
        model, kind, images, FLAGS.metrics, data_spec=FLAGS.data, scaling=scaling,
        split=FLAGS.split, dequantize=FLAGS.dequantize, seed=FLAGS.seed,
        num_samples=FLAGS.num_samples, num_generated=FLAGS.num_generated,
        ndb_bins=FLAGS.ndb_bins, ndb_train=FLAGS.ndb_train, fid_train=FLAGS.fid_train,
        inception_graph=FLAGS.inception_graph, fid_reference=FLAGS.fid_reference,
        normalize_samples=FLAGS.normalize_samples)
    print(format_table(results))
    if FLAGS.output:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
        with open(FLAGS.output, "w") as f:
            json.dump({"results": results, "flags": flag_values, "model_kind": kind,
                       "num_images": int(len(images)), "scaling": str(scaling),
                       "seconds": round(time.time() - start, 1)}, f, indent=2)


if __name__ == "__main__":
    app.run(main)
