"""Keras weights of an exported model: rebuild the Keras model from a SavedModel, save it as a
`.keras` file beside the export, and load that file back to fine-tune it.

A zoo SavedModel is for inference: its graph cannot be trained. Its metadata holds the model's
class and Keras config (`get_config`), and its variables hold the weights, so the Keras model can
be rebuilt (`rebuild`):

1. the class (a registered Keras serializable of `zoo.models`) is built from the config;
2. the export's model signatures (`encode`, `decode`, `reconstruct`, `generate`, `sample`,
   `score`) are traced again on the rebuilt model (`zoo.saved_model.signatures`), and each
   saved variable is matched to the Keras variable captured at the same position of the same
   signature. Saved variable names are not unique (two `head/kernel` of one shape in a WAE's
   two flows), and exports written before the exporter saved variables in model order list
   them in any order, so neither names nor order could match them alone. Every pair must agree
   in shape and in its name (modulo the `_N` counters Keras appends to auto-named layers), and
   a saved variable must map to the same Keras variable in every signature: else a ValueError;
3. the rebuilt model's signatures are run on fixed inputs and compared with the export's
   (`check_outputs`): any difference beyond float32 rounding is a ValueError.

Keras variables no model signature reads are not in the export at all (the second stage's
encoder of a two-stage model exported before its `score` ran through both stages: sampling
uses only its decoder); they keep their seeded initialisation and `rebuild` lists them
(`Rebuilt.not_exported`). Variables read only by
`sample_<name>` signatures belong to exported latent samplers, not to the Keras model.

`save(model_dir)` writes `<model_dir>/<name>.keras` (Keras' format, loadable with
`keras.saving.load_model(..., safe_mode=True)`) and `<model_dir>/keras_weights.json` (its
sha256, the digest of the SavedModel manifest it was rebuilt from, what was not exported);
`load(name_or_path)` (`zoo.load_keras`) checks the sha256 before Keras reads the file.
"""

import dataclasses
import os
import re

import keras
import numpy as np
import tensorflow as tf

from zoo.files import atomic_path, read_json, write_json
from zoo.saved_model import catalog, manifest, signatures

INFO_FILE = "keras_weights.json"
FORMAT_VERSION = 1
MODEL_SIGNATURES = ("encode", "decode", "reconstruct", "generate", "sample", "score")
TOLERANCE = 1e-5  # float32 rounding of the same graph on the same weights (seen: 0 to 2e-6)
SEED_STATE = "seed_generator_state"  # Keras' SeedGenerator: set from the config's seed, no weight
_COUNTER = re.compile(r"_\d+$")


@dataclasses.dataclass
class Rebuilt:
    """A Keras model rebuilt from an export: `model`, the paths of its weights the export does
    not hold (`not_exported`, left at their seeded initialisation), the export's `metadata`
    and the largest output difference `check_outputs` saw (`max_difference`)."""

    model: keras.Model
    not_exported: list
    metadata: dict
    max_difference: float
    folder: str


def model_class(name):
    """The zoo model class registered as `name` (e.g. "GaussianVAE")."""
    import zoo.models  # noqa: F401 - registers the classes

    cls = keras.saving.get_registered_object(f"zoo>{name}")
    if cls is None:
        raise ValueError(f"unknown model_class {name!r}: not a registered zoo model")
    return cls


def _comparable(name):
    """A variable name without ':0' and without the `_N` counters of auto-named layers."""
    return "/".join(_COUNTER.sub("", part) for part in name.split(":")[0].split("/"))


def _signature_functions(model, metadata):
    score = metadata.get("score") or {}
    divisor = (metadata.get("bits_per_dim") or {}).get("pixel_divisor", 256.0)
    return signatures.signature_functions(
        model, num_importance_samples=score.get("num_importance_samples", 100),
        importance_chunk=score.get("importance_chunk", 10), pixel_divisor=divisor,
        score_seed=tuple(score.get("seed", signatures.SCORE_SEED)),
        second_stage_samples=score.get("second_stage_samples"))


