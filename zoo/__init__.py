"""A Keras 3 / TensorFlow zoo of autoencoder-based generative models.

Models: `AE`, `GaussianVAE` (learnable or fixed decoder variance gamma, affine skip), `WAEMMD`,
`TwoStageVAE`, `VAEPlus`. Network builders of the papers live in `zoo.networks`, ready-made
model configurations in `zoo.builders`, loss terms in `zoo.losses`,
data sources in `zoo.data`, metrics in `zoo.metrics`, SavedModel export and loading in
`zoo.export` / `zoo.load` (paths or published model names, `zoo.list_models()`; served over HTTP
by `python -m zoo.serve`), training-diagnostic callbacks (gamma, ||dL/dz||, sigma_z
histograms, active units, sample grids) in `zoo.diagnostics`; resumable training in
`zoo.training` (with `zoo.optimizers.FusedAdam`), `tf.distribute` strategies in
`zoo.distribute`, CPU thread pools in `zoo.threads`.
"""

import os

# TensorFlow's C++ INFO and WARNING lines are not the user's business, nor, on a machine without
# an NVIDIA driver, the E-level "failed call to cuInit" line (level 3 hides C++ errors too; they
# still reach Python as exceptions). A TF_CPP_MIN_LOG_LEVEL the user set wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if os.path.exists("/dev/nvidiactl") else "3")

from zoo.ae import AE  # noqa: E402
from zoo.catalog import list_models  # noqa: E402
from zoo.gaussian_vae import GaussianVAE  # noqa: E402
from zoo.saved_model import ExportedModel, export, load  # noqa: E402
from zoo.two_stage_vae import TwoStageVAE  # noqa: E402
from zoo.vae_plus import VAEPlus  # noqa: E402
from zoo.wae_mmd import WAEMMD  # noqa: E402

__all__ = ["AE", "ExportedModel", "GaussianVAE", "TwoStageVAE", "VAEPlus", "WAEMMD", "export",
           "list_models", "load"]
