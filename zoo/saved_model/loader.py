"""Load an exported zoo model: `load(path)` -> `ExportedModel`, NumPy in and out.

`load` needs only TensorFlow and NumPy at run time: the SavedModel holds plain TF ops (TFP
distributions are traced away), and no zoo model class is rebuilt. `path` may also be the name
of a published model (`zoo.saved_model.catalog`); the files are checked against the export's
sha256 manifest (`zoo.saved_model.manifest`) before anything is loaded.
"""

import json
import os
import warnings

import numpy as np
import tensorflow as tf

from zoo.saved_model import catalog, limits, manifest
from zoo.saved_model.exporter import METADATA_FILE, version_names
from zoo.saved_model.rest import readable_error


def _resolve(path):
    """The SavedModel folder of `path` (itself, or its highest integer version); `path` may be
    a model name (`zoo.saved_model.catalog`)."""
    path = os.path.abspath(catalog.resolve(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"no exported model at {path}: the path does not exist")
    if not os.path.isdir(path):
        raise ValueError(f"{path} is not a SavedModel folder (it is a file)")
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = version_names(path)
    if not versions:
        raise ValueError(f"{path} is not a SavedModel (no saved_model.pb) and holds no integer "
                         f"version folders")
    chosen = os.path.join(path, versions[max(versions)])
    if not os.path.isfile(os.path.join(chosen, "saved_model.pb")):
        raise ValueError(f"the highest version folder {chosen} is not a SavedModel (no "
                         f"saved_model.pb)")
    return chosen


def load(path, trusted=None):
    """An `ExportedModel` for a SavedModel folder, a versioned parent (highest version), the
    name of a published model (`zoo.list_models()`), or a hub handle `hf://ORG/NAME[@REVISION]`
    (`zoo.hub`; the Keras weights of any of these: `zoo.load_keras`).

    The files are checked against the export's sha256 manifest first; an export written before
    manifests existed loads with a warning. With `trusted` (hex sha256 digests of manifests,
    e.g. `zoo.saved_model.manifest.digest` of exports you made, or a dict of them), the
    manifest must be one of them before anything else is read: a tampered export, even one
    with a consistent manifest of its own, is refused before its graph runs.

    The metadata file is checked against the graph (`verify_metadata`): it is never trusted for
    shapes. A SavedModel is a program; load only models you trust
    (docs/guides/serving.md, Security).

    Raises:
      FileNotFoundError: `path` does not exist and is no model name.
      ValueError: not a SavedModel, a SavedModel without the zoo metadata, a file that does
        not match the manifest (`zoo.saved_model.manifest.ManifestMismatch`, naming the file),
        or metadata that does not describe the graph.
    """
    folder = _resolve(path)
    if trusted is not None:
        manifest.check_trusted(folder, trusted)
    files = manifest.verify(folder)
    metadata_path = os.path.join(folder, "assets", METADATA_FILE)
    if not os.path.isfile(metadata_path):
        raise ValueError(f"{folder} is a SavedModel but not a zoo export: no "
                         f"assets/{METADATA_FILE}")
    if files is None:
        warnings.warn(f"{folder} has no {manifest.MANIFEST_FILE} (exported before manifests): "
                      f"its files cannot be checked", stacklevel=2)
    elif extra := manifest.unlisted(folder, files):
        warnings.warn(f"{folder} holds files its manifest does not list: {extra}", stacklevel=2)
    with open(metadata_path) as f:
        try:
            metadata = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f"{metadata_path} is not valid JSON: {error}") from None
    try:
        loaded = tf.saved_model.load(folder)
    except Exception as error:  # noqa: BLE001 - TF raises many types for corrupt models.
        raise ValueError(f"{folder} could not be loaded as a SavedModel: "
                         f"{type(error).__name__}: {error}") from error
    return ExportedModel(loaded, verify_metadata(metadata, loaded, metadata_path), folder)


