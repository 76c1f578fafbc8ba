"""Gaussian densities over latent codes: the prior, one full-covariance Gaussian, a mixture."""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from zoo.samplers.base import LatentSampler, check_codes

tfd = tfp.distributions


def _scale_tril(covariances, jitter):
    """Cholesky factors of covariances [..., d, d] with `jitter` I added (float32)."""
    d = covariances.shape[-1]
    return np.linalg.cholesky(covariances + jitter * np.eye(d)).astype(np.float32)


class StandardNormal(LatentSampler):
    """p(z) = N(0, I), the prior every model samples from by default."""

    name = "normal"

    def __init__(self, latent_dim=None):
        self.latent_dim = latent_dim
        if latent_dim is not None:
            self._build(latent_dim)

    def _build(self, latent_dim):
        self.latent_dim = int(latent_dim)
        self.distribution = tfd.MultivariateNormalDiag(loc=tf.zeros([self.latent_dim]))

    def fit(self, codes, seed=0):
        """Takes only the codes' size (the prior does not depend on them)."""
        del seed
        self._build(check_codes(codes, minimum=1).shape[1])
        return self


class FullGaussian(LatentSampler):
    """N(mean, covariance) of the codes (maximum likelihood, ddof 0; `jitter` on the diagonal)."""

    name = "gaussian"

    def __init__(self, jitter=1e-6):
        self.jitter = jitter

    def fit(self, codes, seed=0):
        del seed
        codes = check_codes(codes).astype(np.float64)
        self.mean = codes.mean(axis=0).astype(np.float32)
        self.covariance = np.cov(codes, rowvar=False, ddof=0).reshape(codes.shape[1], -1)
        self.distribution = tfd.MultivariateNormalTriL(
            loc=self.mean, scale_tril=_scale_tril(self.covariance, self.jitter))
        return self


class GaussianMixture(LatentSampler):
    """`components` full-covariance Gaussians fitted to the codes by EM (scikit-learn's
    `GaussianMixture`, k-means initialisation, `n_init` restarts, `reg_covar` on the diagonal),
    held as `tfd.MixtureSameFamily` of `MultivariateNormalTriL`."""

    name = "gmm"

    def __init__(self, components=10, n_init=1, reg_covar=1e-6, max_iter=200):
        if int(components) < 1:
            raise ValueError(f"components must be >= 1, got {components!r}")
        self.components, self.n_init = int(components), int(n_init)
        self.reg_covar, self.max_iter = reg_covar, max_iter

    def fit(self, codes, seed=0):
        from sklearn import mixture

        codes = check_codes(codes, minimum=self.components)
        em = mixture.GaussianMixture(self.components, covariance_type="full",
                                     n_init=self.n_init, reg_covar=self.reg_covar,
                                     max_iter=self.max_iter, random_state=seed).fit(codes)
        self.weights = em.weights_.astype(np.float32)
        self.means = em.means_.astype(np.float32)
        self.covariances = em.covariances_
        self.converged = bool(em.converged_)
        self.distribution = tfd.MixtureSameFamily(
            tfd.Categorical(probs=self.weights),
            tfd.MultivariateNormalTriL(loc=self.means,
                                       scale_tril=_scale_tril(self.covariances, 0.0)))
        return self
