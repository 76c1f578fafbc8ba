"""Export a zoo model as a TF SavedModel in the TF Serving layout, and load it back.

```none
export_dir/
  1/                      <- one SavedModel per integer version (TF Serving picks the highest)
    saved_model.pb
    variables/
    assets/zoo_metadata.json
    zoo_manifest.json     <- sha256 of every other file (zoo.manifest), checked by `load`
  2/
```
`export` builds the SavedModel in a hidden temporary folder inside `export_dir` and renames it
into place, so a failed export leaves neither a partial version nor the temporary folder, and an
existing version is never overwritten. The signatures are described in `zoo.serving`.

`load` needs only TensorFlow and NumPy at run time: the SavedModel holds plain TF ops (TFP
distributions are traced away), and no zoo model class is rebuilt.
"""

import datetime
import importlib.metadata
import json
import logging
import math
import os
import platform
import shutil
import sys
import tempfile
import warnings

import numpy as np
import tensorflow as tf
from absl import logging as absl_logging

from zoo import catalog, manifest, serving
from zoo.rest import readable_error

METADATA_FILE = "zoo_metadata.json"
FORMAT_VERSION = 1
CALLER_KEYS = ("preprocessing", "training_command", "metrics", "pixel_divisor", "license")
DEFAULT_LICENSE = "Apache-2.0"  # the project's license, which covers the weights it trains
DEFAULT_PREPROCESSING = ("images float32 [N, H, W, C] in [0, 1]: 8-bit pixels dequantized as "
                         "(pixel + u) / 256, u ~ U[0, 1) (default description; the exporter "
                         "did not pass one)")
PACKAGES = {"tensorflow": "tensorflow", "keras": "keras",
            "tensorflow_probability": "tensorflow-probability", "numpy": "numpy",
            "zoo": "vae-zoo"}


def export(model, export_dir, version=None, metadata=None, num_importance_samples=100,
           importance_chunk=10):
    """Write `model` as a SavedModel to `export_dir/<version>/`; returns that folder's path.

    Args:
      model: a built zoo model (`AE`, `GaussianVAE`, `WAEMMD`, `TwoStageVAE`, `VAEPlus`).
      export_dir: the model's base folder (TF Serving `--model_base_path`); created if needed.
      version: a non-negative integer; None takes the next free one (1 in an empty folder).
        An existing version raises `FileExistsError`.
      metadata: an optional JSON-serialisable dict stored in `assets/zoo_metadata.json`. The keys
        `preprocessing` (how images were scaled to [0, 1]), `training_command` (default: this
        process' `sys.argv`), `metrics` and `pixel_divisor` (256 for dequantized 8-bit data,
        the default; 255 for pixel / 255) and `license` (default Apache-2.0) are used as
        such; any other key is stored under `extra`.
      num_importance_samples: K of the `score` signature (VAE family), fixed at export.
      importance_chunk: at most this many of the K samples are decoded at once (memory bound).
    Raises:
      ValueError: non-finite weights, a bad version, or bad metadata.
      FileExistsError: `export_dir/<version>` exists.
    """
    metadata = dict(metadata or {})
    _check_weights(model)
    if not (isinstance(num_importance_samples, int) and num_importance_samples >= 1):
        raise ValueError(f"num_importance_samples must be a positive integer, got "
                         f"{num_importance_samples!r}")
    divisor = float(metadata.get("pixel_divisor", 256))
    if divisor not in (255.0, 256.0):
        raise ValueError(f"pixel_divisor must be 256 (dequantized 8-bit data) or 255 "
                         f"(pixel / 255), got {metadata['pixel_divisor']!r}")

    export_dir = os.path.abspath(os.fspath(export_dir))
    os.makedirs(export_dir, exist_ok=True)
    version = _next_version(export_dir) if version is None else _check_version(version)
    final = os.path.join(export_dir, str(version))
    if os.path.lexists(final):
        raise FileExistsError(f"version {version} already exists at {final}; choose another "
                              f"version (or version=None for the next free one)")

    functions = serving.signature_functions(model, num_importance_samples, importance_chunk,
                                            divisor)
    info = _metadata(model, version, metadata, num_importance_samples, importance_chunk,
                     divisor, sorted(functions))
    staging = tempfile.mkdtemp(prefix=f".tmp-export-{version}-", dir=export_dir)
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would hide it from a server user
        with tempfile.TemporaryDirectory() as scratch:
            metadata_path = os.path.join(scratch, METADATA_FILE)
            with open(metadata_path, "w") as f:
                json.dump(info, f, indent=2, sort_keys=True)
            root = _saveable_root(functions, metadata_path)
            signatures = {name: fn.get_concrete_function() for name, fn in functions.items()}
            _write_saved_model(root, staging, signatures)
        manifest.write(staging)
        if os.path.lexists(final):
            raise FileExistsError(f"version {version} appeared at {final} during the export; "
                                  f"not overwriting it")
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _write_saved_model(root, path, signatures):
    """The single write step (a seam for tests that simulate a failure mid-write).

    TensorFlow's INFO lines of a save (input names renamed for the signatures, sharding times,
    where assets and the fingerprint went) are held back: they concern no choice of the user.
    """
    logger, verbosity = logging.getLogger("tensorflow"), absl_logging.get_verbosity()
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    absl_logging.set_verbosity(min(verbosity, absl_logging.WARNING))
    try:
        tf.saved_model.save(root, path, signatures=signatures)
    finally:
        logger.setLevel(level)
        absl_logging.set_verbosity(verbosity)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _saveable_root(functions, metadata_path):
    """A trackable root holding the variables the signatures capture and the metadata asset."""
    root = tf.Module()
    variables, seen = [], set()
    for fn in functions.values():
        for variable in fn.get_concrete_function().variables:
            if id(variable) not in seen:
                seen.add(id(variable))
                variables.append(variable)
    root.model_variables = variables
    root.zoo_metadata = tf.saved_model.Asset(metadata_path)
    return root


