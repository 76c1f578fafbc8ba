"""Export a zoo model as a TF SavedModel in the TF Serving layout, and load it back.

```none
export_dir/
  1/                      <- one SavedModel per integer version (TF Serving picks the highest)
    saved_model.pb
    variables/
    assets/zoo_metadata.json
    zoo_manifest.json     <- sha256 of every other file (zoo.saved_model.manifest), checked by `load`
    portable/             <- with formats=(..., "onnx", "tflite"): zoo.saved_model.portable
  2/
```
`export` builds the SavedModel in a hidden temporary folder inside `export_dir` and renames it
into place, so a failed export leaves neither a partial version nor the temporary folder, and an
existing version is never overwritten; one left by a killed export is removed by the next export
into the same folder (`zoo.saved_model.staging`). The signatures are described in
`zoo.saved_model.signatures`.

`zoo.saved_model.loader.load` reads it back with TensorFlow and NumPy alone.

Reproducibility: two exports of the same weights (in any two processes) write the same
`saved_model.pb` and `variables/` bytes (the variables are saved in the model's own order) and,
with the same `training_command` and `$SOURCE_DATE_EPOCH` set, the same metadata. They still
differ in `fingerprint.pb`, which TensorFlow writes with a random UUID of every save, and so in
the manifest's entry for it: compare exports by the manifest's other entries.
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

import numpy as np
import tensorflow as tf
from absl import logging as absl_logging

from zoo.models import importance_weights
from zoo.saved_model import manifest, portable, signatures
from zoo.saved_model import staging as stagings

METADATA_FILE = "zoo_metadata.json"
FORMAT_VERSION = 1
CALLER_KEYS = ("preprocessing", "training_command", "metrics", "pixel_divisor", "license")
DEFAULT_LICENSE = "Apache-2.0"  # the project's license, which covers the weights it trains
DEFAULT_PREPROCESSING = ("images float32 [N, H, W, C] in [0, 1]: 8-bit pixels dequantized as "
                         "(pixel + u) / 256, u ~ U[0, 1) (default description; the exporter "
                         "did not pass one)")
PACKAGES = {"tensorflow": "tensorflow", "keras": "keras",
            "tensorflow_probability": "tensorflow-probability", "numpy": "numpy"}
# and "zoo": zoo.__version__, the version of the code that exports (not an installed copy)


def export(model, export_dir, version=None, metadata=None, num_importance_samples=100,
           importance_chunk=10, samplers=None, formats=("saved_model",), second_stage_samples=100):
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
      second_stage_samples: M of a two-stage model's `score` (`TwoStageVAE`, `VAEPlus`): the
        draws u ~ q(u|z_k) that estimate the second stage's density of each z_k.
      samplers: {name: a fitted `zoo.samplers` sampler over the model's latent codes}, each
        exported as the signature `sample_<name>` and listed in the metadata's `samplers`
        (`sample` stays the model's own).
      formats: "saved_model" (always written) and any of "onnx", "tflite": the portable files
        of `zoo.saved_model.portable`, written to `<version>/portable/`, checked against the
        SavedModel, covered by the manifest and listed in the metadata's `portable`.
    Raises:
      ValueError: non-finite weights, a bad version, bad metadata, unknown formats, or a
        portable file that does not match the SavedModel.
      ImportError: portable formats without the `export` extra installed.
      FileExistsError: `export_dir/<version>` exists.
    """
    metadata = dict(metadata or {})
    if "saved_model" not in tuple(formats):
        raise ValueError(f"formats must include 'saved_model' (the export is a SavedModel; "
                         f"the portable files sit beside it); got {tuple(formats)!r}")
    portable_formats = portable.check_formats(formats)
    _check_weights(model)
    if not (isinstance(num_importance_samples, int) and num_importance_samples >= 1):
        raise ValueError(f"num_importance_samples must be a positive integer, got "
                         f"{num_importance_samples!r}")
    if not (isinstance(second_stage_samples, int) and second_stage_samples >= 1):
        raise ValueError(f"second_stage_samples must be a positive integer, got "
                         f"{second_stage_samples!r}")
    divisor = float(metadata.get("pixel_divisor", 256))
    if divisor not in (255.0, 256.0):
        raise ValueError(f"pixel_divisor must be 256 (dequantized 8-bit data) or 255 "
                         f"(pixel / 255), got {metadata['pixel_divisor']!r}")

    export_dir = os.path.abspath(os.fspath(export_dir))
    os.makedirs(export_dir, exist_ok=True)
    stagings.remove_stale(export_dir)  # left by an export killed mid-write
    version = _next_version(export_dir) if version is None else _check_version(version)
    final = os.path.join(export_dir, str(version))
    if os.path.lexists(final):
        raise FileExistsError(f"version {version} already exists at {final}; choose another "
                              f"version (or version=None for the next free one)")

    samplers = _check_samplers(samplers, model)
    functions = signatures.signature_functions(model, num_importance_samples, importance_chunk,
                                            divisor, samplers=samplers,
                                            second_stage_samples=second_stage_samples)
    info = _metadata(model, version, metadata, num_importance_samples, importance_chunk,
                     divisor, sorted(functions), second_stage_samples)
    info["samplers"] = {name: sampler.describe() for name, sampler in samplers.items()}
    if portable_formats:
        files = portable.file_names(portable.portable_functions(functions), portable_formats)
        info["portable"] = {"folder": portable.FOLDER, "formats": list(portable_formats),
                            "files": sorted(f"{portable.FOLDER}/{path}" for paths in
                                            files.values() for path in paths.values())}
    staging = tempfile.mkdtemp(prefix=stagings.prefix(version), dir=export_dir)
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would hide it from a server user
        with tempfile.TemporaryDirectory() as scratch:
            metadata_path = os.path.join(scratch, METADATA_FILE)
            with open(metadata_path, "w") as f:
                json.dump(info, f, indent=2, sort_keys=True)
            owners = [model, *(network for sampler in samplers.values()
                                for network in getattr(sampler, "networks", ()))]
            root = _saveable_root(functions, metadata_path, owners)
            concrete = {name: fn.get_concrete_function() for name, fn in functions.items()}
            _write_saved_model(root, staging, concrete)
        if portable_formats:
            portable.write(staging, os.path.join(staging, portable.FOLDER), portable_formats)
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


