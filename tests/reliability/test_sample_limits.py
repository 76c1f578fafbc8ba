"""Serving limits (`zoo.saved_model.limits`): no silent wrap or NaN, a documented maximum per
request, one-element lists over REST, metadata checked against the graph."""

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings, strategies as st

from zoo import builders, export, load
from zoo.saved_model import manifest

MAX_NUM_SAMPLES = 10_000  # the documented bound (docs/guides/serving.md, zoo.saved_model.limits)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = builders.mlp_vae((4, 4, 1), latent_dim=3, units=8, encoder_depth=1,
                             decoder_blocks=1)
    folder = tmp_path_factory.mktemp("limits") / "vae"
    return export(model, folder, num_importance_samples=2)


@pytest.fixture(scope="module")
def loaded(exported):
    return load(exported)


def test_the_documented_maximum_is_the_one_enforced():
    from zoo.saved_model import limits
    assert limits.MAX_NUM_SAMPLES == MAX_NUM_SAMPLES


@pytest.mark.parametrize("count", [2**32 + 3, 2**31, -1, MAX_NUM_SAMPLES + 1, 10**7])
def test_sample_refuses_counts_outside_the_limit_instead_of_wrapping(loaded, count):
    with pytest.raises(ValueError, match=rf"num_samples must be in \[0, {MAX_NUM_SAMPLES}\] "
                                         rf"per request, got {count}"):
        loaded.sample(count)


def test_sample_at_the_limit_and_below_returns_that_many_images(loaded):
    assert loaded.sample(3).shape == (3, 4, 4, 1)
    assert loaded.sample(MAX_NUM_SAMPLES).shape == (MAX_NUM_SAMPLES, 4, 4, 1)


def test_the_signature_itself_enforces_the_limit(loaded):
    raw = loaded.signatures["sample"]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=rf"num_samples must be in \[0, {MAX_NUM_SAMPLES}\] per request"):
        raw(num_samples=tf.constant(MAX_NUM_SAMPLES + 1), seed=tf.constant(0, tf.int64))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(min_value=-2**70, max_value=2**70))
def test_sample_never_returns_a_count_other_than_asked(loaded, count):
    if 0 <= count <= 64:
        assert len(loaded.sample(count)) == count
    elif 0 <= count <= MAX_NUM_SAMPLES:
        return  # valid, covered at the limit above; too slow to draw here
    else:
        with pytest.raises(ValueError, match="num_samples must be in"):
            loaded.sample(count)


def test_one_element_lists_are_accepted_as_the_signature_comment_says(loaded):
    """Over REST, TF Serving's row format sends each input of an instance as a [1]-vector."""
    raw = loaded.signatures["sample"]
    images = raw(num_samples=tf.constant([2]), seed=tf.constant([1], tf.int64))["images"]
    scalar = raw(num_samples=tf.constant(2), seed=tf.constant(1, tf.int64))["images"]
    np.testing.assert_array_equal(images.numpy(), scalar.numpy())
    np.testing.assert_array_equal(loaded.sample([2], seed=[1]), scalar.numpy())
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be a scalar"):
        raw(num_samples=tf.constant([2, 3]), seed=tf.constant(1, tf.int64))


def test_rest_row_request_with_one_instance(loaded):
    """The JSON body {"instances": [{"num_samples": 2, "seed": 1}]} fed as TF Serving feeds a
    row request: every input stacked along a new axis of length 1."""
    body = json.loads('{"signature_name": "sample", "instances": [{"num_samples": 2, "seed": 1}]}')
    raw = loaded.signatures[body["signature_name"]]
    specs = raw.structured_input_signature[1]
    inputs = {name: tf.constant(np.asarray([row[name] for row in body["instances"]],
                                           specs[name].dtype.as_numpy_dtype))
              for name in specs}
    assert inputs["num_samples"].shape == (1,)
    assert raw(**inputs)["images"].shape == (2, 4, 4, 1)


@pytest.mark.parametrize("value", [3e38, -3e38, 1e5])
def test_extreme_latents_are_refused_not_decoded_to_nan(loaded, value):
    with pytest.raises(ValueError, match=r"z values must lie in \[-10000, 10000\]"):
        loaded.decode(np.full((2, 3), value, np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"z values must lie in"):
        loaded.signatures["decode"](z=tf.fill([2, 3], np.float32(value)))
    with pytest.raises(ValueError, match=r"noise values must lie in"):
        loaded.generate(np.full((2, 3), value, np.float32))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(min_value=-1e4, max_value=1e4, width=32))
def test_every_accepted_latent_decodes_to_finite_images(loaded, value):
    images = loaded.decode(np.full((1, 3), value, np.float32))
    assert np.all(np.isfinite(images)) and images.min() >= 0.0 and images.max() <= 1.0


def test_load_checks_the_metadata_against_the_graph(exported, tmp_path):
    # Metadata that lies about the graph, sealed by a manifest written after the edit (so the
    # manifest check passes and the graph check must catch it).
    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    path = copy / "assets" / "zoo_metadata.json"
    metadata = json.loads(path.read_text())

    def write(text):
        path.write_text(text)
        manifest.write(str(copy))

    metadata["latent_dim"] = 5
    write(json.dumps(metadata))
    with pytest.raises(ValueError, match=r"says latent_dim = 5 but the graph's decode signature "
                                         r"rejects z of shape \[1, 5\]"):
        load(copy)
    metadata["latent_dim"], metadata["input_shape"] = 3, [8, 8, 1]
    write(json.dumps(metadata))
    with pytest.raises(ValueError, match=r"says input_shape = \[8, 8, 1\] but the graph's "
                                         r"decode signature returns images of shape \[4, 4, 1\]"):
        load(copy)
    write("[]")
    with pytest.raises(ValueError, match=r"zoo_metadata.json must hold a JSON object, got list"):
        load(copy)
