"""A Keras 3 / TensorFlow zoo of autoencoder-based generative models.

Models: `AE`, `GaussianVAE` (learnable or fixed decoder variance gamma, affine skip), `WAEMMD`,
`TwoStageVAE`, `VAEPlus`. Network builders of the papers live in `zoo.networks`, ready-made
model configurations in `zoo.builders`, loss terms in `zoo.losses`,
data sources in `zoo.data`, metrics in `zoo.metrics`, SavedModel export and loading in
`zoo.export` / `zoo.load`, training-diagnostic callbacks (gamma, ||dL/dz||, sigma_z
histograms, active units, sample grids) in `zoo.diagnostics`; resumable training in
`zoo.training` (with `zoo.optimizers.FusedAdam`), `tf.distribute` strategies in
`zoo.distribute`, CPU thread pools in `zoo.threads`.
"""

from zoo.ae import AE
from zoo.gaussian_vae import GaussianVAE
from zoo.saved_model import ExportedModel, export, load
from zoo.two_stage_vae import TwoStageVAE
from zoo.vae_plus import VAEPlus
from zoo.wae_mmd import WAEMMD

__all__ = ["AE", "ExportedModel", "GaussianVAE", "TwoStageVAE", "VAEPlus", "WAEMMD", "export",
           "load"]
