"""Evaluate a trained model with the papers' metrics; print a table and write results JSON.

    python -m recipes.evaluate --model=PATH.keras --data=idx:/work/shared/data/mnist \
        --metrics=rec,nll,bpd,au,ndb,fd_mnist --output=results.json

`--model` is a `.keras` file of a zoo model or an exported SavedModel folder (`zoo.load`).
Metrics (definitions and conventions in `zoo.metrics`):

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
  fid       FID with the 2015 Inception graph (--inception_graph or $ZOO_INCEPTION_GRAPH)

The results JSON holds every value, the flags and the conventions used.
"""

import json
import os
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "A .keras file or an exported SavedModel folder.")
flags.DEFINE_string("data", None, "Data spec (zoo.data), e.g. idx:/work/shared/data/mnist.")
flags.DEFINE_list("metrics", ["rec", "nll", "bpd", "au"], "Metrics to compute.")
flags.DEFINE_string("output", None, "Where to write the results JSON (optional).")
flags.DEFINE_string("split", "test", "Split to evaluate.")
flags.DEFINE_integer("num_images", 0, "Evaluate only the first N images of the split (0: all).")
flags.DEFINE_boolean("dequantize", False,
                     "The data convention the model was trained with ((x + u) / 256 if set, "
                     "else the source's default); fixes the BPD constant.")
flags.DEFINE_integer("num_samples", 5000, "K of the IWAE estimate.")
flags.DEFINE_integer("num_generated", 10000, "Generated samples for ndb / fd_mnist / fid.")
flags.DEFINE_integer("ndb_bins", 100, "K of NDB.")
flags.DEFINE_integer("ndb_train", 50000, "Training images the NDB bins are fitted on.")
flags.DEFINE_string("inception_graph", None, "classify_image_graph_def.pb for fid.")
flags.DEFINE_integer("seed", 0, "Seed of sampling and of the estimators.")
flags.mark_flags_as_required(["model", "data"])

METRICS = ("rec", "nll", "bpd", "au", "kl", "mmd", "ndb", "fd_mnist", "fid")


class ExportedAdapter:
    """A loaded SavedModel (`zoo.load`) with the attributes the metrics use.

    Calls the raw signatures, so it works inside `tf.function`. Its outputs are clipped to
    [0, 1] by the export (reconstructions and samples).
    """

    def __init__(self, exported):
        self.exported = exported
        self.signatures = exported.signatures
        self.latent_dim = int(exported.metadata["latent_dim"])
        self.input_shape_ = tuple(exported.metadata["input_shape"])

    def encode(self, x):
        out = self.signatures["encode"](images=x)
        return (out["z_mean"], out["z_log_scale"]) if "z_mean" in out else out["z"]

    def reconstruct(self, x):
        return self.signatures["reconstruct"](images=x)["images"]

    def sample(self, num_samples, seed=0):
        return self.exported.sample(num_samples, seed)


def load_model(path):
    """(model, kind): a zoo Keras model from a .keras file, or an `ExportedAdapter`."""
    if path.endswith(".keras"):
        import keras

        import zoo  # noqa: F401  (registers the zoo classes for deserialisation)
        return keras.saving.load_model(path, compile=False), "keras"
    import zoo

    return ExportedAdapter(zoo.load(path)), "saved_model"


def generate(model, num, seed, batch_size=1000):
    """`num` model samples in [0, 1], drawn in batches with seeds seed, seed + 1, ..."""
    import numpy as np

    parts = [np.asarray(model.sample(min(batch_size, num - start), seed=seed + i))
             for i, start in enumerate(range(0, num, batch_size))]
    return np.clip(np.concatenate(parts), 0.0, 1.0)


