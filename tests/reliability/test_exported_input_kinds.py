"""Inputs of an exported model that NumPy would convert silently: booleans for `sample`'s
`num_samples` / `seed` (True is an int), complex arrays (the imaginary part dropped), and empty
batches (an empty result of the signature's shape, in Python and in the raw signature alike)."""

import numpy as np
import pytest
import tensorflow as tf

from zoo import builders, export, load
from zoo.saved_model import limits, rest


@pytest.fixture(scope="module", params=["mlp", "conv"])
def loaded(request, tmp_path_factory):
    if request.param == "mlp":
        model = builders.mlp_vae((4, 4, 1), latent_dim=3, units=8, encoder_depth=1,
                                 decoder_blocks=1)
    else:
        model = builders.conv_vae((28, 28, 1), latent_dim=2, width=0.125)
    folder = tmp_path_factory.mktemp("kinds") / request.param
    return load(export(model, folder, num_importance_samples=2))


def shapes(model):
    image_shape = tuple(model.metadata["input_shape"])
    return image_shape, model.metadata["latent_dim"], model.metadata["noise_dim"]


@pytest.mark.parametrize("value", [True, False, np.bool_(True), [True]])
def test_booleans_are_refused_for_num_samples_and_seed(value):
    with pytest.raises(ValueError, match=r"num_samples must be one integer, got the boolean"):
        limits.check_num_samples(value)
    with pytest.raises(ValueError, match=r"seed must be one integer, got the boolean"):
        limits.check_seed(value)


def test_sample_refuses_booleans_instead_of_drawing_one_image(loaded):
    with pytest.raises(ValueError, match=r"num_samples must be one integer, got the boolean True"):
        loaded.sample(True)
    with pytest.raises(ValueError, match=r"seed must be one integer, got the boolean False"):
        loaded.sample(2, seed=False)


@pytest.mark.parametrize("inputs", [{"num_samples": True, "seed": 1},
                                    {"num_samples": 2, "seed": True}])
def test_rest_bodies_with_booleans_are_refused(loaded, inputs):
    bad = next(key for key, value in inputs.items() if value is True)
    for body in ({"signature_name": "sample", "inputs": inputs},
                 {"signature_name": "sample", "instances": [inputs]}):
        with pytest.raises(rest.RestError, match=rf"input '{bad}' of signature 'sample' must "
                                                 rf"hold numbers .*got booleans") as error:
            rest.predict(body, loaded.signatures, max_batch_size=100)
        assert error.value.status == 400


def test_complex_inputs_are_refused_naming_the_input(loaded):
    image_shape, latent_dim, noise_dim = shapes(loaded)
    images = np.full((2, *image_shape), 0.5 + 0.5j)
    for method in ("encode", "reconstruct", "score"):
        with pytest.raises(ValueError, match=r"images must hold real numbers .*got a complex128 "
                                             r"array"):
            getattr(loaded, method)(images)
    with pytest.raises(ValueError, match=r"z must hold real numbers .*complex64"):
        loaded.decode(np.zeros((2, latent_dim), np.complex64))
    with pytest.raises(ValueError, match=r"noise must hold real numbers .*complex128"):
        loaded.generate(np.zeros((2, noise_dim), complex))


def test_empty_batches_answer_empty_results_of_the_signature_shape(loaded):
    image_shape, latent_dim, noise_dim = shapes(loaded)
    empty = np.zeros((0, *image_shape), np.float32)
    assert loaded.reconstruct(empty).shape == (0, *image_shape)
    assert loaded.decode(np.zeros((0, latent_dim))).shape == (0, *image_shape)
    assert loaded.generate(np.zeros((0, noise_dim))).shape == (0, *image_shape)
    assert loaded.sample(0).shape == (0, *image_shape)
    assert {k: v.shape for k, v in loaded.encode(empty).items()} == {
        "z_mean": (0, latent_dim), "z_log_scale": (0, latent_dim)}
    assert {k: v.shape for k, v in loaded.score(empty).items()} == {
        "nll": (0,), "bits_per_dim": (0,)}
    raw = loaded.signatures["reconstruct"](images=tf.constant(empty))["images"]
    assert raw.shape == (0, *image_shape)