def verify_metadata(metadata, loaded, metadata_path):
    """`metadata` after checking it against the graph: it must be a JSON object, and the
    graph's `decode` (and `generate`) must accept one latent of the recorded `latent_dim`
    (`noise_dim`) and return one image of the recorded `input_shape`. A ValueError names the
    first mismatch (a metadata file copied from another model, or edited)."""
    if not isinstance(metadata, dict):
        raise ValueError(f"{metadata_path} must hold a JSON object, got "
                         f"{type(metadata).__name__}")
    graph = dict(loaded.signatures)
    for signature, key in (("decode", "latent_dim"), ("generate", "noise_dim")):
        if signature not in graph:
            continue
        size, shape = metadata.get(key), metadata.get("input_shape")
        if not (isinstance(size, int) and 0 < size <= limits.MAX_LATENT_DIM
                and isinstance(shape, list)):
            raise ValueError(f"{metadata_path} must give an integer {key} in [1, "
                             f"{limits.MAX_LATENT_DIM}] and an input_shape list; got {key} = "
                             f"{size!r}, input_shape = {shape!r}")
        name = next(iter(graph[signature].structured_input_signature[1]))
        try:
            images = graph[signature](**{name: tf.zeros([1, size])})["images"]
        except tf.errors.InvalidArgumentError as error:
            raise ValueError(f"{metadata_path} says {key} = {size} but the graph's {signature} "
                             f"signature rejects {name} of shape [1, {size}]: "
                             f"{error.message.splitlines()[0]}") from None
        if images.shape.as_list()[1:] != shape:
            raise ValueError(f"{metadata_path} says input_shape = {shape} but the graph's "
                             f"{signature} signature returns images of shape "
                             f"{images.shape.as_list()[1:]}")
    return metadata


class ExportedModel:
    """A loaded zoo SavedModel: NumPy in, NumPy out.

    Single-output signatures return an array (`decode`, `reconstruct`, `generate`, `sample`:
    images [N, H, W, C] in [0, 1]); `encode` returns a dict (`z_mean`, `z_log_scale` for the
    VAE family, `z` otherwise) and `score` a dict (`nll`, `bits_per_dim`, each [N]). Array
    inputs are converted to float32 (the raw `signatures` insist on float32); bad shapes or
    values raise `tf.errors.InvalidArgumentError`; complex arrays, and booleans for `sample`'s
    `num_samples` or `seed`, a ValueError. An empty batch (0 images or latents) answers an
    empty result of the signature's shape, as `sample(0)` does.

    Attributes: `metadata` (dict), `path` (the SavedModel folder), `signatures` (raw TF
    signature functions, keyword arguments in, dict of tensors out).
    """

    def __init__(self, loaded, metadata, path):
        self.loaded = loaded
        self.metadata = metadata
        self.path = path
        self.signatures = dict(loaded.signatures)

    def _call(self, name, **inputs):
        if name not in self.signatures:
            raise ValueError(f"this {self.metadata.get('model_class')} export has no '{name}' "
                             f"signature; it has {sorted(self.signatures)}")
        try:
            outputs = self.signatures[name](**inputs)
        except tf.errors.InvalidArgumentError as error:  # The signature's check, readable first.
            raise tf.errors.InvalidArgumentError(
                error.node_def, error.op, f"{readable_error(error)}\n\n{error.message}") from None
        return {key: value.numpy() for key, value in outputs.items()}

    @staticmethod
    def _floats(array, name):
        """`array` as a float32 tensor; ValueError naming the input `name` for complex data."""
        return tf.constant(np.asarray(limits.check_real(array, name), dtype=np.float32))

    def encode(self, images):
        return self._call("encode", images=self._floats(images, "images"))

    def decode(self, z):
        return self._call("decode", z=self._floats(limits.check_latent(z, "z"), "z"))["images"]

    def reconstruct(self, images):
        return self._call("reconstruct", images=self._floats(images, "images"))["images"]

    def generate(self, noise):
        noise = limits.check_latent(noise, "noise")
        return self._call("generate", noise=self._floats(noise, "noise"))["images"]

    @property
    def samplers(self):
        """The latent samplers exported with the model (`zoo.samplers`; `sample(...,
        sampler=NAME)`): {name: description}."""
        return dict(self.metadata.get("samplers") or {})

    def sample(self, num_samples, seed=0, sampler=None):
        """`num_samples` images (an integer in [0, limits.MAX_NUM_SAMPLES], or a one-element
        list of one) drawn with the stateless `seed`; through the exported latent `sampler`
        (its signature `sample_<sampler>`) if given, else the model's own."""
        num_samples = limits.check_num_samples(num_samples)
        seed = limits.check_seed(seed)
        if sampler is not None and sampler not in self.samplers:
            raise ValueError(f"no sampler {sampler!r} in this export; it has "
                             f"{sorted(self.samplers) or 'none'}")
        return self._call("sample" if sampler is None else f"sample_{sampler}",
                          num_samples=tf.constant(num_samples, tf.int32),
                          seed=tf.constant(seed, tf.int64))["images"]

    def score(self, images):
        return self._call("score", images=self._floats(images, "images"))

    def __repr__(self):
        return (f"ExportedModel({self.metadata.get('model_class')}, path={self.path!r}, "
                f"signatures={sorted(self.signatures)})")
