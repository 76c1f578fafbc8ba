"""A Keras 3 / TensorFlow zoo of autoencoder-based generative models.

The package is laid out by role:

```none
zoo.models       AE, GaussianVAE, WAEMMD, TwoStageVAE, VAEPlus; loss terms; builders
zoo.networks     the papers' encoder and decoder networks (functional Keras models)
zoo.data         data sources behind one spec string, scaling conventions, tf.data pipelines
zoo.training     resumable training (`train`), backups, divergence guard, callbacks, FusedAdam
zoo.runtime      tf.distribute strategies and CPU thread pools
zoo.saved_model  SavedModel export (`zoo.export`), serving signatures, loading (`zoo.load`,
                 by path, published model name or hf:// handle, `zoo.list_models()`), manifests,
                 REST bodies, Keras weights to fine-tune (`zoo.load_keras`)
zoo.hub          hf:// handles: download into the Hugging Face cache, `zoo.push_to_hub`
zoo.serve        `python -m zoo.serve`: the signatures over TF Serving's REST API (KServe)
zoo.metrics      the papers' evaluation metrics (with KID and improved precision / recall)
zoo.samplers     densities fitted to a trained model's latent codes (Gaussian, GMM, flow)
zoo.experiment   what the recipes share: the runner (Recipe, Row), presets, measures, reports
zoo.layout       the folders the zoo writes
zoo.files        atomic file writes; zoo.plots: image grids
```

The names used most are also here: the model classes, `zoo.export`, `zoo.load`,
`zoo.list_models`, `zoo.load_keras`, `zoo.push_to_hub`, `zoo.builders` (ready-made model configurations) and `zoo.losses`.
"""

# The release, in one place: setup.cfg reads it (version = attr: zoo.__version__), exports record
# it (zoo_metadata.json's packages.zoo), CHANGELOG.md says what each one changed.
__version__ = "0.1.0"

import os  # noqa: E402

# TensorFlow's C++ INFO and WARNING lines are not the user's business, nor, on a machine without
# an NVIDIA driver, the E-level "failed call to cuInit" line (level 3 hides C++ errors too; they
# still reach Python as exceptions). A TF_CPP_MIN_LOG_LEVEL the user set wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if os.path.exists("/dev/nvidiactl") else "3")

from zoo import _startup  # noqa: E402

_startup.quiet_tensorflow_import()  # the native libraries' start-up lines (`zoo._startup`)

from zoo import _moved, data, metrics, networks, samplers, training  # noqa: E402
from zoo.models import (AE, WAEMMD, GaussianVAE, TwoStageVAE, VAEPlus,  # noqa: E402
                        builders, losses)
from zoo.hub import push_to_hub  # noqa: E402
from zoo.saved_model import ExportedModel, export, load  # noqa: E402
from zoo.saved_model.keras_weights import load as load_keras  # noqa: E402
from zoo.saved_model.catalog import list_models  # noqa: E402

_moved.install()  # the import paths of earlier releases (`zoo._moved`)

__all__ = ["AE", "ExportedModel", "GaussianVAE", "TwoStageVAE", "VAEPlus", "WAEMMD", "builders",
           "data", "export", "list_models", "load", "load_keras", "losses", "metrics", "networks",
           "push_to_hub", "samplers", "training"]
