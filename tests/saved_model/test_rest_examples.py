"""The serving guide's REST bodies (docs/guides/serving.md, rest_examples.json), fed as TF
Serving would feed them."""

import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tiny_models import perturb
from zoo import builders
from zoo.saved_model import export, load

EXAMPLES = json.loads((Path(__file__).parent / "rest_examples.json").read_text())


def request_inputs(body, signature):
    """Input name -> tensor, following TF Serving's row ("instances") and columnar ("inputs")
    formats: rows are stacked along a new batch axis; a bare value names the only input."""
    specs = signature.structured_input_signature[1]
    if "instances" in body:
        rows = [row if isinstance(row, dict) else {next(iter(specs)): row}
                for row in body["instances"]]
        values = {name: [row[name] for row in rows] for name in rows[0]}
    else:
        values = body["inputs"] if isinstance(body["inputs"], dict) \
            else {next(iter(specs)): body["inputs"]}
    assert set(values) == set(specs)
    return {name: tf.constant(np.asarray(value, specs[name].dtype.as_numpy_dtype))
            for name, value in values.items()}


def response(body, outputs):
    """The JSON TF Serving answers: rows for "instances", columns for "inputs"."""
    outputs = {name: value.numpy().tolist() for name, value in outputs.items()}
    if "instances" in body:
        count = len(body["instances"])
        rows = [{name: value[i] for name, value in outputs.items()} for i in range(count)]
        return {"predictions": [row[next(iter(row))] if len(row) == 1 else row for row in rows]}
    return {"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    spec = EXAMPLES["model"]
    assert spec["builder"] == "mlp_vae"
    model = perturb(builders.mlp_vae(tuple(spec["input_shape"]), latent_dim=spec["latent_dim"],
                                     units=16, encoder_depth=2, decoder_blocks=1))
    folder = tmp_path_factory.mktemp("served") / "vae"
    export(model, folder, num_importance_samples=8)
    return load(folder)


@pytest.mark.parametrize("example", EXAMPLES["examples"], ids=lambda e: e["signature"])
def test_rest_example(served, example):
    body = example["request"]
    name = body.get("signature_name", "serving_default")
    assert name == example["signature"]
    signature = served.signatures[name]
    outputs = signature(**request_inputs(body, signature))
    assert {k: list(v.shape) for k, v in outputs.items()} == example["response_shapes"]
    answer = json.loads(json.dumps(response(body, outputs)))
    if "instances" in body:
        assert len(answer["predictions"]) == len(body["instances"])
    else:
        assert np.asarray(answer["outputs"]).shape == tuple(example["response_shapes"]["images"])