def _match(model, loaded, functions, folder):
    """{id of saved variable: (saved variable, Keras variable)}; ValueError on any mismatch."""
    saved = {id(v.handle): v for v in loaded.model_variables}
    keras_of = {id(v.value.handle): v for v in model.variables}
    pairs = {}
    for name in MODEL_SIGNATURES:
        if name not in loaded.signatures:
            continue
        if name not in functions:
            raise ValueError(f"{folder}: the export has a '{name}' signature that a rebuilt "
                             f"{type(model).__name__} does not have")
        exported = loaded.signatures[name].captured_inputs
        traced = functions[name].get_concrete_function().captured_inputs
        if len(exported) != len(traced):
            raise ValueError(f"{folder}: the export's '{name}' signature reads {len(exported)} "
                             f"tensors, the rebuilt model's {len(traced)}: the config does not "
                             f"describe the exported graph")
        for position, (ours, theirs) in enumerate(zip(traced, exported)):
            source, target = saved.get(id(theirs)), keras_of.get(id(ours))
            if source is None and target is None:
                continue  # a captured constant, the same in both graphs
            if source is None or target is None:
                raise ValueError(f"{folder}: '{name}' input {position} is a variable in only "
                                 f"one of the export and the rebuilt model")
            if (tuple(source.shape) != tuple(target.shape)
                    or _comparable(source.name) != _comparable(target.path)):
                raise ValueError(f"{folder}: '{name}' input {position}: the export's "
                                 f"{source.name} {tuple(source.shape)} does not match the "
                                 f"rebuilt model's {target.path} {tuple(target.shape)}")
            previous = pairs.setdefault(id(theirs), (source, target))[1]
            if previous is not target:
                raise ValueError(f"{folder}: the export's {source.name} matches two variables "
                                 f"of the rebuilt model ({previous.path}, {target.path})")
    targets = [id(target) for _, target in pairs.values()]
    if len(set(targets)) != len(targets):
        raise ValueError(f"{folder}: two exported variables match one variable of the rebuilt "
                         f"model")
    return pairs


def _fixed_inputs(metadata):
    """{signature: keyword inputs} with fixed seeded values."""
    rng = np.random.default_rng(0)
    shape = [4, *metadata["input_shape"]]
    images = tf.constant(rng.uniform(size=shape).astype(np.float32))
    return {"encode": {"images": images}, "reconstruct": {"images": images},
            "score": {"images": images[:2]},
            "decode": {"z": tf.constant(rng.normal(size=(4, metadata["latent_dim"]))
                                        .astype(np.float32))},
            "generate": {"noise": tf.constant(rng.normal(size=(4, metadata["noise_dim"]))
                                              .astype(np.float32))},
            "sample": {"num_samples": tf.constant(4, tf.int32), "seed": tf.constant(7, tf.int64)}}


def check_outputs(functions, loaded, metadata, folder, tolerance=TOLERANCE):
    """The largest absolute difference between the rebuilt model's signatures (`functions`)
    and the export's on fixed inputs; ValueError above `tolerance` (relative for `score`'s
    nats, which are in the hundreds)."""
    worst = 0.0
    for name, inputs in _fixed_inputs(metadata).items():
        if name not in loaded.signatures:
            continue
        expected = loaded.signatures[name](**inputs)
        actual = functions[name](**inputs)
        for key, value in expected.items():
            value, ours = value.numpy(), actual[_current_key(name, key, metadata, actual)].numpy()
            scale = max(1.0, float(np.max(np.abs(value)))) if name == "score" else 1.0
            difference = float(np.max(np.abs(ours - value))) / scale
            if not difference <= tolerance:
                raise ValueError(f"{folder}: the rebuilt model's '{name}' {key} differs from the "
                                 f"export's by {difference:.3g} (tolerance {tolerance})")
            worst = max(worst, difference)
    return worst


def _current_key(name, key, metadata, actual):
    """The output of `actual` that computes the export's output `key` of signature `name`: a
    two-stage export made before the two-stage `score` (no `score.prior` in its metadata)
    computed as `nll` and `bits_per_dim` what a current two-stage score calls
    `first_stage_nll` and `first_stage_bits_per_dim`."""
    renamed = f"first_stage_{key}"
    if name == "score" and "prior" not in (metadata.get("score") or {}) and renamed in actual:
        return renamed
    return key


def _qualified(model, variable, prefix=""):
    """`variable`'s path prefixed by the nested sub-models that hold it ("second/encoder/...")."""
    for key in getattr(model, "nested", ()):
        child = getattr(model, key)
        if any(v is variable for v in child.variables):
            return _qualified(child, variable, f"{prefix}{key}/")
    return prefix + variable.path


