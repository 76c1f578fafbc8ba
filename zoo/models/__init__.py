"""The zoo's models: Keras `Model` subclasses trained with `fit` on image batches.

- `GenerativeModel` (`base`): the training step (divergence guard, replica scaling, loss-term
  metrics), seeded sampling and the capabilities each model declares.
- `AE`, `GaussianVAE`, `WAEMMD`, `TwoStageVAE`, `VAEPlus`: one class per file.
- `losses`: the loss terms and the TFP distributions, as pure functions of tensors.
- `distributions`: `posterior(x)`, `prior()`, `likelihood(z)` of the VAE family as
  `tfd.Distribution` objects.
- `importance_weights`: log w of a Gaussian VAE, behind the IWAE NLL and the `score` signature.
- `builders`: the papers' model configurations, ready to train.
"""

from zoo.models import builders, distributions, importance_weights, losses
from zoo.models.ae import AE
from zoo.models.base import GenerativeModel
from zoo.models.gaussian_vae import GaussianVAE
from zoo.models.two_stage_vae import TwoStageVAE
from zoo.models.vae_plus import VAEPlus
from zoo.models.wae_mmd import WAEMMD

__all__ = ["AE", "GaussianVAE", "GenerativeModel", "TwoStageVAE", "VAEPlus", "WAEMMD",
           "builders", "distributions", "importance_weights", "losses"]
