"""Densities over a trained model's latent codes, to sample from instead of the prior.

A VAE's samples are poor where its aggregate posterior q(z) does not match N(0, I) (the
two-stage VAE paper's diagnosis); a density fitted to the codes of the training images after
training (ex-post density estimation) fixes that, and turns a plain AE into a generative model.

    codes = zoo.samplers.latent_codes(model, x_train)          # encoder means, [N, kappa]
    gmm = zoo.samplers.GaussianMixture(components=10).fit(codes)
    images = zoo.samplers.decode_samples(model, gmm, 100, seed=0)

Every sampler has one interface: `fit(codes, seed)` (returns itself), `sample(n, seed)`
(stateless: the same seed gives the same codes in any process), `log_prob(z)`, and, but for
the second-stage VAE, `distribution` (a TensorFlow Probability `tfd.Distribution`):

- `StandardNormal`: the prior N(0, I) (what `model.sample` draws);
- `FullGaussian`: N(mean, covariance) of the codes;
- `GaussianMixture`: K full-covariance components fitted with EM (scikit-learn), held as
  `tfd.MixtureSameFamily`;
- `MaskedAutoregressiveFlow`: a normalising flow (MAF, Papamakarios et al. 2017) of
  `tfp.bijectors.MaskedAutoregressiveFlow` layers on MADE networks written in Keras 3;
- `SecondStageVAE`: a two-stage VAE's second stage (u ~ N(0, I) -> z), today's sampler of
  `TwoStageVAE`, behind the same interface.
"""

from zoo.samplers.base import LatentSampler, decode_samples, latent_codes
from zoo.samplers.flow import MaskedAutoregressiveFlow
from zoo.samplers.gaussian import FullGaussian, GaussianMixture, StandardNormal
from zoo.samplers.second_stage import SecondStageVAE

SAMPLERS = {"normal": StandardNormal, "gaussian": FullGaussian, "gmm": GaussianMixture,
            "flow": MaskedAutoregressiveFlow, "second_stage": SecondStageVAE}



def from_settings(name, settings):
    """An unfitted sampler of kind `name` (a key of `SAMPLERS`) with the keyword `settings` of a
    recipe's config, whose JSON lists become tuples (e.g. `hidden_units`)."""
    return SAMPLERS[name](**{key: tuple(value) if isinstance(value, list) else value
                             for key, value in settings.items()})


__all__ = ["FullGaussian", "GaussianMixture", "LatentSampler", "MaskedAutoregressiveFlow",
           "SAMPLERS", "SecondStageVAE", "StandardNormal", "decode_samples", "from_settings",
           "latent_codes"]
