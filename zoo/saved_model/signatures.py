"""The serving signatures of an exported zoo model, as `tf.function`s of a Keras model.

Every signature has an unknown batch dimension, checks its inputs inside the graph (so that TF
Serving and `saved_model_cli` reject bad requests with an `InvalidArgumentError` that names the
expected shape or range) and returns images clipped to [0, 1]:

```none
encode:      images [N, H, W, C] -> z_mean, z_log_scale [N, latent_dim]   (AE / WAE: z)
decode:      z [N, latent_dim] -> images
reconstruct: images -> images
generate:    noise [N, noise_dim] ~ N(0, I) -> images                      (serving_default)
sample:      num_samples (int32), seed (int64) -> images                  (stateless in seed)
sample_NAME: the same, decoding the codes of an attached latent sampler   (`zoo.samplers`)
score:       images -> nll, bits_per_dim [N]                              (VAE family only)
```

Limits (`zoo.saved_model.limits`): `sample` accepts a scalar or a one-element list for each of
its inputs (TF Serving's row format sends `{"instances": [{"num_samples": 2, "seed": 1}]}` as
[1]-vectors) and at most `MAX_NUM_SAMPLES` images per request; `decode` and `generate` refuse
latents or noise with |value| > `MAX_ABS_LATENT` (a finite but huge latent would overflow the
decoder to NaN images).

`score` is the importance-weighted estimate of -log p(x) with K samples z_k ~ q(z|x) drawn from
a fixed stateless seed (common to every image, so an image's score does not depend on the rest
of its batch):

```none
log w_k = log N(x | mu_x(z_k), gamma I) + log N(z_k | 0, I) - log q(z_k | x)
nll     = -(logsumexp_k log w_k - log K)
bpd     = (nll + D log(divisor)) / (D ln 2)
```
with D = H * W * C and `divisor` the data scaling (256 for dequantized 8-bit data mapped to
[0, 1] by (pixel + u) / 256; 255 for pixel / 255). For `TwoStageVAE` and `VAEPlus` the prior of
z in `nll` is the second stage's marginal, estimated inside each log w_k with M importance
samples u_m ~ q(u|z_k) (M fixed draws from stream 1 of the seed;
`zoo.models.importance_weights.second_stage_log_prior`: a nested estimate whose log is a
stochastic lower bound on log p(x), so `nll` errs high), and `first_stage_nll` /
`first_stage_bits_per_dim` are the same K samples with the first stage's prior N(0, I).
"""

import math

import tensorflow as tf

from zoo.data.scaling import bits_per_dim
from zoo.models import importance_weights
from zoo.saved_model.limits import MAX_ABS_LATENT, MAX_NUM_SAMPLES

SCORE_SEED = (20190506, 0)


def _checked(tensor, name, trailing_shape, unit_range=False, max_abs=None):
    """`tensor` [N, *trailing_shape] after in-graph checks of shape, finiteness and range
    ([0, 1] with `unit_range`, [-max_abs, max_abs] with `max_abs`).

    The checks run in order (shape, then finite, then [0, 1]) and the result carries the full
    static shape again, which the Keras layers need.
    """
    trailing_shape = [int(s) for s in trailing_shape]
    expected = "[N, " + ", ".join(str(s) for s in trailing_shape) + "]"
    kind = "float32 in [0, 1]" if unit_range else "float32"
    # Compare the runtime shape, padded with -1, to [*trailing_shape, -1]: this also catches a
    # wrong rank (a loaded signature does not enforce its input rank, and tf.rank is folded to
    # the rank of the signature at graph optimisation time).
    rank = len(trailing_shape)
    padded = tf.concat([tf.shape(tensor), -tf.ones([rank + 2], tf.int32)], 0)
    shape_ok = tf.reduce_all(tf.equal(padded[1:rank + 2], trailing_shape + [-1]))
    check = tf.Assert(shape_ok, [f"{name} must have shape {expected} ({kind}); got shape",
                                 tf.shape(tensor)], summarize=8)
    with tf.control_dependencies([check]):
        check = tf.Assert(tf.reduce_all(tf.math.is_finite(tensor)),
                          [f"{name} must be finite (found NaN or Inf); expected shape "
                           f"{expected} ({kind})"])
    if unit_range:
        with tf.control_dependencies([check]):
            inside = tf.reduce_all((tensor >= 0.0) & (tensor <= 1.0))
            check = tf.Assert(inside, [f"{name} must lie in [0, 1]; got min",
                                       tf.reduce_min(tensor), "max", tf.reduce_max(tensor)])
    if max_abs is not None:
        with tf.control_dependencies([check]):
            largest = tf.reduce_max(tf.abs(tensor))
            check = tf.Assert(tf.reduce_all(tf.abs(tensor) <= max_abs),
                              [f"{name} values must lie in [-{max_abs:g}, {max_abs:g}] (the prior "
                               f"is N(0, I)); got max |{name}|", largest])
    with tf.control_dependencies([check]):
        tensor = tf.identity(tensor)
    return tf.ensure_shape(tensor, [None, *trailing_shape])


