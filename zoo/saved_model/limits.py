"""Bounds of a serving request: checked in the graph by the signatures, and again in NumPy by
`ExportedModel` (so that exports made before a bound existed get the same error).

- `MAX_NUM_SAMPLES`: images one `sample` request may ask for. 10,000 64 x 64 x 3 images are
  0.5 GB of float32; `sample(10**7)` would ask for ~31 GB and die out of memory instead of
  failing with a message. Ask in several requests (different seeds) for more.
- `MAX_ABS_LATENT`: the largest |value| accepted in a `decode` latent or `generate` noise. The
  prior is N(0, I), so |z| > 10 already has probability < 1e-22 per coordinate; 1e4 leaves room
  for deliberate extrapolation while keeping every activation of the decoder far from float32
  overflow (|z| ~ 3e38 overflows to inf - inf = NaN images instead).
- `MAX_LATENT_DIM`: the largest latent size a metadata file may give. `zoo.load` checks the
  metadata by decoding one latent of that size; `latent_dim: 1000000000` would allocate 4 GB
  before the graph could refuse it. The zoo's latents are at most 784.
"""

import numbers

import numpy as np

MAX_NUM_SAMPLES = 10_000
MAX_ABS_LATENT = 1e4
MAX_LATENT_DIM = 100_000  # a metadata file's latent_dim / noise_dim, probed with one latent


def _refuse_booleans(value, name, original):
    """ValueError if `value` (the array of `original`) holds booleans: `True` is an `int` to
    Python and NumPy, so `sample(True)` would draw one image."""
    if value.dtype == np.bool_:
        raise ValueError(f"{name} must be one integer, got the boolean {original!r}")


def check_num_samples(num_samples):
    """`num_samples` as an int in [0, MAX_NUM_SAMPLES]: a Python or NumPy integer, or a
    one-element sequence of one (as TF Serving's row format sends it); ValueError otherwise
    (never a silent wrap at 32 bits, never a boolean taken as 0 or 1)."""
    value = np.asarray(num_samples)
    _refuse_booleans(value, "num_samples", num_samples)
    if value.size != 1 or not (np.issubdtype(value.dtype, np.integer)
                               or isinstance(num_samples, numbers.Integral)):
        raise ValueError(f"num_samples must be one integer, got {num_samples!r}")
    count = int(value.reshape(-1)[0])
    if not 0 <= count <= MAX_NUM_SAMPLES:
        raise ValueError(f"num_samples must be in [0, {MAX_NUM_SAMPLES}] per request, got "
                         f"{count}; ask in several requests (different seeds) for more")
    return count


def check_seed(seed):
    """`seed` as an int64: an integer or a one-element sequence of one (not a boolean)."""
    value = np.asarray(seed)
    _refuse_booleans(value, "seed", seed)
    if value.size != 1 or not np.issubdtype(value.dtype, np.integer):
        raise ValueError(f"seed must be one integer, got {seed!r}")
    seed = int(value.reshape(-1)[0])
    if not -2**63 <= seed < 2**63:
        raise ValueError(f"seed must fit in 64 bits, got {seed}")
    return seed


def check_real(array, name):
    """`array` as a NumPy array after checking that it holds real numbers: a complex array
    would lose its imaginary part in the float32 conversion (ValueError naming `name`)."""
    array = np.asarray(array)
    if np.iscomplexobj(array):
        raise ValueError(f"{name} must hold real numbers (converted to float32), got a "
                         f"{array.dtype} array; pass the real part (or abs) explicitly")
    return array


def check_latent(array, name):
    """`array` as float32 after checking that its finite values have |value| <=
    MAX_ABS_LATENT (ValueError naming `name` otherwise). NaN / Inf and shapes are left to the
    signature's own checks (InvalidArgumentError)."""
    array = np.asarray(check_real(array, name), dtype=np.float32)
    finite = np.abs(array[np.isfinite(array)])
    if finite.size and float(finite.max()) > MAX_ABS_LATENT:
        raise ValueError(f"{name} values must lie in [-{MAX_ABS_LATENT:g}, {MAX_ABS_LATENT:g}] "
                         f"(the prior is N(0, I)); got max |{name}| {float(finite.max()):.3g}")
    return array
