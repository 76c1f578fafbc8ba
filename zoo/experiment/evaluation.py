"""The papers' metrics for a trained model, whether a Keras model or an exported SavedModel.

`evaluate` computes any of `METRICS` (a registry: name -> f(Context), one signature per
metric) with the conventions of `zoo.metrics` and returns {name: {"value": ...,
"convention": ...}}; the image metrics measure with `zoo.experiment.measures`. `load_model`
opens a `.keras` file or a SavedModel folder (`ExportedAdapter`: the attributes the metrics
use, on the raw signatures). Used by the evaluation and publishing tools.
"""

from zoo.experiment import measures
from zoo.experiment.measures import fid_reference, has_digit_images, inception_graph

__all__ = ["ExportedAdapter", "METRICS", "evaluate", "fid_reference", "has_digit_images",
           "inception_graph", "load_model"]


class ExportedAdapter:
    """A loaded SavedModel (`zoo.load`) with the attributes the metrics use.

    Calls the raw signatures, so it works inside `tf.function`. Its outputs are clipped to
    [0, 1] by the export (reconstructions and samples). `sampler`: the name of an exported
    latent sampler `sample` draws through (its `sample_<name>` signature), else the model's own.
    """

    def __init__(self, exported, sampler=None):
        self.exported, self.sampler = exported, sampler
        self.signatures = exported.signatures
        self.latent_dim = int(exported.metadata["latent_dim"])
        self.input_shape_ = tuple(exported.metadata["input_shape"])

    def encode(self, x):
        out = self.signatures["encode"](images=x)
        return (out["z_mean"], out["z_log_scale"]) if "z_mean" in out else out["z"]

    def decode(self, z):
        import tensorflow as tf

        return self.signatures["decode"](z=tf.cast(z, tf.float32))["images"]

    def reconstruct(self, x):
        return self.signatures["reconstruct"](images=x)["images"]

    def sample(self, num_samples, seed=0):
        return self.exported.sample(num_samples, seed, sampler=self.sampler)


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


def evaluate(model, kind, images, names, *, data_spec, scaling=None, split="test",
             dequantize=False, seed=0, num_samples=5000, num_generated=10000, ndb_bins=100,
             ndb_train=50000, fid_train=0, inception_graph=None, fid_reference="train",
             normalize_samples=False):
    """Metric name -> {"value": ..., "convention": ...} for the requested metrics (`METRICS`).

    Args:
      model, kind: as returned by `load_model` ("keras" or "saved_model").
      images: the evaluated images (`split` of `data_spec`, loaded with `dequantize`).
      names: metrics, a subset of `METRICS` (see `tools/evaluate.py` for their meaning).
      data_spec: the `zoo.data` spec of `images`; ndb bins its training images.
      scaling: the data's `zoo.data` scaling (bits per dim); default: that of `data_spec`.
      split: the name of the evaluated split, for the conventions.
      dequantize: whether `images` (and ndb's training images) are (x + u) / L.
      seed: seed of sampling and of the estimators.
      num_samples: K of the IWAE estimate (Keras models; a SavedModel's K is its export's).
      num_generated: model samples for ndb, fd_mnist and fid (`zoo.experiment.sampling`).
      ndb_bins, ndb_train: K of NDB and the number of training images it bins.
      fid_train: images behind fid's reference statistics (a seeded random subset of the
        split `fid_reference` names; 0: all of them).
      fid_reference: "train" (the training split) or "test" (the data's held-out split: the
        two-stage reference code's protocol, with 10,000 of them and `normalize_samples`).
      normalize_samples: min-max normalise each sample before fid (the reference code's).
      inception_graph: classify_image_graph_def.pb for fid (else the Keras port of that
        network, `zoo.metrics.fid`).
    """
    from zoo import data

    measures.ImageSettings(fid_reference=fid_reference)  # a bad value fails before any work
    unknown = sorted(set(names) - set(METRICS))
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {list(METRICS)}")
    if scaling is None:
        scaling = data.info(data_spec, dequantize=dequantize).scaling
    context = Context(model, kind, images, data_spec, scaling, split, dequantize, seed,
                      num_samples, num_generated, ndb_bins, ndb_train, fid_train,
                      inception_graph, fid_reference, normalize_samples)
    return {name: METRICS[name](context) for name in names}


