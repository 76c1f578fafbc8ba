"""Convert a `PortableGraph` to ONNX (tf2onnx) or TFLite (TensorFlow's TFLiteConverter).

Both files take the graph's inputs and return its outputs by name (`images`, `z`, `noise`,
`eps`; `z_mean`, `images`, `nll`, ...): the ONNX graph's inputs and outputs are renamed to them,
(an output named like an input is `<name>_out` in ONNX), and the TFLite file has one signature (`serving_default`) with those keys.
"""

import os

import tensorflow as tf

ONNX_OPSET = 17  # run by onnxruntime 1.32; the opset tf2onnx 1.17 converts to by default
EXTENSIONS = {"onnx": ".onnx", "tflite": ".tflite"}


def requirement_error(error):
    return ImportError(f"portable exports need the `export` extra (pip install "
                       f"'vae-zoo[export]': tf2onnx, onnx, onnxruntime, ai-edge-litert): "
                       f"{error}")


def to_onnx(graph, path):
    """Write `graph` as an ONNX model at `path`."""
    try:
        import onnx
        import tf2onnx
    except ImportError as error:
        raise requirement_error(error) from None
    model, _ = tf2onnx.convert.from_graph_def(
        graph.graph_def, input_names=[tensor for tensor, _ in graph.inputs.values()],
        output_names=list(graph.outputs.values()), opset=ONNX_OPSET)
    renames = {tensor: key for key, (tensor, _) in graph.inputs.items()}
    renames.update({tensor: graph.output_name(key) for key, tensor in graph.outputs.items()})
    for value in [*model.graph.input, *model.graph.output]:
        value.name = renames.get(value.name, value.name)
    for node in model.graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    onnx.checker.check_model(model)
    _write(path, model.SerializeToString())


def to_tflite(graph, path):
    """Write `graph` as a TFLite flatbuffer at `path` (builtin ops only)."""
    converter = tf.lite.TFLiteConverter.from_concrete_functions([graph.function()])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    _write(path, converter.convert())


CONVERTERS = {"onnx": to_onnx, "tflite": to_tflite}


def _write(path, data):
    """Write `data` to `path` through a temporary file in the same folder (atomic)."""
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)
