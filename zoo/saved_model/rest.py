"""TF Serving's REST predict protocol for the signatures of a loaded SavedModel (no web server).

A request body names a signature (`signature_name`, default `serving_default`) and carries its
inputs in one of two formats, answered in the matching one:

```none
row:      {"instances": [{"noise": [..]}, {"noise": [..]}]}   -> {"predictions": [row, row]}
          {"instances": [[..], [..]]}   (single-input signatures)
          every input of a row shares the batch dimension; a row's answer is the output value
          (one output) or {output: value} (several)
columnar: {"inputs": {"num_samples": 3, "seed": 42}}          -> {"outputs": value}
          {"inputs": [[..], [..]]}      (single-input signatures)  or {"outputs": {output: value}}
```
JSON numbers become the signature's dtype (float32 accepts integers; integer inputs accept only
integers); `NaN` and `Infinity` literals are accepted, as TF Serving accepts them, and then
rejected by the signature's own finiteness check. A body is UTF-8 JSON without a byte order mark
(RFC 8259) nesting arrays and objects at most `MAX_JSON_DEPTH` deep (an image batch in the row
format needs 7); `decode_body` answers 400 for anything else, before a recursive parser sees it.
`num_samples` counts against the batch limit by its value, however it is wrapped. Every failure
is a `RestError` with the HTTP status TF Serving would answer (400 for a bad request) and a
readable message: for a signature's in-graph check that is the check's own message, without
TensorFlow's "Graph execution error" wrapping.
"""

import codecs
import json
import re

import numpy as np
import orjson
import tensorflow as tf

DEFAULT_SIGNATURE = "serving_default"
MAX_JSON_DEPTH = 32
_BYTE_ORDER_MARKS = {codecs.BOM_UTF8: "UTF-8", codecs.BOM_UTF16_LE: "UTF-16 LE",
                     codecs.BOM_UTF16_BE: "UTF-16 BE"}
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = np.frombuffer(b"[]{}", np.uint8)