def _saveable_root(functions, metadata_path, owners=()):
    """A trackable root holding the variables the signatures capture and the metadata asset.

    The variables are saved in the order of `owners`' own variables (the model's, then the
    samplers' networks'), not in the order the traced functions happen to capture them, which
    differs between processes: two exports of the same weights then write the same
    variables files."""
    root = tf.Module()
    rank = {}
    for owner in owners:
        for variable in owner.variables:
            rank.setdefault(id(getattr(variable, "value", variable)), len(rank))
    captured = {}
    for fn in functions.values():
        for variable in fn.get_concrete_function().variables:
            captured.setdefault(id(variable), variable)
    root.model_variables = sorted(captured.values(), key=lambda v: (
        rank.get(id(v), len(rank)), v.name, tuple(v.shape)))
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


def _check_samplers(samplers, model):
    """{name: sampler}, each name a valid signature suffix and each sampler fitted to codes of
    the model's latent size."""
    import re

    samplers = dict(samplers or {})
    for name, sampler in samplers.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(name)):
            raise ValueError(f"sampler name {name!r}: use lower-case letters, digits and _ "
                             "(the signature is sample_<name>)")
        dim = int(sampler.sample(1, 0).shape[-1])
        if dim != int(model.latent_dim):
            raise ValueError(f"sampler {name!r} draws {dim}-dim codes; the model's latent "
                             f"size is {int(model.latent_dim)}")
    return samplers


def _check_version(version):
    if isinstance(version, bool) or not isinstance(version, (int, np.integer)) or version < 0:
        raise ValueError(f"version must be a non-negative integer, got {version!r}")
    return int(version)


