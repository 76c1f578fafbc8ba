"""Crash-safe, resumable backups of a training stage, and atomic weight files."""

import glob
import os
import time

import keras
import numpy as np

from zoo.files import atomic_path, read_json, write_json
from zoo.training import checks


def save_weights(model, path):
    """`model.save_weights(path)` through a temporary file, so a crash keeps the old file."""
    with atomic_path(path, suffix=".weights.h5") as tmp:
        model.save_weights(tmp)
    return path


def seed_states(model):
    """The state variables of every `keras.random.SeedGenerator` of `model` (not part of
    `save_weights`), in a fixed order."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


STAGE_STREAM = 2 ** 32  # draws a stage may take before its noise reaches the next stage's


def restart_seed_states(model, stage_index):
    """Set every `SeedGenerator` of `model` to the state a stage starts from: its seed and the
    counter `stage_index * STAGE_STREAM` (stage 0: the initial state).

    A stage trained from its start then draws the same noise whether the stages before it were
    trained in this process (which advanced the counters) or loaded from their checkpoints
    (which hold no counters); a stage resumed mid-way gets its counters from its backup."""
    for state in seed_states(model):
        seed = state.numpy()[0]
        state.assign(np.array([seed, stage_index * STAGE_STREAM], dtype=state.numpy().dtype))


class Backup(keras.callbacks.Callback):
    """Crash-safe, resumable backup of one stage: Keras' `BackupAndRestore` without its gaps.

    `BackupAndRestore` overwrites its weights and metadata files in place (a kill mid-write can
    leave a torn pair), resumes an interrupted epoch from its first batch (redoing, and so
    double-counting, the steps already taken) and does not save `SeedGenerator` states. Here
    every backup is a new file `step_<n>.weights.h5` (model and optimizer), written through a
    temporary file and renamed, then committed by atomically replacing `state.json`:

    ```none
    state.json  {"position": batches of the stage's stream consumed, "epoch", "step_in_epoch",
                 "iterations": optimizer steps, "weights": file name, "seed_states": [...],
                 "learning_rate", "lr_retries", "seconds": training seconds so far, summed
                 over the processes that trained the stage, "previous": the state before}
    ```
    A kill at any point leaves `state.json` naming a complete file. The previous backup is kept
    (and used if the latest fails to load); older files and temporaries are removed.

    Saves every `save_freq` steps (or at each epoch end for "epoch"), not while the model is
    being stopped (a divergence or another callback's `stop_training`).
    """

    STATE = "state.json"

    def __init__(self, directory, steps_per_epoch, save_freq="epoch"):
        super().__init__()
        self.directory = directory
        self.steps_per_epoch = steps_per_epoch
        self.save_freq = checks.check_save_freq(save_freq)
        self.position = 0
        self.learning_rate = None
        self.lr_retries = 0
        self._last_saved = 0
        self._last_batch = -1
        self._seconds_before = 0.0  # of earlier processes, from the first restored state
        self._resumed = False
        self._start = time.time()

    @property
    def state_path(self):
        return os.path.join(self.directory, self.STATE)

    def read(self):
        """The committed state dict, or None when there is no backup."""
        if not os.path.isfile(self.state_path):
            return None
        return read_json(self.state_path)

    def training_seconds(self):
        """Seconds of training of the stage: earlier processes' (from the backup this process
        resumed) plus this process's since the backup was created."""
        return self._seconds_before + (time.time() - self._start)

    def save(self):
        """Write a backup of the model at the current position (crash-safe)."""
        model = self.model
        name = f"step_{self.position:09d}.weights.h5"
        save_weights(model, os.path.join(self.directory, name))
        previous = self.read()
        if previous is not None:
            previous.pop("previous", None)
            if previous.get("weights") == name:
                previous = None
        state = {
            "format_version": 1,
            "position": self.position,
            "epoch": self.position // self.steps_per_epoch,
            "step_in_epoch": self.position % self.steps_per_epoch,
            "steps_per_epoch": self.steps_per_epoch,
            "iterations": int(model.optimizer.iterations.numpy()),
            "weights": name,
            "seed_states": [np.asarray(v.numpy()).tolist() for v in seed_states(model)],
            "learning_rate": self.learning_rate,
            "lr_retries": self.lr_retries,
            "seconds": round(self.training_seconds(), 1),
            "previous": previous,
        }
        write_json(self.state_path, state)
        self._last_saved = self.position
        keep = {name} | ({previous["weights"]} if previous else set())
        for path in glob.glob(os.path.join(self.directory, "*")) + glob.glob(
                os.path.join(self.directory, ".*")):
            base = os.path.basename(path)
            if base != self.STATE and base not in keep and os.path.isfile(path):
                os.remove(path)
        return state

    def restore(self):
        """Load the latest backup (or the previous one if the latest is unreadable) into the
        model and its optimizer; returns the state, or None when there is no backup."""
        state = self.read()
        if state is None:
            return None
        if state.get("steps_per_epoch") != self.steps_per_epoch:
            raise ValueError(
                f"the backup in {self.directory} was made with {state.get('steps_per_epoch')} "
                f"steps per epoch but the dataset now has {self.steps_per_epoch}; resume with "
                f"the same data and batch size, or delete {self.directory} to restart the stage")
        candidates = [state] + ([state["previous"]] if state.get("previous") else [])
        errors = []
        for candidate in candidates:
            try:
                self.model.load_weights(os.path.join(self.directory, candidate["weights"]))
            except (OSError, ValueError, KeyError) as error:
                errors.append(f"{candidate['weights']}: {type(error).__name__}: {error}")
                continue
            states = seed_states(self.model)
            if len(states) == len(candidate["seed_states"]):
                for variable, value in zip(states, candidate["seed_states"]):
                    variable.assign(np.asarray(value, dtype=variable.dtype))
            self.position = self._last_saved = candidate["position"]
            self.learning_rate = candidate.get("learning_rate")
            self.lr_retries = candidate.get("lr_retries", 0)
            if not self._resumed:  # a divergence retry's restore keeps the time spent since
                self._seconds_before = candidate.get("seconds", 0.0)
                self._start, self._resumed = time.time(), True
            return candidate
        raise OSError(f"no backup in {self.directory} could be loaded: {'; '.join(errors)}")

    def on_epoch_begin(self, epoch, logs=None):
        self._last_batch = -1

    def on_train_batch_end(self, batch, logs=None):
        self.position += batch - self._last_batch
        self._last_batch = batch
        if (self.save_freq != "epoch" and not self.model.stop_training
                and self.position - self._last_saved >= self.save_freq):
            self.save()

    def on_epoch_end(self, epoch, logs=None):
        if (self.save_freq == "epoch" and not self.model.stop_training
                and self.position != self._last_saved):
            self.save()
