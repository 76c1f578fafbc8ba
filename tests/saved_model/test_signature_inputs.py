"""Bad inputs fail inside the signatures with an InvalidArgumentError that names the problem."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.saved_model import load

Invalid = tf.errors.InvalidArgumentError


@pytest.fixture(scope="module")
def vae(exported):
    return load(exported["GaussianVAE"][1])


@pytest.fixture(scope="module")
def ae(exported):
    return load(exported["AE"][1])


def images(*shape):
    return np.random.default_rng(0).uniform(size=shape).astype(np.float32)


@pytest.mark.parametrize("signature", ["encode", "reconstruct", "score"])
@pytest.mark.parametrize("bad, message", [
    (images(2, 4, 4, 1), r"images must have shape \[N, 8, 8, 1\] \(float32 in \[0, 1\]\); "
                         r"got shape\] \[2 4 4 1\]"),
    (images(2, 8, 8, 3), r"images must have shape \[N, 8, 8, 1\].*\[2 8 8 3\]"),
    (images(2, 8, 8), r"images must have shape \[N, 8, 8, 1\].*\[2 8 8\]"),
    (images(2, 8, 8, 1, 1), r"images must have shape \[N, 8, 8, 1\].*\[2 8 8 1 1\]"),
    (np.full((2, 8, 8, 1), np.nan, np.float32), r"images must be finite \(found NaN or Inf\)"),
    (np.full((2, 8, 8, 1), np.inf, np.float32), r"images must be finite"),
    (images(2, 8, 8, 1) * 255, r"images must lie in \[0, 1\]; got min\] \[[0-9.e-]+\] \[max\]"),
    (images(2, 8, 8, 1) - 0.5, r"images must lie in \[0, 1\]"),
])
def test_bad_images(vae, signature, bad, message):
    with pytest.raises(Invalid, match=message):
        getattr(vae, signature)(bad)


def test_bad_latents_and_noise(vae, ae):
    with pytest.raises(Invalid, match=r"z must have shape \[N, 4\] \(float32\); got shape\] "
                                      r"\[2 5\]"):
        vae.decode(np.zeros((2, 5)))
    with pytest.raises(Invalid, match=r"z must be finite"):
        ae.decode(np.array([[0.0, np.nan, 0.0, 0.0]]))
    with pytest.raises(Invalid, match=r"noise must have shape \[N, 4\]"):
        vae.generate(np.zeros((3, 4, 1)))
    with pytest.raises(Invalid, match=r"noise must be finite"):
        vae.generate(np.array([[np.inf, 0.0, 0.0, 0.0]]))


def test_bad_sample_arguments(vae):
    with pytest.raises(ValueError, match=r"num_samples must be in \[0, 10000\] per request, "
                                         r"got -3"):
        vae.sample(-3, seed=1)
    with pytest.raises(Invalid, match=r"num_samples must be in \[0, 10000\] per request; "
                                      r"got\] \[-3\]"):
        vae.signatures["sample"](num_samples=tf.constant(-3), seed=tf.constant(1, tf.int64))
    assert vae.sample(0, seed=1).shape == (0, 8, 8, 1)


def test_wrong_dtypes_are_rejected_by_the_signature(vae):
    signatures = vae.signatures
    with pytest.raises(Invalid, match=r"expected to be a float tensor but is a double tensor"):
        signatures["encode"](images=tf.constant(images(1, 8, 8, 1), tf.float64))
    with pytest.raises(Invalid, match=r"expected to be a float tensor but is a uint8 tensor"):
        signatures["reconstruct"](images=tf.zeros([1, 8, 8, 1], tf.uint8))
    with pytest.raises(Invalid, match=r"expected to be a int32 tensor but is a int64 tensor"):
        signatures["sample"](num_samples=tf.constant(2, tf.int64), seed=tf.constant(0, tf.int64))
    with pytest.raises(Invalid, match=r"expected to be a int64 tensor but is a int32 tensor"):
        signatures["sample"](num_samples=tf.constant(2), seed=tf.constant(0))


def test_the_loader_converts_arrays_but_keeps_the_range_check(vae):
    x = images(2, 8, 8, 1)
    np.testing.assert_array_equal(vae.reconstruct(x.astype(np.float64)), vae.reconstruct(x))
    with pytest.raises(Invalid, match=r"images must lie in \[0, 1\]"):
        vae.reconstruct((x * 255).astype(np.uint8) + 2)  # uint8 pixels, not [0, 1] floats
