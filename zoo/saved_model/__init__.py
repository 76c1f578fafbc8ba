"""Zoo models as TF SavedModels in the TF Serving layout: `export` writes one, `load` reads it.

- `exporter`: `export(model, export_dir)` -> `export_dir/<version>/`, atomically, with metadata.
- `signatures`: the serving signatures (encode, decode, reconstruct, generate, sample, score) as
  `tf.function`s with in-graph input checks.
- `loader`: `load(path)` -> `ExportedModel` (NumPy in and out; needs TensorFlow alone).
"""

from zoo.saved_model import exporter, loader, signatures
from zoo.saved_model.exporter import export
from zoo.saved_model.loader import ExportedModel, load

__all__ = ["ExportedModel", "export", "exporter", "load", "loader", "signatures"]