class RestError(Exception):
    """A request the server answers with HTTP `status` and `{"error": message}`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def readable_error(error):
    """The user-facing line of a TensorFlow error: an in-graph `tf.Assert`'s message first.

    `InvalidArgumentError`s of a loaded signature read `Graph execution error: Detected at node
    ... assertion failed: [images must have shape ...] [2 8 8 3] [[{{node ...}}]] [Op:...]`;
    this returns `images must have shape ... [2 8 8 3]`.
    """
    text = getattr(error, "message", None) or str(error)
    match = re.search(r"assertion failed: (.*)", text)
    if match:
        line = match.group(1)
    else:
        lines = [line.strip() for line in text.splitlines()]
        skipped = ("Graph execution error", "Detected at node", "<stack traces", "[[")
        line = next((line for line in lines if line and not line.startswith(skipped)),
                    text.strip())
    line = re.split(r"\s*\[\[\{\{", line)[0]  # the node name
    line = re.sub(r"\s*\[Op:[^\]]*\]\s*$", "", line)
    return _join_assert_items(line.strip())


def _join_assert_items(line):
    """tf.Assert prints its items each in brackets, "[text; got shape] [2 8 8 3]": unwrap the
    items, keeping brackets around multi-number ones ("text; got shape [2 8 8 3]")."""
    if not (line.startswith("[") and line.endswith("]")):
        return line
    items = line[1:-1].split("] [")
    return " ".join([items[0]] + [f"[{item}]" if " " in item else item for item in items[1:]])


def decode_body(data):
    """The JSON value of a request body (bytes); `RestError(400)` naming the problem for a byte
    order mark, nesting deeper than `MAX_JSON_DEPTH`, text that is not UTF-8 or not JSON."""
    for mark, encoding in _BYTE_ORDER_MARKS.items():
        if data.startswith(mark):
            raise RestError(400, f"the request body starts with a {encoding} byte order mark "
                                 f"({mark.hex(' ').upper()}); JSON (RFC 8259) is UTF-8 without "
                                 f"one: send the body without it")
    depth = nesting_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise RestError(400, f"the request body nests arrays and objects {depth} levels deep; "
                             f"this server accepts at most {MAX_JSON_DEPTH} (an image batch "
                             f"needs 7)")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data.decode("utf-8"))  # Slower, but takes NaN and Infinity as TF does.
    except (ValueError, UnicodeDecodeError) as failure:
        raise RestError(400, f"the request body is not valid JSON: {failure}") from None


def nesting_depth(data):
    """How deep arrays and objects nest in the JSON text `data` (bytes), brackets inside strings
    not counted: a linear scan (regular expression and NumPy), no recursion."""
    text = _JSON_STRING.sub(b'""', data) if b'"' in data else data
    codes = np.frombuffer(text, np.uint8)
    kinds = codes[np.flatnonzero(np.isin(codes, _BRACKETS))]
    steps = np.where((kinds == ord("[")) | (kinds == ord("{")), 1, -1)
    return int(np.cumsum(steps).max(initial=0))


def _input_specs(signature):
    return signature.structured_input_signature[1]


def _as_array(value, spec, name, signature_name):
    """`value` (nested JSON lists) as a NumPy array of the input's dtype; RestError if not."""
    dtype = spec.dtype.as_numpy_dtype
    expected = f"{spec.dtype.name} {_shape_text(spec.shape)}"
    try:
        array = np.asarray(value)
    except ValueError:
        raise RestError(400, f"input '{name}' of signature '{signature_name}' is not a "
                             f"rectangular array (rows of different lengths); expected "
                             f"{expected}") from None
    if array.dtype == object or array.dtype.kind not in "iuf" and array.size:
        raise RestError(400, f"input '{name}' of signature '{signature_name}' must hold "
                             f"numbers ({expected}); got {_json_kind(array)}")
    if np.issubdtype(dtype, np.integer):
        if array.dtype.kind == "f" and array.size:
            raise RestError(400, f"input '{name}' of signature '{signature_name}' must hold "
                                 f"integers ({expected}); got {array.reshape(-1)[0]!r}")
        info = np.iinfo(dtype)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise RestError(400, f"input '{name}' of signature '{signature_name}' is out of "
                                 f"the {spec.dtype.name} range")
    array = array.astype(dtype)
    if spec.shape.rank == 0:
        if array.size != 1:
            raise RestError(400, f"input '{name}' of signature '{signature_name}' must be a "
                                 f"scalar ({spec.dtype.name}); got shape {list(array.shape)}")
        array = array.reshape(())
    return array


def _json_kind(array):
    if array.dtype.kind == "b":
        return "booleans"
    if array.dtype.kind in "US":
        return "strings"
    return "values that are not all numbers (null, objects or mixed types)"


def _shape_text(shape):
    if shape.rank is None:
        return "of any shape"
    return "[" + ", ".join("N" if i == 0 and d is None else ("?" if d is None else str(d))
                           for i, d in enumerate(shape.as_list())) + "]"


def parse(body, signatures):
    """(signature name, {input: array}, format) of a request `body` (a decoded JSON object).

    `format` is "row" or "columnar". Raises `RestError(400)` for a malformed body or an unknown
    signature.
    """
    if not isinstance(body, dict):
        raise RestError(400, "the request body must be a JSON object with 'instances' (row "
                             "format) or 'inputs' (columnar format)")
    name = body.get("signature_name", DEFAULT_SIGNATURE)
    if not isinstance(name, str) or name not in signatures:
        raise RestError(400, f"serving signature name {name!r} not found; this model has "
                             f"{sorted(signatures)}")
    if ("instances" in body) == ("inputs" in body):
        raise RestError(400, "the request body must have exactly one of 'instances' (row "
                             "format) and 'inputs' (columnar format)")
    specs = _input_specs(signatures[name])
    if "instances" in body:
        values = _rows(body["instances"], specs, name)
        form = "row"
    else:
        values = _columns(body["inputs"], specs, name)
        form = "columnar"
    missing, unknown = sorted(set(specs) - set(values)), sorted(set(values) - set(specs))
    if missing or unknown:
        raise RestError(400, f"signature '{name}' takes inputs {sorted(specs)}; missing "
                             f"{missing}, unknown {unknown}")
    return name, {key: _as_array(value, specs[key], key, name) for key, value in values.items()}, \
        form


