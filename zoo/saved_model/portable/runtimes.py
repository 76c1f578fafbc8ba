"""Run a portable export without TensorFlow: `PortableModel(folder, "onnx" | "tflite")`.

A thin wrapper over onnxruntime's `InferenceSession` and LiteRT's `Interpreter` (from
`ai-edge-litert`): it reads `portable.json`, checks every input (float32-convertible, finite,
the shape recorded there, images in [0, 1]) since the portable graphs check nothing, and
returns {output name: array}. Needs NumPy and the runtime alone.
"""

import json
import os

import numpy as np

DESCRIPTION_FILE = "portable.json"


class PortableModel:
    """The portable files of one format in `folder` (a folder written by
    `zoo.saved_model.portable.write`); `run(name, **inputs)` or `encode(images)`, etc."""

    def __init__(self, folder, fmt):
        with open(os.path.join(folder, DESCRIPTION_FILE)) as f:
            self.description = json.load(f)
        if fmt not in self.description["formats"]:
            raise ValueError(f"{folder} has no {fmt!r} files; it has "
                             f"{self.description['formats']}")
        self.folder, self.format = folder, fmt
        self._runners = {}

    @property
    def functions(self):
        return sorted(self.description["functions"])

    def run(self, name, **inputs):
        """{output: array} of the function `name` on keyword inputs (checked first)."""
        if name not in self.description["functions"]:
            raise ValueError(f"no portable function {name!r}; there are {self.functions}")
        spec = self.description["functions"][name]
        expected = sorted(spec["inputs"])
        if sorted(inputs) != expected:
            raise ValueError(f"{name} takes the inputs {expected}; got {sorted(inputs)}")
        arrays = {key: _checked(key, value, spec["inputs"][key]["shape"])
                  for key, value in inputs.items()}
        if name not in self._runners:
            path = os.path.join(self.folder, spec["files"][self.format])
            runner = _onnx_runner if self.format == "onnx" else _tflite_runner
            self._runners[name] = runner(path, spec["outputs"])
        return self._runners[name](arrays)

    def __getattr__(self, name):
        if name.startswith("_") or name not in self.description.get("functions", {}):
            raise AttributeError(name)
        return lambda **inputs: self.run(name, **inputs)


def _checked(key, value, shape):
    array = np.asarray(value)
    if np.iscomplexobj(array) or not (np.issubdtype(array.dtype, np.number) or
                                      array.dtype == bool):
        raise ValueError(f"{key} must be real numbers, got dtype {array.dtype}")
    array = array.astype(np.float32)
    if array.ndim != len(shape) or any(s != -1 and s != n for s, n in zip(shape, array.shape)):
        shown = ["N" if s == -1 else s for s in shape]
        raise ValueError(f"{key} must have shape {shown}; got {list(array.shape)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{key} must be finite (found NaN or Inf)")
    if key == "images" and array.size and (array.min() < 0 or array.max() > 1):
        raise ValueError(f"images must lie in [0, 1]; got min {array.min()}, max {array.max()}")
    return array


def file_name(key, inputs):
    """Output `key`'s name in the files (`graphs.PortableGraph.output_name`)."""
    return f"{key}_out" if key in inputs else key


def _onnx_runner(path, outputs):
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])

    def run(arrays):
        names = [file_name(key, arrays) for key in outputs]
        return dict(zip(outputs, session.run(names, arrays)))

    return run


def _tflite_runner(path, outputs):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    inputs = {detail["name"]: detail["index"] for detail in interpreter.get_input_details()}
    found = {detail["name"]: detail["index"] for detail in interpreter.get_output_details()}

    def run(arrays):
        for key, array in arrays.items():
            interpreter.resize_tensor_input(inputs[key], array.shape)
        interpreter.allocate_tensors()
        for key, array in arrays.items():
            interpreter.set_tensor(inputs[key], array)
        interpreter.invoke()
        return {key: np.array(interpreter.get_tensor(found[file_name(key, arrays)]))
                for key in outputs}

    return run