def _clip(images):
    return tf.clip_by_value(images, 0.0, 1.0)


def _batchwise(function, batch):
    """`function(batch)` (a tensor or dict of tensors [N, ...]), with an empty batch answered
    by an empty result of the right shape: it runs on one zero row instead, which is then cut
    off. An empty batch never reaches the layers, since some CPU kernels mishandle it (seen:
    TensorFlow's Conv2D on an Intel Xeon with AVX-512 returns an empty input unchanged, so the
    next convolution fails with "input depth must be evenly divisible by filter depth")."""
    n = tf.shape(batch)[0]
    pad = tf.zeros(tf.concat([[1 - tf.minimum(n, 1)], tf.shape(batch)[1:]], 0), batch.dtype)
    padded = tf.ensure_shape(tf.concat([batch, pad], 0), batch.shape)
    return tf.nest.map_structure(lambda out: out[:n], function(padded))


def signature_functions(model, num_importance_samples=100, importance_chunk=10,
                        pixel_divisor=256.0, score_seed=SCORE_SEED, samplers=None,
                        second_stage_samples=100):
    """Name -> `tf.function` with a fixed input signature, for every signature of `model`.

    Includes `serving_default` (= `generate`). `score` only for the VAE family; for two-stage
    models (`importance_weights.second_stage`) through both stages, with `second_stage_samples`
    (M) draws of u per z_k (None: the first stage's prior N(0, I) alone, the `score` of
    two-stage exports made before the two-stage estimate, which `keras_weights` rebuilds).
    `samplers`: {name: a fitted `zoo.samplers` sampler}, each exported as `sample_<name>` (the
    `sample` inputs; `model.decode` of the sampler's codes).
    """
    image_shape = tuple(int(s) for s in model.input_shape_)
    latent_dim, noise_dim = int(model.latent_dim), int(model.noise_dim)
    vae = model.has_likelihood
    images_spec = tf.TensorSpec([None] * (1 + len(image_shape)), tf.float32, name="images")

    def as_images(images):
        return _checked(images, "images", image_shape, unit_range=True)

    @tf.function(input_signature=[images_spec], autograph=False)
    def encode(images):
        def encoded(x):
            code = model.encode(x)
            return {"z_mean": code[0], "z_log_scale": code[1]} if vae else {"z": code}

        return _batchwise(encoded, as_images(images))

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32, name="z")],
                 autograph=False)
    def decode(z):
        z = _checked(z, "z", [latent_dim], max_abs=MAX_ABS_LATENT)
        return {"images": _clip(_batchwise(model.decode, z))}

    @tf.function(input_signature=[images_spec], autograph=False)
    def reconstruct(images):
        return {"images": _clip(_batchwise(model.reconstruct, as_images(images)))}

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32, name="noise")],
                 autograph=False)
    def generate(noise):
        noise = _checked(noise, "noise", [noise_dim], max_abs=MAX_ABS_LATENT)
        return {"images": _clip(_batchwise(model.generate, noise))}

    functions = {"encode": encode, "decode": decode, "reconstruct": reconstruct,
                 "generate": generate, "sample": _sample_function(model.sample)}
    for name, sampler in (samplers or {}).items():
        functions[f"sample_{name}"] = _sample_function(
            lambda n, seed, sampler=sampler: model.decode(sampler.sample(n, seed)))
    if vae:
        functions["score"] = _score_function(model, images_spec, as_images,
                                             num_importance_samples, importance_chunk,
                                             pixel_divisor, score_seed, second_stage_samples)
    functions["serving_default"] = generate
    return functions