def _check_weights(model):
    bad = [v.path for v in model.weights
           if np.issubdtype(np.dtype(v.dtype), np.floating)
           and not np.all(np.isfinite(np.asarray(v.numpy())))]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ValueError(f"refusing to export {type(model).__name__}: non-finite (NaN or Inf) "
                         f"values in {len(bad)} weight(s): {shown}")


def _check_version(version):
    if isinstance(version, bool) or not isinstance(version, (int, np.integer)) or version < 0:
        raise ValueError(f"version must be a non-negative integer, got {version!r}")
    return int(version)


def _integer_versions(export_dir):
    return sorted(int(name) for name in os.listdir(export_dir)
                  if name.isdigit() and os.path.isdir(os.path.join(export_dir, name)))


def _next_version(export_dir):
    versions = _integer_versions(export_dir)
    return versions[-1] + 1 if versions else 1


def _package_versions():
    versions = {}
    for name, dist in PACKAGES.items():
        try:
            versions[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _gammas(model):
    """Decoder variances gamma per stage (None for models without one)."""
    if hasattr(model, "first") and hasattr(model, "second"):
        return {"first": float(model.first.gamma), "second": float(model.second.gamma)}
    if serving.is_vae_family(model):
        return {"gamma": float(model.gamma)}
    return None


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


def _metadata(model, version, caller, num_importance_samples, importance_chunk, divisor,
              signatures):
    extra = {k: v for k, v in caller.items() if k not in CALLER_KEYS}
    image_shape = [int(s) for s in model.input_shape_]
    info = {
        "format_version": FORMAT_VERSION,
        "model_class": type(model).__name__,
        "config": model.get_config(),
        "version": version,
        "input_shape": image_shape,
        "latent_dim": int(model.latent_dim),
        "noise_dim": int(model.noise_dim),
        "signatures": signatures,
        "preprocessing": caller.get("preprocessing", DEFAULT_PREPROCESSING),
        "gamma": _gammas(model),
        "training_command": caller.get("training_command", " ".join(sys.argv)),
        "packages": _package_versions(),
        "python": platform.python_version(),
        "license": caller.get("license", DEFAULT_LICENSE),
        "parameter_count": int(model.count_params()),
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "metrics": caller.get("metrics"),
        "extra": extra or None,
    }
    if serving.is_vae_family(model):
        info["score"] = {
            "num_importance_samples": num_importance_samples,
            "importance_chunk": serving.importance_chunk_size(num_importance_samples,
                                                              importance_chunk),
            "seed": list(serving.SCORE_SEED),
            "estimator": "nll = -(logsumexp_k log w_k - log K), log w_k = log N(x | "
                         "decode(z_k), gamma I) + log N(z_k | 0, I) - log q(z_k | x), "
                         "z_k ~ q(z|x); first stage only for two-stage models",
        }
        info["bits_per_dim"] = {
            "pixel_divisor": divisor,
            "num_dims": math.prod(image_shape),
            "formula": "bits_per_dim = (nll + D * ln(pixel_divisor)) / (D * ln 2), "
                       "D = H * W * C, nll in nats of the [0, 1]-scaled images",
        }
    # Round trip now, so that non-serialisable metadata fails before anything is written.
    return json.loads(json.dumps(info, default=_jsonable))


def _resolve(path):
    """The SavedModel folder of `path` (itself, or its highest integer version); `path` may be
    a model name (`zoo.catalog`)."""
    path = os.path.abspath(catalog.resolve(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"no exported model at {path}: the path does not exist")
    if not os.path.isdir(path):
        raise ValueError(f"{path} is not a SavedModel folder (it is a file)")
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = _integer_versions(path)
    if not versions:
        raise ValueError(f"{path} is not a SavedModel (no saved_model.pb) and holds no integer "
                         f"version folders")
    chosen = os.path.join(path, str(versions[-1]))
    if not os.path.isfile(os.path.join(chosen, "saved_model.pb")):
        raise ValueError(f"the highest version folder {chosen} is not a SavedModel (no "
                         f"saved_model.pb)")
    return chosen


def load(path):
    """An `ExportedModel` for a SavedModel folder, a versioned parent (highest version), or the
    name of a published model (`zoo.list_models()`).

    The files are checked against the export's sha256 manifest first; an export written before
    manifests existed loads with a warning.

    Raises:
      FileNotFoundError: `path` does not exist and is no model name.
      ValueError: not a SavedModel, a SavedModel without the zoo metadata, or a file that does
        not match the manifest (`zoo.manifest.ManifestMismatch`, naming the file).
    """
    folder = _resolve(path)
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
    return ExportedModel(loaded, metadata, folder)


class ExportedModel:
    """A loaded zoo SavedModel: NumPy in, NumPy out.

    Single-output signatures return an array (`decode`, `reconstruct`, `generate`, `sample`:
    images [N, H, W, C] in [0, 1]); `encode` returns a dict (`z_mean`, `z_log_scale` for the
    VAE family, `z` otherwise) and `score` a dict (`nll`, `bits_per_dim`, each [N]). Array
    inputs are converted to float32 (the raw `signatures` insist on float32); bad shapes or
    values raise `tf.errors.InvalidArgumentError`.

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
    def _floats(array):
        return tf.constant(np.asarray(array, dtype=np.float32))

    def encode(self, images):
        return self._call("encode", images=self._floats(images))

    def decode(self, z):
        return self._call("decode", z=self._floats(z))["images"]

    def reconstruct(self, images):
        return self._call("reconstruct", images=self._floats(images))["images"]

    def generate(self, noise):
        return self._call("generate", noise=self._floats(noise))["images"]

    def sample(self, num_samples, seed=0):
        return self._call("sample", num_samples=tf.constant(num_samples, tf.int32),
                          seed=tf.constant(seed, tf.int64))["images"]

    def score(self, images):
        return self._call("score", images=self._floats(images))

    def __repr__(self):
        return (f"ExportedModel({self.metadata.get('model_class')}, path={self.path!r}, "
                f"signatures={sorted(self.signatures)})")
