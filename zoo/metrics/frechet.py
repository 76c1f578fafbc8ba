"""Frechet distance between Gaussians fitted to features (Heusel et al. 2017, TTUR code).

The network that produces the features decides what the number means: on the 2015 Inception
graph's pool_3 it is FID (`zoo.metrics.fid`); on the project's MNIST classifier it is
`zoo.metrics.fd_mnist_classifier`. Numbers from different networks are not comparable.
"""

import warnings

import numpy as np
from scipy import linalg

from zoo.metrics._batching import batched

EPS = 1e-6


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=EPS):
    """Frechet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    ```none
    d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))
    ```
    As TTUR's `calculate_frechet_distance`: the square root is `scipy.linalg.sqrtm`; if it is
    not finite (singular product) it is recomputed for (S1 + eps I)(S2 + eps I), eps = 1e-6,
    with a warning; an imaginary part is dropped when its diagonal is within 1e-3 of 0 and an
    error otherwise.

    Returns:
      a float (the squared distance, as FID reports it).
    """
    mu1 = np.atleast_1d(np.asarray(mu1, np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"mismatched statistics: means {mu1.shape} vs {mu2.shape}, "
                         f"covariances {sigma1.shape} vs {sigma2.shape}")
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        warnings.warn(f"Frechet distance: singular product; adding {eps} to the diagonal of the "
                      "covariance estimates")
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Frechet distance: imaginary component "
                             f"{np.max(np.abs(covmean.imag))} in sqrtm(S1 S2)")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def feature_statistics(features):
    """(mean [F], covariance [F, F]) of features [N, F]; covariance with ddof 1 (np.cov, TTUR)."""
    features = np.asarray(features, np.float64).reshape(len(features), -1)
    if len(features) < 2:
        raise ValueError("need at least 2 feature vectors")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance_of_features(features1, features2, eps=EPS):
    """`frechet_distance` of the Gaussians fitted to two feature sets [N1, F] and [N2, F]."""
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2), eps)


def frechet_distance_of_images(feature_fn, images1, images2, batch_size=100, eps=EPS):
    """images -> features (`feature_fn`, a batch tensor -> [B, F] callable, run in batches)
    -> statistics -> `frechet_distance`. The network makes the metric: name results after it."""
    features1 = batched(feature_fn, images1, batch_size)
    features2 = batched(feature_fn, images2, batch_size)
    return frechet_distance_of_features(features1, features2, eps)


def trace_sqrt_product(sigma1, sigma2):
    """Tr (S1 S2)^(1/2) for symmetric positive semi-definite S1, S2, by symmetric eigensolvers.

    S1 S2 is similar to S1^(1/2) S2 S1^(1/2) (symmetric PSD), so the trace is the sum of the
    square roots of the latter's eigenvalues (rounding negatives clipped to 0). Equal to
    Tr sqrtm(S1 S2) of `frechet_distance` (TTUR) up to rounding, also for singular S1 or S2
    (no eps fallback needed), and much faster: two `eigh` instead of a complex Schur
    decomposition (2048 x 2048: seconds instead of about a minute on 2 cores).
    """
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if sigma1.shape != sigma2.shape or sigma1.shape[0] != sigma1.shape[1]:
        raise ValueError(f"need two square covariances of one shape, got {sigma1.shape} and "
                         f"{sigma2.shape}")
    values, vectors = linalg.eigh(sigma1)
    root1 = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    inner = root1 @ sigma2 @ root1
    eigen = linalg.eigvalsh((inner + inner.T) / 2.0)
    return float(np.sqrt(np.clip(eigen, 0.0, None)).sum())
