"""Many images from a model in chunks, with one seed scheme for every recipe and tool.

Chunk i of a draw with seed s uses the integer seed `s * MAX_CHUNKS + i` (`chunk_seed`), passed
to the model's own stateless sampler (`model.sample(m, seed)`, whose noise is
`zoo.models.base.stateless_normal`) or to `stateless_normal` for N(0, I) codes. The same seed
gives the same images in any process; the chunk size is part of the scheme (keep `CHUNK`).
"""

import numpy as np

CHUNK = 500
MAX_CHUNKS = 1000  # chunks per seed: 500,000 images


def chunk_seed(seed, index):
    """The integer seed of chunk `index` of a draw with `seed`."""
    if not 0 <= index < MAX_CHUNKS:
        raise ValueError(f"chunk {index} of a draw: at most {MAX_CHUNKS} chunks of {CHUNK} "
                         "images per seed")
    return int(seed) * MAX_CHUNKS + index


def draw(fn, count, seed):
    """`count` images of `fn(m, chunk seed)` (m images a call) in [0, 1]."""
    parts = [np.asarray(fn(min(CHUNK, count - start), chunk_seed(seed, i)))
             for i, start in enumerate(range(0, count, CHUNK))]
    return np.clip(np.concatenate(parts), 0.0, 1.0)


def samples(model, count, seed):
    """`count` samples of `model.sample` (the model's own prior path), in [0, 1]."""
    return draw(lambda m, s: model.sample(m, seed=s), count, seed)


def prior_decodes(decode, latent_dim, count, seed):
    """`decode(z)` of `count` codes z ~ N(0, I) of `latent_dim` dims, in [0, 1] (a decoder
    fed the prior, e.g. a two-stage VAE's first stage alone)."""
    from zoo.models.base import stateless_normal

    return draw(lambda m, s: decode(stateless_normal([m, latent_dim], s, stream=0)), count,
                seed)


def mapped(fn, images, seed=None):
    """`fn` (images -> images, e.g. `model.reconstruct`) over `images` in chunks, in [0, 1];
    with a `seed`, `fn(chunk, chunk seed)` (a stochastic map)."""
    parts = []
    for i, start in enumerate(range(0, len(images), CHUNK)):
        chunk = images[start:start + CHUNK]
        parts.append(np.asarray(fn(chunk) if seed is None else fn(chunk, chunk_seed(seed, i))))
    return np.clip(np.concatenate(parts), 0.0, 1.0)
