"""Training a zoo model: the resumable train loop and what it is made of.

- `loop`: `train(model, dataset, workdir, epochs=...)`, every stage in order, resumable;
  `recorded_seconds`, the training time it recorded.
- `backup`: `Backup`, the crash-safe backup of a stage in progress; `save_weights`.
- `guard`: `DivergenceGuard` (stop on the first non-finite step) and `TrainingDiverged`.
- `callbacks`: diagnostics callbacks (gamma, ||dL/dz||, sigma_z histograms, active units,
  sample grids) for TensorBoard and CSV.
- `optimizers`: `FusedAdam`; `schedules`: the papers' learning-rate schedules.
- `encoder_refit`: `refit_encoder`, the encoder of a VAE trained to its frozen decoder.
- `checks`: argument checks with messages that name the argument.
"""

from zoo.training.backup import Backup, save_weights
from zoo.training.callbacks import EpochDiagnostics, StepDiagnostics
from zoo.training.encoder_refit import refit_encoder
from zoo.training.guard import DivergenceGuard, TrainingDiverged
from zoo.training.loop import (batches_in_dataset, per_stage, recorded_seconds, stage_names,
                               train)
from zoo.training.optimizers import FusedAdam
from zoo.training.schedules import halving_schedule, iwae_schedule

__all__ = ["Backup", "DivergenceGuard", "EpochDiagnostics", "FusedAdam", "StepDiagnostics",
           "TrainingDiverged", "batches_in_dataset", "halving_schedule", "iwae_schedule",
           "per_stage", "recorded_seconds", "refit_encoder", "save_weights", "stage_names",
           "train"]