class Context:
    """What the metrics of one `evaluate` call share: its arguments, and the model's samples
    and NLLs, each computed once when a metric first needs them."""

    def __init__(self, model, kind, images, data_spec, scaling, split, dequantize, seed,
                 num_samples, num_generated, ndb_bins, ndb_train, fid_train, inception_graph,
                 fid_reference, normalize_samples):
        self.model, self.kind, self.images = model, kind, images
        self.data_spec, self.scaling, self.split = data_spec, scaling, split
        self.dequantize, self.seed, self.num_samples = dequantize, seed, num_samples
        self.num_generated, self.ndb_bins, self.ndb_train = num_generated, ndb_bins, ndb_train
        self.fid_train, self.inception_graph = fid_train, inception_graph
        self.fid_reference, self.normalize_samples = fid_reference, normalize_samples
        self._samples = self._nll = None

    @property
    def samples(self):
        from zoo.experiment import sampling

        if self._samples is None:
            self._samples = sampling.samples(self.model, self.num_generated, self.seed)
        return self._samples

    @property
    def nll(self):
        """({"nll": per-image NLL[, "first_stage_nll": the same with the prior N(0, I)]},
        the estimator's description): IWAE for a Keras model (a two-stage model's first stage:
        prior N(0, I)), the `score` signature for an export (a two-stage export's through both
        stages, with its first-stage figure)."""
        import numpy as np

        from zoo import metrics
        from zoo.models import importance_weights

        if self._nll is None:
            if self.kind == "keras":
                k = self.num_samples
                values = {"nll": -metrics.iwae_log_likelihood(self.model, self.images,
                                                              num_samples=k, seed=self.seed)}
                stage = (", first stage (prior N(0, I))"
                         if importance_weights.second_stage(self.model) is not None else "")
                self._nll = values, f"IWAE K={k}{stage}"
            else:
                score = self.model.exported
                info = score.metadata["score"]
                values = exported_scores(score, self.images)
                through = (f", through both stages (M={info['second_stage_samples']} draws "
                           "u ~ q(u|z) for each z_k; first_stage_value: prior N(0, I))"
                           if "first_stage_nll" in values else "")
                self._nll = values, f"IWAE K={info['num_importance_samples']}{through}"
        return self._nll

    def image_settings(self):
        return measures.ImageSettings(fid_samples=len(self.samples), ndb_bins=(self.ndb_bins,),
                                      ndb_train=self.ndb_train, fid_train=self.fid_train,
                                      inception_graph=self.inception_graph, seed=self.seed,
                                      fid_reference=self.fid_reference,
                                      normalize_samples=self.normalize_samples)

    def image_reference(self, train=None, fid_statistics=None):
        """The evaluated images as the held-out real set (all of them)."""
        import numpy as np

        empty = np.zeros((0, *self.images.shape[1:]), np.float32)
        return measures.ImageReference(self.data_spec, self.split, self.images, self.images,
                                       empty if train is None else train, fid_statistics,
                                       digits=True)


def exported_scores(exported, images, batch_size=500):
    """{"nll"[, "first_stage_nll"]: per-image values} of an export's `score` on `images`, in
    batches (a two-stage export's first-stage figure too)."""
    import numpy as np

    batches = [exported.score(images[i:i + batch_size])
               for i in range(0, len(images), batch_size)]
    return {key: np.concatenate([b[key] for b in batches])
            for key in ("nll", "first_stage_nll") if key in batches[0]}


def reconstruction(c):
    from zoo import metrics

    return {"value": metrics.reconstruction_error(c.model, c.images),
            "convention": "sum over pixels, mean over images"}


def _with_first_stage(values, measure):
    """{"value": measure(nll)[, "first_stage_value": measure(first_stage_nll)]}."""
    out = {"value": measure(values["nll"])}
    if "first_stage_nll" in values:
        out["first_stage_value"] = measure(values["first_stage_nll"])
    return out


def nll(c):
    import numpy as np

    values, estimator = c.nll
    return {**_with_first_stage(values, lambda v: float(np.mean(v))),
            "convention": f"{estimator}, nats of the [0, 1]-scaled data"}


