"""A two-stage VAE's second stage as a sampler: u ~ N(0, I) -> z (Dai & Wipf 2019, section 4)."""

import tensorflow as tf

from zoo.samplers.base import LatentSampler


class SecondStageVAE(LatentSampler):
    """The second stage of a trained `TwoStageVAE` (or `VAEPlus`) over its first stage's codes:
    `sample` draws z = mu_z(u) + sqrt(gamma_z) eps with u ~ N(0, I), as `TwoStageVAE.sample`
    does; `log_prob` is the second stage's importance-weighted estimate of log p(z)
    (`zoo.metrics.iwae_log_likelihood`, K = `num_importance_samples`; a lower bound in
    expectation). Trained with the model, so `fit` only checks the codes' size."""

    name = "second_stage"

    def __init__(self, model, num_importance_samples=100):
        if not hasattr(model, "second"):
            raise ValueError(f"SecondStageVAE needs a two-stage model (TwoStageVAE or VAEPlus), "
                             f"got {type(model).__name__}")
        self.model, self.num_importance_samples = model, num_importance_samples
        self.latent_dim = model.first.latent_dim

    def fit(self, codes, seed=0):
        del seed
        if codes.shape[-1] != self.latent_dim:
            raise ValueError(f"codes have {codes.shape[-1]} dims, the first stage "
                             f"{self.latent_dim}")
        return self

    def sample(self, num_samples, seed=0):
        return self.model.latent_sample(num_samples, seed)

    def log_prob(self, z):
        from zoo import metrics

        return tf.constant(metrics.iwae_log_likelihood(
            self.model.second, z, num_samples=self.num_importance_samples))