def integer_versions(export_dir):
    return sorted(version_names(export_dir))


def version_names(export_dir):
    """{version: folder name} of `export_dir`'s integer version folders, read as TF Serving
    reads them ('007' is version 7). ValueError when two names are one version ('7', '007')."""
    folders = {}
    for name in sorted(os.listdir(export_dir)):
        if name.isdigit() and os.path.isdir(os.path.join(export_dir, name)):
            if int(name) in folders:
                raise ValueError(f"{export_dir} holds two folders of version {int(name)}: "
                                 f"{folders[int(name)]!r} and {name!r}; keep one")
            folders[int(name)] = name
    return folders


def _next_version(export_dir):
    versions = integer_versions(export_dir)
    return versions[-1] + 1 if versions else 1


def _export_time():
    """Now (UTC, seconds), or `$SOURCE_DATE_EPOCH` when set (the reproducible-builds convention:
    two exports of the same weights then write the same metadata)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
              else datetime.datetime.now(datetime.timezone.utc))
    return moment.isoformat(timespec="seconds")


def _package_versions():
    versions = {}
    for name, dist in PACKAGES.items():
        try:
            versions[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    from zoo import __version__  # the package is imported by then: zoo/__init__.py sets it first

    versions["zoo"] = __version__
    return versions


def _gammas(model):
    """Decoder variances gamma by name (None for models without one)."""
    variances = model.decoder_variances()
    return {name: float(gamma) for name, gamma in variances.items()} if variances else None


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


def _metadata(model, version, caller, num_importance_samples, importance_chunk, divisor,
              signature_names, second_stage_samples):
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
        "signatures": signature_names,
        "preprocessing": caller.get("preprocessing", DEFAULT_PREPROCESSING),
        "gamma": _gammas(model),
        "training_command": caller.get("training_command", " ".join(sys.argv)),
        "packages": _package_versions(),
        "python": platform.python_version(),
        "license": caller.get("license", DEFAULT_LICENSE),
        "parameter_count": int(model.count_params()),
        "exported_at": _export_time(),
        "metrics": caller.get("metrics"),
        "extra": extra or None,
    }
    if model.has_likelihood:
        info["score"] = {
            "num_importance_samples": num_importance_samples,
            "importance_chunk": importance_weights.importance_chunk_size(
                num_importance_samples, importance_chunk),
            "seed": list(signatures.SCORE_SEED),
            "estimator": "nll = -(logsumexp_k log w_k - log K), log w_k = log N(x | "
                         "decode(z_k), gamma I) + log p(z_k) - log q(z_k | x), "
                         "z_k ~ q(z|x), p(z) = N(0, I)",
        }
        if importance_weights.second_stage(model) is not None:
            info["score"].update({
                "prior": "second stage",
                "second_stage_samples": second_stage_samples,
                "estimator": "nll = -(logsumexp_k log w_k - log K), log w_k = log N(x | "
                             "decode(z_k), gamma I) + log p(z_k) - log q(z_k | x), z_k ~ "
                             "q(z|x), with p(z) the second stage's density estimated with M "
                             "= second_stage_samples draws u_m ~ q(u|z) (stream seed + [0, "
                             "1]): log p(z) ~ logsumexp_m [log N(z | mu_z(u_m), gamma_z I) + "
                             "log N(u_m | 0, I) - log q(u_m | z)] - log M. A nested "
                             "importance-sampling estimate: its log is a stochastic lower "
                             "bound on log p(x), so nll errs high (less as K and M grow). "
                             "first_stage_nll: the same z_k with p(z) = N(0, I)",
            })
        info["bits_per_dim"] = {
            "pixel_divisor": divisor,
            "num_dims": math.prod(image_shape),
            "formula": "bits_per_dim = (nll + D * ln(pixel_divisor)) / (D * ln 2), "
                       "D = H * W * C, nll in nats of the [0, 1]-scaled images",
        }
    # Round trip now, so that non-serialisable metadata fails before anything is written.
    return json.loads(json.dumps(info, default=_jsonable))
