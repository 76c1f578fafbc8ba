"""Portable exports: an exported zoo SavedModel's functions as ONNX and TFLite files, checked
against the SavedModel.

```none
OUT/
  portable.json           what each file takes and returns, the noise contract, measured diffs
  onnx/encode.onnx ...    one file per function (encode, decode, reconstruct, generate,
  tflite/encode.tflite    sample, score)
```
`write(saved_model_dir, out_dir, formats)` builds the portable graphs (`graphs`), converts them
(`convert`), runs each file in its runtime (onnxruntime; LiteRT's interpreter from
`ai-edge-litert`) on fixed inputs next to the SavedModel's signature, and refuses (ValueError)
a file whose outputs differ by more than `TOLERANCE`. `zoo.export(..., formats=(...))` writes
OUT as `<version>/portable/` (covered by the version's manifest);
`python -m zoo.saved_model.portable SAVED_MODEL --out OUT` converts an existing export.
Running the files: `runtimes.PortableModel`.
"""

import importlib.metadata
import json
import os

import numpy as np
import tensorflow as tf

from zoo.saved_model.portable import convert, graphs
from zoo.saved_model.portable.runtimes import DESCRIPTION_FILE, PortableModel

FORMATS = tuple(convert.CONVERTERS)
FORMAT_VERSION = 1
FOLDER = "portable"  # inside an export's version folder
# |portable - SavedModel| <= ATOL + RTOL * |SavedModel| for every output element (float32);
# chosen from the differences measured on every published model (docs/guides/portable-exports.md).
TOLERANCE = {"atol": 1e-4, "rtol": 1e-5}
PACKAGES = ("tf2onnx", "onnx", "onnxruntime", "ai-edge-litert", "tensorflow")
CHECK_BATCH, CHECK_SEED = 3, 7
INPUT_MEANING = {
    "images": "float32 images in [0, 1]",
    "z": "float32 latent codes",
    "noise": "N(0, I) draws: stream 0 of the SavedModel's sample seed (its generate input)",
    "eps": "N(0, I) draws",
}
EPS_MEANING = {
    "sample": "N(0, I) draws of the second stage's z = mu_z(noise) + sqrt(gamma_z) eps "
              "(stream 1 of the SavedModel's sample seed)",
    "score": "the K importance samples eps_k ~ N(0, I), z_k = mu_z(x) + sigma_z(x) eps_k, shared "
             "by every image; the SavedModel's own are stateless_normal([K, latent_dim], "
             "seed=score.seed)",
}

__all__ = ["FORMATS", "PortableModel", "TOLERANCE", "check_formats", "file_names", "write"]


def check_formats(formats):
    """The portable formats in `formats` (a tuple of names among 'saved_model' and `FORMATS`)."""
    formats = tuple(formats)
    unknown = [f for f in formats if f not in ("saved_model", *FORMATS)]
    if unknown or len(set(formats)) != len(formats):
        raise ValueError(f"formats must be distinct names among ('saved_model', "
                         f"{', '.join(map(repr, FORMATS))}); got {formats!r}")
    return tuple(f for f in FORMATS if f in formats)


def file_names(functions, formats):
    """{format: {function: relative path}} of the portable files."""
    return {fmt: {name: f"{fmt}/{name}{convert.EXTENSIONS[fmt]}" for name in functions}
            for fmt in formats}


def portable_functions(signature_names):
    return [name for name in graphs.FUNCTIONS if name in signature_names]


def write(saved_model_dir, out_dir, formats=FORMATS, loaded=None, metadata=None):
    """Write the portable files of the SavedModel at `saved_model_dir` into `out_dir` (created;
    it must not hold a `portable.json` yet) and return their description (`portable.json`).

    Raises:
      ImportError: the `export` extra is not installed.
      ValueError: a format is unknown, or a converted file's outputs differ from the
        SavedModel's by more than `TOLERANCE` (the message names the file and the difference).
    """
    formats = check_formats(formats)
    if loaded is None:
        loaded = tf.saved_model.load(saved_model_dir)
    if metadata is None:
        with open(os.path.join(saved_model_dir, "assets", "zoo_metadata.json")) as f:
            metadata = json.load(f)
    if os.path.exists(os.path.join(out_dir, DESCRIPTION_FILE)):
        raise FileExistsError(f"{out_dir} already holds a portable export")
    portable = graphs.portable_graphs(loaded, metadata)
    files = file_names(sorted(portable), formats)
    for fmt in formats:
        os.makedirs(os.path.join(out_dir, fmt), exist_ok=True)
        for name, graph in portable.items():
            convert.CONVERTERS[fmt](graph, os.path.join(out_dir, files[fmt][name]))
    description = _description(metadata, portable, formats, files)
    _write_json(os.path.join(out_dir, DESCRIPTION_FILE), description)
    description["max_abs_diff"] = measure(loaded, metadata, out_dir, formats)
    _write_json(os.path.join(out_dir, DESCRIPTION_FILE), description)
    return description