def _rows(instances, specs, name):
    if not isinstance(instances, list) or not instances:
        raise RestError(400, "'instances' must be a non-empty list (one entry per example)")
    if all(isinstance(row, dict) for row in instances):
        keys = set(instances[0])
        if any(set(row) != keys for row in instances):
            raise RestError(400, "every instance must name the same inputs")
        return {key: [row[key] for row in instances] for key in keys}
    if any(isinstance(row, dict) for row in instances):
        raise RestError(400, "'instances' mixes named ({...}) and bare rows")
    if len(specs) != 1:
        raise RestError(400, f"signature '{name}' has several inputs {sorted(specs)}: name them "
                             f"in every instance, or use the columnar 'inputs' format")
    return {next(iter(specs)): instances}


def _columns(inputs, specs, name):
    if isinstance(inputs, dict):
        return inputs
    if len(specs) != 1:
        raise RestError(400, f"signature '{name}' has several inputs {sorted(specs)}: give "
                             f"'inputs' as an object naming each")
    return {next(iter(specs)): inputs}


def batch_size(inputs):
    """The number of examples a parsed request asks for: the largest leading dimension, or the
    value of `num_samples` (the `sample` signature), whether sent as a scalar or wrapped in
    lists (`[3]` in the columnar format, or the row format's one-row column)."""
    sizes = [int(a.shape[0]) for a in inputs.values() if a.ndim > 0]
    count = inputs.get("num_samples")
    if count is not None and count.size and np.issubdtype(count.dtype, np.integer):
        sizes.append(int(count.max()))
    return max(sizes, default=0)


def run(signature, inputs):
    """Output name -> NumPy array; `RestError(400)` with the readable message of a rejected
    input, `RestError(500)` for any other TensorFlow failure."""
    try:
        outputs = signature(**{key: tf.constant(value) for key, value in inputs.items()})
    except tf.errors.InvalidArgumentError as error:
        raise RestError(400, readable_error(error)) from None
    except (TypeError, ValueError) as error:  # The function rejected the arguments themselves.
        raise RestError(400, str(error).splitlines()[0]) from None
    except tf.errors.OpError as error:
        raise RestError(500, f"{type(error).__name__}: {readable_error(error)}") from None
    return {key: value.numpy() for key, value in outputs.items()}


def response(outputs, form, num_rows=None):
    """The answer body: `{"predictions": [...]}` (row) or `{"outputs": ...}` (columnar)."""
    if form == "columnar":
        return {"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs}
    bad = {key: list(value.shape) for key, value in outputs.items()
           if value.ndim == 0 or value.shape[0] != num_rows}
    if bad:
        raise RestError(400, f"the outputs {bad} do not have one entry per instance "
                             f"({num_rows}); use the columnar 'inputs' format for this "
                             f"signature")
    if len(outputs) == 1:
        return {"predictions": next(iter(outputs.values()))}
    return {"predictions": [{key: value[i] for key, value in outputs.items()}
                            for i in range(num_rows)]}


def predict(body, signatures, max_batch_size):
    """The full predict step: parse `body`, check the batch limit, run, format the answer."""
    name, inputs, form = parse(body, signatures)
    size = batch_size(inputs)
    if size > max_batch_size:
        raise RestError(400, f"the request asks for {size} examples; this server answers at "
                             f"most {max_batch_size} per request (--max_batch_size): split it")
    num_rows = len(body["instances"]) if form == "row" else None
    return response(run(signatures[name], inputs), form, num_rows)
