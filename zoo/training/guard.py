"""Divergence guard: skip non-finite training steps and stop on the first one.

A learnable decoder variance gamma can shrink until the reconstruction term's gradient
(proportional to 1 / gamma) overflows; a bad batch (NaN pixels) or a too large learning rate
does the same. The guard has two halves:

- in the graph (`GenerativeModel.train_step`, `zoo.models.base.all_finite(loss, gradients)`):
  one reduction per gradient; when it is False the optimizer update is skipped (weights, optimizer state and
  `optimizer.iterations` are left as they were) and the logs report the epoch's first such
  step as `nonfinite_step` (its number; 0 while there is none) and the steps run after it as
  `nonfinite_steps_after`, exact also with several steps per execution;
- in Python (`DivergenceGuard`, a Keras callback that `zoo.training.train` adds): on the first
  batch whose logs report a non-finite step or loss it records where and stops training.
  `train` then restores the last good backup and raises `TrainingDiverged` (or retries with a
  smaller learning rate when asked to).
"""

import math

import keras
import numpy as np

from zoo.models.base import NONFINITE, NONFINITE_AFTER


class TrainingDiverged(RuntimeError):
    """Training produced a non-finite loss or gradient; the message says where and what to do.

    Attributes: `stage` (directory name), `step` (1-based training step of the stage that
    failed), `last_loss`, `last_gamma` (last finite values seen, or None), `restored_step`
    (the step of the checkpoint the model was restored to, or None).
    """

    def __init__(self, message, stage=None, step=None, last_loss=None, last_gamma=None,
                 restored_step=None):
        super().__init__(message)
        self.stage = stage
        self.step = step
        self.last_loss = last_loss
        self.last_gamma = last_gamma
        self.restored_step = restored_step


def _float(value):
    """A log value as a Python float (scalars, or [1]-vectors under multi-worker strategies)."""
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    return float(array[0]) if array.size == 1 else None


def _finite(value):
    return value is not None and math.isfinite(value)


def stage_gamma(model):
    """The decoder variance of the sub-model being trained (None for models without one)."""
    if model.stage is not None:
        model = model.stage_models()[model.stage]
    if not model.has_likelihood:
        return None
    return _float(model.gamma)


class DivergenceGuard(keras.callbacks.Callback):
    """Stops `fit` on the first batch that reports a non-finite step or loss.

    After `fit` returns, `event` is None (no divergence) or a dict with `step` (1-based step of
    the stage that was skipped: optimizer.iterations + 1 when it ran, as skipped steps do not
    count), `epoch`, `batch` (0-based, in this `fit` call), `steps_after` (steps run after it
    in the same execution, when `steps_per_execution` > 1), `loss` (the non-finite value),
    `last_loss` and `last_gamma` (the last finite values: the loss is the epoch's running mean
    up to the previous execution, gamma the current value of the stage's decoder variance).
    """

    def __init__(self):
        super().__init__()
        self.event = None
        self.last_loss = None
        self.last_gamma = None

    def on_train_begin(self, logs=None):
        self.event = None

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = _float(logs.get("loss"))
        skipped = _float(logs.get(NONFINITE)) or 0.0
        if skipped == 0.0 and (loss is None or math.isfinite(loss)):
            if _finite(loss):
                self.last_loss = loss
            gamma = _float(logs.get("gamma"))
            if _finite(gamma):
                self.last_gamma = gamma
            return
        gamma = stage_gamma(self.model)
        after = int(_float(logs.get(NONFINITE_AFTER)) or 0)
        self.event = {
            "step": int(skipped) if skipped > 0 else
            int(self.model.optimizer.iterations.numpy()) + 1,
            "epoch": self._epoch,
            "batch": int(batch) - after,
            "steps_after": after,
            "loss": loss,
            "last_loss": self.last_loss,
            "last_gamma": gamma if _finite(gamma) else self.last_gamma,
        }
        self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = int(epoch)

    _epoch = 0


EARLY_STEPS = 10  # a later stage diverging this early points at the earlier stages' weights


def describe(event, stage, restored_step, backup_path, learning_rate, retries, earlier=()):
    """The message of a `TrainingDiverged` for a `DivergenceGuard.event`.

    `earlier`: the checkpoint paths (without `.weights.h5` / `.json`) of the stages trained
    before this one, in order. A later stage that diverges within its first `EARLY_STEPS` steps
    starts from their weights, which are then the likely cause (e.g. an autoencoder stage that
    ended finite but useless with a too large learning rate): no learning rate of this stage
    helps, and rerunning loads the same checkpoints again, so the message says which files to
    delete to retrain the previous stage.
    """
    def show(value):
        return "none yet" if value is None else f"{value:.6g}"

    where = f"stage {stage!r}" if stage != "model" else "training"
    restored = (f"the model was restored to the last good checkpoint (step {restored_step}, "
                f"{backup_path})" if restored_step is not None
                else "no checkpoint was available to restore")
    tried = f" after {retries} learning-rate retr{'y' if retries == 1 else 'ies'}" if retries \
        else ""
    rate = f"{learning_rate:.3g}" if isinstance(learning_rate, float) else "a schedule"
    return (f"training diverged{tried}: non-finite loss or gradients at step {event['step']} of "
            f"{where} (epoch {event['epoch'] + 1}, batch {event['batch'] + 1}; loss "
            f"{show(event['loss'])}); last finite loss {show(event['last_loss'])}, last finite "
            f"gamma {show(event['last_gamma'])}, learning rate {rate}. The update was skipped "
            f"and {restored}. {_advice(event, earlier)}")


def _advice(event, earlier):
    if not earlier or event["step"] > EARLY_STEPS:
        return ("Check the data for NaN/Inf values, lower the learning rate, or retry "
                "automatically with a smaller one (lr_retry_factor / --lr_retry).")
    previous = earlier[-1]
    return (f"It diverged within its first {EARLY_STEPS} steps, starting from the weights of "
            f"the earlier stage(s): those weights are the likely cause (check how that stage "
            f"was trained: its loss, its learning rate), and rerunning reloads them. Retrain "
            f"the previous stage: delete {previous}.weights.h5 and {previous}.json (and the "
            f"same files of any stage after it), then run again with settings that train it "
            f"well (e.g. a lower learning rate; a recipe refuses other settings in the same "
            f"workdir, so there use --restart or another --workdir); if that does not help, "
            f"delete the checkpoints of the stages before it too.")