def rebuild(export_dir):
    """The Keras model of an export (a version folder, a model folder, a published name or a
    hub handle), with the export's weights, checked against the export's outputs.

    Returns:
      `Rebuilt`.
    Raises:
      ValueError: an unknown model class, an export whose variables do not match the rebuilt
        model one to one, or outputs that differ (the message names the signature).
    """
    from zoo.saved_model.loader import load  # the loader imports this module's callers

    exported = load(export_dir)
    folder, metadata, loaded = exported.path, exported.metadata, exported.loaded
    model = model_class(metadata["model_class"]).from_config(metadata["config"])
    functions = _signature_functions(model, metadata)
    pairs = _match(model, loaded, functions, folder)
    model_owned = {id(source.handle) for source, _ in pairs.values()}
    sampler_only = set()
    for name, fn in loaded.signatures.items():
        if name.startswith("sample_"):
            sampler_only |= {id(c) for c in fn.captured_inputs}
    unmatched = [v.name for v in loaded.model_variables
                 if id(v.handle) not in model_owned and id(v.handle) not in sampler_only]
    if unmatched:
        raise ValueError(f"{folder}: exported variables no model signature reads: {unmatched}")
    for source, target in pairs.values():
        target.assign(source.numpy())
    restored = {id(target) for _, target in pairs.values()}
    not_exported = [_qualified(model, v) for v in model.variables
                    if id(v) not in restored and not v.path.endswith(SEED_STATE)]
    worst = check_outputs(functions, loaded, metadata, folder)
    return Rebuilt(model, not_exported, metadata, worst, folder)


def keras_file_name(model_dir):
    """`<model_dir>/<folder name>.keras`."""
    model_dir = os.path.abspath(os.fspath(model_dir))
    return os.path.join(model_dir, os.path.basename(model_dir) + ".keras")


def save(model_dir):
    """Rebuild the Keras model of `model_dir`'s highest version and write `<name>.keras` and
    `keras_weights.json` beside the version folders (atomically); returns the info written."""
    model_dir = os.path.abspath(os.fspath(model_dir))
    rebuilt = rebuild(model_dir)
    version_folder = rebuilt.folder
    path = keras_file_name(model_dir)
    with atomic_path(path, suffix=".keras") as tmp:
        rebuilt.model.save(tmp)
    info = {"format_version": FORMAT_VERSION, "file": os.path.basename(path),
            "sha256": manifest.sha256(path), "model_class": rebuilt.metadata["model_class"],
            "keras_version": keras.__version__,
            "rebuilt_from": {"version": os.path.basename(version_folder),
                             "manifest_sha256": manifest.digest(version_folder)},
            "not_exported": rebuilt.not_exported,
            "max_output_difference": rebuilt.max_difference}
    write_json(os.path.join(model_dir, INFO_FILE), info)
    return info


def read_info(model_dir):
    """`keras_weights.json` of `model_dir`; FileNotFoundError naming what to run if absent."""
    path = os.path.join(model_dir, INFO_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{model_dir} has no Keras weights ({INFO_FILE}); write them "
                                f"with `python -m tools.keras_weights --models_dir=...` or "
                                f"zoo.saved_model.keras_weights.save")
    info = read_json(path)
    if not (isinstance(info, dict) and isinstance(info.get("file"), str)
            and isinstance(info.get("sha256"), str) and "/" not in info["file"]):
        raise ValueError(f"{path} is not a zoo Keras weights file (expected 'file' and "
                         f"'sha256')")
    return info


def verified_file(model_dir):
    """The path of `model_dir`'s `.keras` file after checking its sha256."""
    info = read_info(model_dir)
    path = os.path.join(model_dir, info["file"])
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} is listed in {INFO_FILE} but missing")
    actual = manifest.sha256(path)
    if actual != info["sha256"]:
        raise manifest.ManifestMismatch(f"{path} does not match {INFO_FILE} (sha256 {actual}, "
                                        f"expected {info['sha256']}): the file was changed or "
                                        f"corrupted after it was written")
    return path


def load(name_or_path, compile=False):
    """The Keras model of a published name, a model folder or a hub handle (`hf://ORG/NAME`),
    from its `.keras` file in Keras' safe mode, after its sha256 is checked: a `zoo` model to
    `compile` and `fit` (multi-stage models: `fit_stage`). `zoo.load` gives the SavedModel.

    Raises:
      FileNotFoundError: no such model, or a model without Keras weights.
      zoo.saved_model.manifest.ManifestMismatch: the file's sha256 differs.
    """
    import zoo.models  # noqa: F401 - registers the classes the file names

    folder = os.path.abspath(catalog.resolve(name_or_path))
    if os.path.isfile(os.path.join(folder, "saved_model.pb")):
        folder = os.path.dirname(folder)  # a version folder: the weights sit beside it
    return keras.saving.load_model(verified_file(folder), compile=compile, safe_mode=True)