def evaluate(model, kind, images, names, data_spec, scaling, flag_values):
    """Metric name -> {"value": ..., "convention": ...} for the requested metrics."""
    import numpy as np

    from zoo import data, metrics

    unknown = sorted(set(names) - set(METRICS))
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {list(METRICS)}")
    num_dims = int(np.prod(images.shape[1:]))
    seed = flag_values["seed"]
    results = {}
    samples = None

    def generated():
        nonlocal samples
        if samples is None:
            samples = generate(model, flag_values["num_generated"], seed)
        return samples

    if "rec" in names:
        results["rec"] = {"value": metrics.reconstruction_error(model, images),
                          "convention": "sum over pixels, mean over images"}
    if "nll" in names or "bpd" in names:
        if kind == "keras":
            k = flag_values["num_samples"]
            nll = -metrics.iwae_log_likelihood(model, images, num_samples=k, seed=seed)
        else:
            k = model.exported.metadata["score"]["num_importance_samples"]
            nll = np.concatenate([model.exported.score(images[i:i + 500])["nll"]
                                  for i in range(0, len(images), 500)])
        if "nll" in names:
            results["nll"] = {"value": float(np.mean(nll)),
                              "convention": f"IWAE K={k}, nats of the [0, 1]-scaled data"}
        if "bpd" in names:
            results["bpd"] = {"value": float(np.mean(metrics.bits_per_dim(nll, num_dims,
                                                                          scaling))),
                              "convention": f"IWAE K={k}, {scaling}"}
    if "au" in names:
        results["au"] = {"value": metrics.active_units(model, images),
                         "convention": f"threshold 0.01, ddof 0, {len(images)} "
                                       f"{flag_values['split']} images"}
    if "kl" in names:
        results["kl"] = {"value": metrics.kl_per_dimension(model, images).tolist(),
                         "convention": "per-dimension KL, mean over images, sorted"}
    if "mmd" in names:
        n = min(2000, len(images))
        results["mmd"] = {"value": metrics.mmd_to_prior(model, images, num_samples=n,
                                                        seed=seed),
                          "convention": f"IMQ 7 scales, unbiased, n={n}, z ~ q(z|x) samples"}
    if "ndb" in names:
        train, _ = data.load_numpy(data_spec, "train", dequantize=flag_values["dequantize"])
        train = train[:flag_values["ndb_train"]]
        out = metrics.ndb(train, generated(), test_samples=images,
                          num_bins=flag_values["ndb_bins"], seed=seed)
        results["ndb"] = {"value": out["ndb_over_k"], "test_value": out["test_ndb_over_k"],
                          "convention": f"K={out['num_bins']}, {len(train)} train vs "
                                        f"{len(generated())} generated; {len(images)} "
                                        f"held-out real: {out['test_ndb_over_k']:.3f}"}
    if "fd_mnist" in names:
        results["fd_mnist"] = {"value": metrics.fd_mnist_classifier(generated(), images),
                               "convention": f"MNIST classifier features (not FID), "
                                             f"{len(generated())} generated vs {len(images)} "
                                             "real"}
    if "fid" in names:
        n = min(len(images), len(generated()))
        results["fid"] = {"value": metrics.fid(generated()[:n], images[:n],
                                               inception_path=flag_values["inception_graph"],
                                               num_images=n),
                          "convention": f"2015 Inception pool_3, {n} vs {n}"}
    return results


def format_table(results):
    lines = [f"{'metric':<10} {'value':>14}  convention", "-" * 72]
    for name, entry in results.items():
        value = entry["value"]
        shown = (f"{value:14.4f}" if isinstance(value, float)
                 else f"{value:>14}" if isinstance(value, int) else f"{'[list]':>14}")
        lines.append(f"{name:<10} {shown}  {entry['convention']}")
    return "\n".join(lines)


def main(argv):
    del argv
    from zoo import data

    start = time.time()
    flag_values = {name: FLAGS[name].value for name in (
        "model", "data", "metrics", "output", "split", "num_images", "dequantize",
        "num_samples", "num_generated", "ndb_bins", "ndb_train", "inception_graph", "seed")}
    model, kind = load_model(FLAGS.model)
    images, _ = data.load_numpy(FLAGS.data, FLAGS.split, dequantize=FLAGS.dequantize)
    if FLAGS.num_images:
        images = images[:FLAGS.num_images]
    scaling = data.info(FLAGS.data, dequantize=FLAGS.dequantize).scaling
    results = evaluate(model, kind, images, FLAGS.metrics, FLAGS.data, scaling, flag_values)
    print(format_table(results))
    if FLAGS.output:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
        with open(FLAGS.output, "w") as f:
            json.dump({"results": results, "flags": flag_values, "model_kind": kind,
                       "num_images": int(len(images)), "scaling": str(scaling),
                       "seconds": round(time.time() - start, 1)}, f, indent=2)


if __name__ == "__main__":
    app.run(main)