def _sample_function(draw):
    """A `sample`-style signature: num_samples (int32), seed (int64) -> `draw(n, seed)` images.

    Inputs of any rank: a scalar or a one-element list (TF Serving's row format) passes the
    reshape to a scalar; a longer list fails with "... must be a scalar (or a one-element
    list)"."""

    @tf.function(input_signature=[tf.TensorSpec(None, tf.int32, name="num_samples"),
                                  tf.TensorSpec(None, tf.int64, name="seed")], autograph=False)
    def sample(num_samples, seed):
        checks = [tf.Assert(tf.size(value) == 1, [f"{name} must be a scalar (or a one-element "
                                                   f"list); got shape", tf.shape(value)])
                  for name, value in (("num_samples", num_samples), ("seed", seed))]
        with tf.control_dependencies(checks):
            num_samples, seed = tf.reshape(num_samples, []), tf.reshape(seed, [])
        check = tf.Assert((num_samples >= 0) & (num_samples <= MAX_NUM_SAMPLES),
                          [f"num_samples must be in [0, {MAX_NUM_SAMPLES}] per request; got",
                           num_samples])
        with tf.control_dependencies([check]):
            num_samples = tf.identity(num_samples)
        # sample(0) draws one image and returns none of it (as in `_batchwise`)
        images = draw(tf.maximum(num_samples, 1), seed)[:num_samples]
        return {"images": _clip(images)}

    return sample


def _score_function(model, images_spec, as_images, num_samples, max_chunk, divisor, seed,
                    second_stage_samples):
    latent_dim = int(model.latent_dim)
    num_dims = math.prod(int(s) for s in model.input_shape_)
    chunk = importance_weights.importance_chunk_size(num_samples, max_chunk)
    second = importance_weights.second_stage(model) if second_stage_samples else None
    if second is not None:
        eps_u = tf.random.stateless_normal([second_stage_samples, int(second.latent_dim)],
                                           seed=tf.constant([seed[0], seed[1] + 1], tf.int64))
        log_prior = importance_weights.second_stage_log_prior(second, eps_u, max_chunk)

    def scores(log_w):
        nll = -(tf.reduce_logsumexp(tf.reshape(log_w, [num_samples, -1]), axis=0)
                - math.log(num_samples))
        return nll, bits_per_dim(nll, num_dims, divisor)

    @tf.function(input_signature=[images_spec], autograph=False)
    def score(images):
        return _batchwise(importance_scores, as_images(images))

    def importance_scores(x):
        z_mean, z_log_scale = model.encode(x)
        eps = tf.random.stateless_normal([num_samples, latent_dim],
                                         seed=tf.constant(seed, tf.int64))

        def log_weights(eps_chunk):
            """log w for `chunk` samples of every image ([chunk, N]; two-stage: stacked with
            the second stage's prior, [2, chunk, N])."""
            eps_chunk = eps_chunk[:, tf.newaxis, :]
            log_w = importance_weights.log_importance_weights(model, x, z_mean, z_log_scale,
                                                              eps_chunk)
            if second is None:
                return log_w
            z = importance_weights.codes(z_mean, z_log_scale, eps_chunk)
            return tf.stack([log_w, importance_weights.with_prior(log_w, z, log_prior)])

        shape = [chunk, None] if second is None else [2, chunk, None]
        log_w = tf.map_fn(log_weights, tf.reshape(eps, [-1, chunk, latent_dim]),
                          fn_output_signature=tf.TensorSpec(shape, tf.float32),
                          parallel_iterations=1)
        if second is None:
            nll, bpd = scores(log_w)
            return {"nll": nll, "bits_per_dim": bpd}
        first_nll, first_bpd = scores(log_w[:, 0])
        nll, bpd = scores(log_w[:, 1])
        return {"nll": nll, "bits_per_dim": bpd, "first_stage_nll": first_nll,
                "first_stage_bits_per_dim": first_bpd}

    return score