def bits_per_dim(c):
    import numpy as np

    from zoo import metrics

    values, estimator = c.nll
    dims = int(np.prod(c.images.shape[1:]))
    return {**_with_first_stage(
        values, lambda v: float(np.mean(metrics.bits_per_dim(v, dims, c.scaling)))),
        "convention": f"{estimator}, {c.scaling}"}


def active_units(c):
    from zoo import metrics

    return {"value": metrics.active_units(c.model, c.images),
            "convention": f"threshold 0.01, ddof 0, {len(c.images)} {c.split} images"}


def kl_per_dimension(c):
    from zoo import metrics

    return {"value": metrics.kl_per_dimension(c.model, c.images).tolist(),
            "convention": "per-dimension KL, mean over images, sorted"}


def mmd(c):
    from zoo import metrics

    n = min(2000, len(c.images))
    return {"value": metrics.mmd_to_prior(c.model, c.images, num_samples=n, seed=c.seed),
            "convention": f"IMQ 7 scales, unbiased, n={n}, z ~ q(z|x) samples"}


def ndb_training_split(data_spec, ndb_train, count, seed=0, dequantize=False):
    """(binned, control) training images of NDB: a seeded random `ndb_train` of the training
    split (the bins' images) and the next `count` of the same permutation (disjoint from them;
    fewer when the split runs out)."""
    from zoo import data

    train, _ = data.load_numpy(data_spec, "train", dequantize=dequantize)
    shuffled = measures.held_out(train, len(train), seed)
    return shuffled[:ndb_train], shuffled[ndb_train:ndb_train + count]


def different_bins(c):
    """NDB / K of the model's samples against bins on a seeded random `ndb_train` of the
    training images, with two real-image levels on the same bins: `test_value`, the evaluated
    (held-out) images, and `control_value`, as many training images the bins never saw (the
    level of a model that samples the training distribution exactly, NDB's floor on this split;
    None when the split has too few left)."""
    binned, control = ndb_training_split(c.data_spec, c.ndb_train, len(c.images), c.seed,
                                         c.dequantize)
    key = f"ndb_{c.ndb_bins}"
    controls = {"train_control": control} if len(control) == len(c.images) else None
    out = measures.ndb(c.samples, c.image_reference(binned), c.image_settings(), controls)
    value, held = out[key], out[f"{key}_held_out_real"]
    control_value = out.get(f"{key}_train_control")
    return {"value": value, "test_value": held, "control_value": control_value,
            "convention": f"K={c.ndb_bins}, {len(binned)} train vs {len(c.samples)} generated; "
                          f"{len(c.images)} held-out real: {held:.3f}"
                          + ("" if control_value is None else
                             f"; {len(c.images)} other training images: {control_value:.3f}")}


def fd_mnist(c):
    value = measures.fd_mnist(c.samples, c.image_reference(), c.image_settings())["fd_mnist"]
    return {"value": value,
            "convention": f"MNIST classifier features (not FID), {len(c.samples)} generated vs "
                          f"{len(c.images)} real"}


def frechet_inception_distance(c):
    """FID of the samples against the statistics of `fid_train` images of the training split,
    or of the held-out split under `fid_reference="test"`."""
    graph, split = c.inception_graph, measures.fid_split(c.data_spec, c.fid_reference)
    statistics, count = measures.split_fid_statistics(c.data_spec, c.fid_train, c.seed,
                                                         graph, split)
    value = measures.fid(c.samples, c.image_reference(fid_statistics=statistics),
                         c.image_settings())["fid"]
    return {"value": value,
            "convention": f"2015 Inception pool_3 ({graph or 'Keras port'}), "
                          f"{len(c.samples)} generated"
                          + (", each min-max normalised," if c.normalize_samples else "")
                          + f" vs the statistics of {count} "
                          + ("training" if split == "train" else f"shuffled {split}")
                          + " images"}


# name: f(Context) -> {"value": ..., "convention": ...}; `evaluate` picks them by name.
METRICS = {"rec": reconstruction, "nll": nll, "bpd": bits_per_dim, "au": active_units,
           "kl": kl_per_dimension, "mmd": mmd, "ndb": different_bins, "fd_mnist": fd_mnist,
           "fid": frechet_inception_distance}
