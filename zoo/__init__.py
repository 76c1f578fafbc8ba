"""A Keras 3 / TensorFlow zoo of autoencoder-based generative models.

The package is laid out by role:

```none
zoo.models       AE, GaussianVAE, WAEMMD, TwoStageVAE, VAEPlus; loss terms; builders
zoo.networks     the papers' encoder and decoder networks (functional Keras models)
zoo.data         data sources behind one spec string, scaling conventions, tf.data pipelines
zoo.training     resumable training (`train`), backups, divergence guard, callbacks, FusedAdam
zoo.runtime      tf.distribute strategies and CPU thread pools
zoo.saved_model  SavedModel export (`zoo.export`), serving signatures, loading (`zoo.load`)
zoo.metrics      the papers' evaluation metrics
zoo.experiment   what the recipes share: flags and presets, workdir, reports, evaluation
zoo.files        atomic file writes; zoo.plots: image grids
```

The names used most are also here: the model classes, `zoo.export`, `zoo.load`,
`zoo.builders` (ready-made model configurations) and `zoo.losses`.
"""

from zoo import data, metrics, networks, training
from zoo.models import AE, WAEMMD, GaussianVAE, TwoStageVAE, VAEPlus, builders, losses
from zoo.saved_model import ExportedModel, export, load

__all__ = ["AE", "ExportedModel", "GaussianVAE", "TwoStageVAE", "VAEPlus", "WAEMMD", "builders",
           "data", "export", "load", "losses", "metrics", "networks", "training"]
