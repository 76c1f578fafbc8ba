"""Property: every request to an exported model's serving signatures either succeeds with valid
images / scores, or fails with one of the documented errors (zoo.saved_model.signatures): an
`InvalidArgumentError` naming the expected shape, finiteness or [0, 1] range, or the signature's
own dtype rejection. Valid requests never fail."""

import re

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoo import builders, export

IMAGE = (8, 8, 1)
LATENT = 3
INPUTS = {"encode": "images", "reconstruct": "images", "score": "images", "decode": "z",
          "generate": "noise", "serving_default": "noise"}
TRAILING = {"images": IMAGE, "z": (LATENT,), "noise": (LATENT,)}
DOCUMENTED = [
    r"(images|z|noise) must have shape \[N, [0-9, ]+\] \(float32( in \[0, 1\])?\); got shape",
    r"(images|z|noise) must be finite \(found NaN or Inf\); expected shape",
    r"images must lie in \[0, 1\]; got min",
    r"(z|noise) values must lie in \[-10000, 10000\] \(the prior is N\(0, I\)\); got max",
    r"expected to be a float tensor but is a \w+ tensor",  # the signature's dtype rejection
]
DTYPES = [np.float32, np.float64, np.float16, np.int32, np.int64, np.uint8]


@pytest.fixture(scope="module")
def signatures(tmp_path_factory):
    model = builders.mlp_vae(IMAGE, latent_dim=LATENT, units=16, encoder_depth=2,
                             decoder_blocks=1)
    path = export(model, tmp_path_factory.mktemp("export"), num_importance_samples=4,
                  importance_chunk=2)
    return tf.saved_model.load(path).signatures


@st.composite
def requests(draw):
    name = draw(st.sampled_from(sorted(INPUTS)))
    arg = INPUTS[name]
    trailing = TRAILING[arg]
    batch = draw(st.integers(0, 3))
    if draw(st.booleans()):
        shape = (batch, *trailing)
    else:
        shape = tuple(draw(st.lists(st.integers(0, 6), min_size=0, max_size=5)))
    dtype = draw(st.sampled_from(DTYPES) if draw(st.integers(0, 3)) == 0 else st.just(np.float32))
    size = int(np.prod(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    low, high = draw(st.sampled_from([(0.0, 1.0), (-1e3, 1e3), (-1e-3, 1.0), (0.0, 1.001)]))
    values = rng.uniform(low, high, size)
    for index, special in draw(st.lists(st.tuples(st.integers(0, max(size - 1, 0)),
                                                  st.sampled_from([np.nan, np.inf, -np.inf,
                                                                   -0.0, 0.0, 1.0, 1.5, -1e30,
                                                                   3e38])),
                                        max_size=3)):
        if size:
            values[index] = special
    array = values.reshape(shape)
    if np.issubdtype(dtype, np.integer):
        array = np.nan_to_num(array, nan=0, posinf=0, neginf=0).clip(-100, 100).round()
        if dtype == np.uint8:
            array = np.abs(array)
    return name, arg, array.astype(dtype)


def is_valid(arg, array):
    if array.dtype != np.float32 or array.shape[1:] != TRAILING[arg] or array.ndim < 1:
        return False
    if not np.all(np.isfinite(array)):
        return False
    if arg != "images":
        return bool(np.all(np.abs(array) <= 1e4))  # zoo.saved_model.limits.MAX_ABS_LATENT
    return bool(np.all((array >= 0) & (array <= 1)))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(request=requests())
def test_every_request_succeeds_validly_or_fails_with_a_documented_error(signatures, request):
    name, arg, array = request
    try:
        outputs = signatures[name](**{arg: tf.constant(array)})
    except (tf.errors.InvalidArgumentError, TypeError, ValueError) as error:
        message = str(error)
        assert not is_valid(arg, array), f"a valid request failed: {message[:500]}"
        assert any(re.search(pattern, message) for pattern in DOCUMENTED), message[:1000]
        return
    assert is_valid(arg, array), f"{name} accepted {array.dtype} {array.shape}"
    n = array.shape[0]
    for key, value in outputs.items():
        value = value.numpy()
        assert value.shape[0] == n and np.all(np.isfinite(value)), key
        if key == "images":
            assert value.shape == (n, *IMAGE) and value.min(initial=0) >= 0 \
                and value.max(initial=1) <= 1


@settings(max_examples=25, deadline=None)
@given(num_samples=st.integers(-5, 6), seed=st.integers(-2**63, 2**63 - 1),
       dtypes=st.sampled_from([(tf.int32, tf.int64), (tf.int64, tf.int64), (tf.int32, tf.int32),
                               (tf.float32, tf.int64)]))
def test_sample_requests(signatures, num_samples, seed, dtypes):
    inputs = {"num_samples": tf.constant(num_samples, dtypes[0]),
              "seed": tf.constant(seed if dtypes[1] == tf.int64 else seed % 2**31, dtypes[1])}
    valid = dtypes == (tf.int32, tf.int64) and num_samples >= 0
    try:
        images = signatures["sample"](**inputs)["images"].numpy()
    except (tf.errors.InvalidArgumentError, TypeError, ValueError) as error:
        assert not valid, str(error)[:500]
        assert re.search(r"num_samples must be in \[0, 10000\] per request; got|expected to "
                         r"be a \w+ tensor but is a \w+ tensor", str(error)), str(error)[:1000]
        return
    assert valid
    assert images.shape == (num_samples, *IMAGE) and np.all((images >= 0) & (images <= 1))
