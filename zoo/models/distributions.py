"""The distributions of a VAE-family model as TensorFlow Probability objects.

A model with a Gaussian latent and a Gaussian decoder (`has_likelihood`: GaussianVAE, and
TwoStageVAE / VAEPlus through their first stage) exposes

```none
posterior(x)   q(z|x) = N(mu_z(x), diag(sigma_z(x))^2)     MultivariateNormalDiag, batch [N]
prior()        p(z)   = N(0, I)                             MultivariateNormalDiag, batch []
likelihood(z)  p(x|z) = N(mu_x(z), gamma I)                 Independent(Normal), batch [N],
                                                            event = the image shape
```
(Dai & Wipf, "Diagnosing and Enhancing VAE Models", eq. 3; gamma is a variance.) From them, the
negative ELBO of one image with z ~ q(z|x) is

```none
-ELBO(x) = -likelihood(z).log_prob(x) + kl_divergence(posterior(x), prior())
```
which `loss_terms` computes with the fused closed forms of `zoo.models.losses` (proved equal in
tests/models/test_distributions.py). They are built from tensors by the plain functions of
`zoo.models.losses` (no `tfp.layers`).
"""

from zoo.models import losses


class GaussianDistributions:
    """posterior / prior / likelihood of a model with `encode(x) -> (mean, log std)`,
    `decode(z)`, `log_gamma` and `latent_dim` (a mix-in of the VAE-family classes)."""

    def posterior(self, x, training=False):
        """q(z|x) = N(mu_z(x), diag(sigma_z(x))^2): a `tfd.MultivariateNormalDiag`, batch [N]."""
        return losses.posterior(*self.encode(x, training=training))

    def prior(self):
        """p(z) = N(0, I) over the `latent_dim` latents: a `tfd.MultivariateNormalDiag`."""
        return losses.standard_normal_prior(self.latent_dim)

    def likelihood(self, z, training=False):
        """p(x|z) = N(mu_x(z), gamma I): a `tfd.Independent(tfd.Normal(mu_x(z), sqrt(gamma)))`
        over every non-batch dimension of the image."""
        return losses.likelihood(self.decode(z, training=training), self.log_gamma)
