"""How raw pixel values map to [0, 1], and the bits-per-dimension conversion that depends on it.

Integer-valued data with L levels (8-bit images: L = 256, values 0..255) reaches [0, 1] one of
two ways:

- plain scaling, y = x / (L - 1) (x / 255 for 8-bit data): `Scaling(levels, divisor=L - 1,
  dequantized=False)`;
- uniform dequantization, y = (x + u) / L with u ~ U[0, 1) (x / 256 for 8-bit data):
  `Scaling(levels, divisor=L, dequantized=True)`. This is the convention of likelihood papers:
  a density on y then bounds the discrete likelihood of x.

Continuous data already in [0, 1] (float arrays that are not multiples of 1/255) has
`Scaling(levels=None, divisor=1.0, dequantized=False)`.

A negative log-likelihood `nll` (in nats) of one example of D dimensions *in the [0, 1] scale*
converts to bits per dimension of the raw data with

    bpd = (nll + D * ln(divisor)) / (D * ln 2),

because the density of x = divisor * y is p(y) / divisor^D. So for data scaled by x / 255 without
dequantization the constant is ln 255 per dimension, and for (x + u) / 256 it is ln 256 (the
usual 8 - log2 p(y)/D form). Only the dequantized form is a bound on the discrete likelihood;
state which one a reported number uses.
"""

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Scaling:
    """The scaling convention of a data set in [0, 1].

    Attributes:
      levels: number of integer levels of the raw data (256 for 8-bit images, 17 for the 0..16
        scikit-learn digits), or None for continuous data.
      divisor: y = x / divisor (plus the dequantization noise / divisor when dequantized).
      dequantized: whether uniform noise u ~ U[0, 1) was added before dividing.
    """

    levels: int | None
    divisor: float
    dequantized: bool


def scaling_for(levels, dequantize):
    """The `Scaling` of data with `levels` integer levels (None: continuous), dequantized or not.

    Raises:
      ValueError: `dequantize` requested for continuous data.
    """
    if levels is None:
        if dequantize:
            raise ValueError(
                "dequantize=True needs integer-valued data (e.g. uint8 images); this source holds "
                "continuous values in [0, 1]")
        return Scaling(levels=None, divisor=1.0, dequantized=False)
    if dequantize:
        return Scaling(levels=levels, divisor=float(levels), dequantized=True)
    return Scaling(levels=levels, divisor=float(levels - 1), dequantized=False)


def bits_per_dim(nll, num_dims, divisor):
    """Bits per dimension of the raw data from -log p(y) in nats of the [0, 1]-scaled data y.

    ```none
    bpd = (nll + D ln(divisor)) / (D ln 2)
    ```
    with y = x / divisor, so the density of the raw x = divisor * y is p(y) / divisor^D. The one
    implementation of the formula: works on Python and NumPy numbers and on TensorFlow tensors
    (the `score` signature computes it in the graph).
    """
    return (nll + num_dims * math.log(divisor)) / (num_dims * math.log(2.0))


def nll_to_bits_per_dim(nll, num_dims, scaling):
    """Convert a negative log-likelihood in nats of [0, 1]-scaled data to bits per dimension.

    Args:
      nll: -log p(y) in nats per example (scalar or array), y the data in the [0, 1] scale.
      num_dims: D, the number of dimensions of one example (H * W * C).
      scaling: the `Scaling` the data was produced with (see `zoo.data.info`).

    Returns:
      (nll + D * ln(divisor)) / (D * ln 2), the same shape as `nll`.
    """
    if num_dims <= 0:
        raise ValueError(f"num_dims must be positive, got {num_dims}")
    return bits_per_dim(np.asarray(nll, dtype=np.float64), num_dims, scaling.divisor)
