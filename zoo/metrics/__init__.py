"""Evaluation metrics of the papers, matching the community's definitions.

Pure functions, numpy in and out; each module has one job and its docstring gives the
definition and the conventions (which data set, ddof, samples or means, scaling).

- `reconstruction_error`: ||x - x_hat||^2 summed over pixels, averaged over images.
- `active_units`: Burda et al.'s Cov_x(E_q[z]) > 0.01 count.
- `iwae_log_likelihood`, `bits_per_dim`: importance-sampled log p(x) (K = 5000) and BPD.
- `mmd_to_prior`: multi-scale IMQ MMD between q(z) samples and N(0, I).
- `kl_per_dimension`: per-dimension KL, sorted (VAE-OOD Figure 4).
- `ndb`: Richardson & Weiss's number of statistically different bins.
- `frechet_distance`: TTUR's Frechet distance of two Gaussians / feature sets.
- `fid`, `fid_to_statistics`, `inception_features`, `fid_statistics`, `cached_statistics`,
  `fid_from_statistics`: FID on the 2015 Inception network rebuilt in Keras (or the user's graph).
- `fd_mnist_classifier`: Frechet distance in the project's MNIST classifier features (not FID).
- `kernel_inception_distance`, `kid_of_images`: KID, the unbiased cubic-kernel MMD^2 of
  Inception features, with its standard error.
- `precision_recall`, `precision_recall_of_images`: Kynkaanniemi et al.'s improved precision
  (sample quality) and recall (coverage) with k-NN manifolds.
"""

# bits_per_dim(nll, num_dims, scaling) is zoo.data.nll_to_bits_per_dim, under its metric name.
from zoo.data.scaling import nll_to_bits_per_dim as bits_per_dim
from zoo.metrics.activity import active_units, posterior_mean_variance
from zoo.metrics.different_bins import fit_bins, ndb
from zoo.metrics.fd_mnist import fd_mnist_classifier
from zoo.metrics.frechet import (feature_statistics, frechet_distance,
                                 frechet_distance_of_features, frechet_distance_of_images)
from zoo.metrics.fid_score import (cached_statistics, fid, fid_from_statistics, fid_statistics,
                                  fid_to_statistics, inception_features)
from zoo.metrics.kid import kernel_inception_distance, kid_of_images
from zoo.metrics.kl import kl_per_dimension
from zoo.metrics.likelihood import iwae_log_likelihood
from zoo.metrics.mmd import mmd_to_prior
from zoo.metrics.improved_precision_recall import precision_recall, precision_recall_of_images
from zoo.metrics.reconstruction import reconstruction_error

__all__ = [
    "active_units", "bits_per_dim", "cached_statistics", "fd_mnist_classifier",
    "feature_statistics", "fid", "fit_bins", "fid_from_statistics", "fid_statistics", "fid_to_statistics",
    "frechet_distance", "frechet_distance_of_features", "frechet_distance_of_images",
    "inception_features", "iwae_log_likelihood", "kernel_inception_distance", "kid_of_images",
    "kl_per_dimension", "mmd_to_prior", "ndb", "posterior_mean_variance", "precision_recall",
    "precision_recall_of_images", "reconstruction_error",
]
