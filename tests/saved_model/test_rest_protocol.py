"""zoo.saved_model.rest without a web server: TF Serving's row and columnar bodies against a loaded export,
the readable message of a signature's in-graph check, and the same message first in
`ExportedModel` errors."""

import json

import numpy as np
import pytest
import tensorflow as tf

import zoo
from tiny_models import tiny_model
from zoo.saved_model import rest


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    model = tiny_model("GaussianVAE", latent_dim=3)
    base = tmp_path_factory.mktemp("rest") / "vae"
    zoo.export(model, base, num_importance_samples=4)
    return model, zoo.load(base)


def test_row_and_columnar_bodies_answer_like_the_signature(served):
    _, loaded = served
    noise = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    expected = loaded.signatures["generate"](noise=tf.constant(noise))["images"].numpy()
    rows = rest.predict({"instances": noise.tolist()}, loaded.signatures, 10)
    named = rest.predict({"signature_name": "generate",
                          "instances": [{"noise": r} for r in noise.tolist()]},
                         loaded.signatures, 10)
    columns = rest.predict({"signature_name": "generate", "inputs": {"noise": noise.tolist()}},
                           loaded.signatures, 10)
    for answer in (rows["predictions"], named["predictions"], columns["outputs"]):
        np.testing.assert_array_equal(answer, expected)
    images = np.random.default_rng(1).uniform(size=(2, 8, 8, 1)).astype(np.float32)
    encoded = rest.predict({"signature_name": "encode", "instances": images.tolist()},
                           loaded.signatures, 10)["predictions"]
    reference = loaded.encode(images)
    assert [sorted(row) for row in encoded] == [["z_log_scale", "z_mean"]] * 2
    np.testing.assert_array_equal([row["z_mean"] for row in encoded], reference["z_mean"])
    sampled = rest.predict({"signature_name": "sample", "inputs": {"num_samples": 2, "seed": 5}},
                           loaded.signatures, 10)["outputs"]
    np.testing.assert_array_equal(sampled, loaded.sample(2, seed=5))


@pytest.mark.parametrize("body, message", [
    ({"signature_name": "reconstruct", "instances": np.zeros((1, 8, 8, 2)).tolist()},
     "images must have shape [N, 8, 8, 1] (float32 in [0, 1]); got shape [1 8 8 2]"),
    ({"signature_name": "score", "inputs": {"images": np.full((1, 8, 8, 1), np.nan).tolist()}},
     "images must be finite (found NaN or Inf)"),
    ({"signature_name": "score", "inputs": np.full((1, 8, 8, 1), -0.5).tolist()},
     "images must lie in [0, 1]; got min -0.5 max -0.5"),
    ({"signature_name": "decode", "inputs": [[True, False, True]]}, "must hold numbers"),
    ({"signature_name": "sample", "inputs": {"num_samples": 2 ** 40, "seed": 0}},
     "out of the int32 range"),
    ({"signature_name": "sample", "inputs": {"num_samples": 3}}, "missing ['seed']"),
    ({"signature_name": "generate", "instances": [[0.0] * 3] * 11}, "at most 10 per request"),
    ({"instances": [[0.0] * 3], "signature_name": 7}, "serving signature name 7 not found"),
    ([1, 2], "must be a JSON object"),
])
def test_bad_bodies_are_400_with_readable_messages(served, body, message):
    _, loaded = served
    with pytest.raises(rest.RestError) as raised:
        rest.predict(json.loads(json.dumps(body)), loaded.signatures, 10)
    assert raised.value.status == 400
    assert message in raised.value.message, raised.value.message
    assert "Graph execution error" not in raised.value.message


def test_exported_model_errors_say_the_check_first(served):
    _, loaded = served
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        loaded.reconstruct(np.zeros((2, 8, 8, 3)))
    assert str(raised.value).startswith(
        "images must have shape [N, 8, 8, 1] (float32 in [0, 1]); got shape [2 8 8 3]")