def _description(metadata, portable, formats, files):
    functions = {}
    for name, graph in portable.items():
        inputs = {}
        for key, (_, shape) in graph.inputs.items():
            meaning = EPS_MEANING[name] if key == "eps" else INPUT_MEANING[key]
            inputs[key] = {"shape": shape, "dtype": "float32", "meaning": meaning}
        functions[name] = {"inputs": inputs, "outputs": sorted(graph.outputs),
                           "files": {fmt: files[fmt][name] for fmt in formats}}
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {"format_version": FORMAT_VERSION, "model_class": metadata["model_class"],
            "formats": list(formats), "functions": functions, "tolerance": TOLERANCE,
            "onnx_opset": convert.ONNX_OPSET, "packages": versions,
            "score": metadata.get("score"), "notes": (
                "Inputs are not checked inside the graphs (PortableModel checks them); the batch "
                "dimension (-1) is free. -1 = any size. sample_<name> signatures are not exported.")}


def check_inputs(metadata, name, graph_inputs, num=CHECK_BATCH, seed=CHECK_SEED):
    """{input: array} of fixed check inputs of function `name` (the SavedModel's own noise)."""
    rng = np.random.default_rng(seed)
    values = {"images": rng.uniform(size=(num, *metadata["input_shape"])),
              "z": rng.normal(size=(num, metadata["latent_dim"])),
              "noise": rng.normal(size=(num, metadata["noise_dim"]))}
    if name in ("sample", "score"):
        values.update(graphs.saved_model_noise(metadata, name, num, seed))
    return {key: np.asarray(values[key], np.float32) for key in graph_inputs}


def saved_model_outputs(loaded, name, inputs, num=CHECK_BATCH, seed=CHECK_SEED):
    """The SavedModel's outputs for the portable function's `inputs` (`sample` from `seed`)."""
    signature = loaded.signatures[name]
    if name == "sample":
        outputs = signature(num_samples=tf.constant(num, tf.int32),
                            seed=tf.constant(seed, tf.int64))
    else:
        outputs = signature(**{key: tf.constant(value) for key, value in inputs.items()
                               if key != "eps"})
    return {key: value.numpy() for key, value in outputs.items()}


def measure(loaded, metadata, out_dir, formats):
    """{format: {function: {output: max |portable - SavedModel|}}} on the check inputs; raises
    ValueError when an output is outside `TOLERANCE`."""
    measured = {}
    with open(os.path.join(out_dir, DESCRIPTION_FILE)) as f:
        description = json.load(f)
    for fmt in formats:
        model = PortableModel(out_dir, fmt)
        measured[fmt] = {}
        for name, spec in sorted(description["functions"].items()):
            inputs = check_inputs(metadata, name, spec["inputs"])
            expected = saved_model_outputs(loaded, name, inputs)
            got = model.run(name, **inputs)
            measured[fmt][name] = {}
            for key in spec["outputs"]:
                reference = expected[key]
                diff = np.abs(got[key].astype(np.float64) - reference)
                bound = TOLERANCE["atol"] + TOLERANCE["rtol"] * np.abs(reference)
                if got[key].shape != reference.shape or not np.all(diff <= bound):
                    raise ValueError(f"{spec['files'][fmt]}: output {key!r} differs from the "
                                     f"SavedModel's by up to {diff.max():.3g} (shape "
                                     f"{got[key].shape} vs {reference.shape}); tolerance "
                                     f"{TOLERANCE}")
                measured[fmt][name][key] = float(diff.max())
    return measured


def _write_json(path, value):
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w") as f:
        json.dump(value, f, indent=2, sort_keys=True)
    os.replace(temporary, path)
