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
    ({"signature_name": "sample", "inputs": {"num_samples": [11], "seed": 0}},
     "asks for 11 examples; this server answers at most 10"),
    ({"signature_name": "sample", "inputs": {"num_samples": [[11]], "seed": [0]}},
     "asks for 11 examples"),
    ({"signature_name": "sample", "instances": [{"num_samples": 11, "seed": 0}]},
     "asks for 11 examples"),
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


@pytest.mark.parametrize("data, message", [
    (b"\xef\xbb\xbf" + b'{"instances": [[0.0, 0.0, 0.0]]}',
     "starts with a UTF-8 byte order mark (EF BB BF); JSON (RFC 8259) is UTF-8 without one"),
    (b"\xff\xfe" + '{"instances": [[0.0]]}'.encode("utf-16-le"), "UTF-16 LE byte order mark"),
    (b"[" * 5000 + b"]" * 5000, f"5000 levels deep; this server accepts at most "
                                 f"{rest.MAX_JSON_DEPTH}"),
    (b'{"a": ' * 5000 + b"1" + b"}" * 5000, "5000 levels deep"),
    (b'{"instances": [\xff]}', "not valid JSON"),
    (b'{"instances": [', "not valid JSON"),
])
def test_undecodable_bodies_are_400_naming_the_problem(data, message):
    with pytest.raises(rest.RestError) as raised:
        rest.decode_body(data)
    assert raised.value.status == 400
    assert message in raised.value.message, raised.value.message


def test_decode_body_nesting_limit_and_literals():
    """Brackets inside strings do not count; the limit itself is accepted; NaN still parses."""
    assert rest.nesting_depth(b'{"a": "[[\\"[[{", "b": [[1]]}') == 3
    assert rest.nesting_depth(b"7") == 0
    limit = rest.MAX_JSON_DEPTH
    assert rest.nesting_depth(b"[" * limit + b"]" * limit) == limit
    assert rest.decode_body(b"[" * limit + b"]" * limit) is not None
    assert np.isnan(rest.decode_body(b'{"x": [NaN]}')["x"][0])
