"""The papers' metrics for a trained model, whether a Keras model or an exported SavedModel.

`evaluate` computes any of `METRICS` with the conventions of `zoo.metrics` and returns
{name: {"value": ..., "convention": ...}}; `load_model` opens a `.keras` file or a SavedModel
folder (`ExportedAdapter`: the attributes the metrics use, on the raw signatures). Used by
`python -m recipes.evaluate` and by the SavedModel publishing recipe.
"""

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
    import zoo  # also registers the zoo classes for deserialisation

    if path.endswith(".keras"):
        import os
        import zipfile

        import keras

        if not os.path.isfile(path):
            raise FileNotFoundError(f"no .keras file at {path}")
        if not zipfile.is_zipfile(path):
            raise ValueError(f"{path} is not a .keras file (a .keras file is a zip archive "
                             f"written by model.save); it is truncated, corrupt or another "
                             f"format")
        return keras.saving.load_model(path, compile=False), "keras"
    return ExportedAdapter(zoo.load(path)), "saved_model"


def generate(model, num, seed, batch_size=1000):
    """`num` model samples in [0, 1], drawn in batches with seeds seed, seed + 1, ..."""
    import numpy as np

    parts = [np.asarray(model.sample(min(batch_size, num - start), seed=seed + i))
             for i, start in enumerate(range(0, num, batch_size))]
    return np.clip(np.concatenate(parts), 0.0, 1.0)


def inception_graph(path=""):
    """The user's frozen 2015 Inception graph (`path`, else $ZOO_INCEPTION_GRAPH), or None: FID
    then uses the Keras port (`zoo.metrics.fid`)."""
    import os

    return path or os.environ.get("ZOO_INCEPTION_GRAPH") or None


def has_digit_images(data_spec, image_shape):
    """Whether FD-MNIST (`zoo.metrics.fd_mnist_classifier`, the features of an MNIST digit
    classifier) says something about `data_spec`'s images: 28 x 28 x 1 and not Fashion-MNIST
    (`tfds:fashion_mnist`, or an `idx:` folder recognised as it by its checksums)."""
    from zoo.data import idx

    if tuple(image_shape) != (28, 28, 1):
        return False
    return not (data_spec.startswith("tfds:fashion_mnist")
                or idx.identify_spec(data_spec) == "fashion_mnist")


def fid_reference(data_spec, count=0, inception_path=None):
    """FID's reference in the recipes: the Inception (mu, sigma) of `count` training images (0:
    all; `training_fid_statistics`, cached), or None when FID cannot be computed here (no
    graph, and neither the Keras port's converted weights nor the `fid` extra to convert
    them)."""
    from zoo.metrics import fid_weights

    if not inception_path and not fid_weights.available():
        return None
    return training_fid_statistics(data_spec, count, 0, inception_path)[0]


def training_fid_statistics(data_spec, count=0, seed=0, inception_path=None):
    """Inception (mu, sigma) of the training split (a seeded random `count` of it; 0: all), the
    reference of FID in the recipes; cached by `zoo.metrics.cached_statistics`."""
    from zoo import data, experiment, metrics

    train, _ = data.load_numpy(data_spec, "train")
    if count:
        train = experiment.held_out(train, count, seed)
    return metrics.cached_statistics(train, inception_path=inception_path), len(train)


def evaluate(model, kind, images, names, *, data_spec, scaling=None, split="test",
             dequantize=False, seed=0, num_samples=5000, num_generated=10000, ndb_bins=100,
             ndb_train=50000, fid_train=0, inception_graph=None):
    """Metric name -> {"value": ..., "convention": ...} for the requested metrics.

    Args:
      model, kind: as returned by `load_model` ("keras" or "saved_model").
      images: the evaluated images (`split` of `data_spec`, loaded with `dequantize`).
      names: metrics, a subset of `METRICS` (see `recipes/evaluate.py` for their meaning).
      data_spec: the `zoo.data` spec of `images`; ndb bins its training images.
      scaling: the data's `zoo.data` scaling (bits per dim); default: that of `data_spec`.
      split: the name of the evaluated split, for the conventions.
      dequantize: whether `images` (and ndb's training images) are (x + u) / L.
      seed: seed of sampling and of the estimators.
      num_samples: K of the IWAE estimate (Keras models; a SavedModel's K is its export's).
      num_generated: model samples for ndb, fd_mnist and fid.
      ndb_bins, ndb_train: K of NDB and the number of training images it bins.
      fid_train: training images behind fid's reference statistics (a seeded random subset;
        0: all of them); the papers' FID compares samples with the training set's statistics.
      inception_graph: classify_image_graph_def.pb for fid (else the Keras port of that
        network, `zoo.metrics.fid`).
    """
    import numpy as np

    from zoo import data, experiment, metrics

    unknown = sorted(set(names) - set(METRICS))
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {list(METRICS)}")
    if scaling is None:
        scaling = data.info(data_spec, dequantize=dequantize).scaling
    num_dims = int(np.prod(images.shape[1:]))
    results = {}
    samples = None

    def generated():
        nonlocal samples
        if samples is None:
            samples = generate(model, num_generated, seed)
        return samples

    if "rec" in names:
        results["rec"] = {"value": metrics.reconstruction_error(model, images),
                          "convention": "sum over pixels, mean over images"}
    if "nll" in names or "bpd" in names:
        if kind == "keras":
            k = num_samples
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
                                       f"{split} images"}
    if "kl" in names:
        results["kl"] = {"value": metrics.kl_per_dimension(model, images).tolist(),
                         "convention": "per-dimension KL, mean over images, sorted"}
    if "mmd" in names:
        n = min(2000, len(images))
        results["mmd"] = {"value": metrics.mmd_to_prior(model, images, num_samples=n,
                                                        seed=seed),
                          "convention": f"IMQ 7 scales, unbiased, n={n}, z ~ q(z|x) samples"}
    if "ndb" in names:
        train, _ = data.load_numpy(data_spec, "train", dequantize=dequantize)
        train = experiment.held_out(train, ndb_train, seed)
        out = metrics.ndb(train, generated(), test_samples=images,
                          num_bins=ndb_bins, seed=seed)
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
        graph = inception_graph
        reference, count = training_fid_statistics(data_spec, fid_train, seed, graph)
        n = len(generated())
        results["fid"] = {"value": metrics.fid_to_statistics(generated(), reference,
                                                             num_images=n, inception_path=graph),
                          "convention": f"2015 Inception pool_3 ({graph or 'Keras port'}), "
                                        f"{n} generated vs the statistics of {count} "
                                        "training images"}
    return results
