"""Training with Keras `fit`: progress bar, TensorBoard logs, resumable checkpoints, stages.

`train(model, dataset, workdir, epochs=...)` trains a single-stage model, or every stage of a
multi-stage one (`TwoStageVAE`, `VAEPlus`) in order, writing into `workdir`:

    tensorboard/<stage>/      loss terms (loss, reconstruction, kl, gamma, mmd) per epoch
    backup/<stage>/           in-progress checkpoint (weights, optimizer, epoch) for resuming
    checkpoints/<stage>.weights.h5   weights when the stage finished

Re-running the same call resumes: finished stages are loaded, not retrained, and an interrupted
stage continues from its last backup.
"""

import os

import keras

from zoo.io import atomic_path


def stage_names(model):
    """The model's stages as (stage number or None, directory name) pairs, in training order."""
    stages = getattr(model, "stages", None)
    if not stages:
        return [(None, "model")]
    return [(s, f"stage_{s}") for s in stages]


def per_stage(value, stage):
    """`value[stage]` when `value` is a dict keyed by stage number, else `value` itself."""
    if isinstance(value, dict):
        if stage not in value:
            raise ValueError(f"no value given for stage {stage}: {value!r}")
        return value[stage]
    return value


def stage_callbacks(workdir, name, save_freq="epoch", histogram_freq=0):
    """TensorBoard and BackupAndRestore callbacks writing under `workdir` for one stage."""
    return [
        keras.callbacks.TensorBoard(os.path.join(workdir, "tensorboard", name),
                                    histogram_freq=histogram_freq),
        keras.callbacks.BackupAndRestore(os.path.join(workdir, "backup", name),
                                         save_freq=save_freq, double_checkpoint=True),
    ]


def save_weights(model, path):
    """`model.save_weights(path)` through a temporary file, so a crash keeps the old file."""
    with atomic_path(path, suffix=".weights.h5") as tmp:
        model.save_weights(tmp)
    return path


def train(model, dataset, workdir, epochs, learning_rate=1e-3, validation_data=None,
          callbacks=(), verbose="auto", compile_kwargs=None, save_freq="epoch"):
    """Train `model` (every stage, in order) on `dataset` and return per-stage histories.

    Args:
      model: a zoo model; multi-stage models are trained stage by stage.
      dataset: a batched `tf.data.Dataset` of images (or (image, label) pairs).
      workdir: output folder (see the module docstring).
      epochs, learning_rate: numbers, or dicts keyed by stage number. `learning_rate` may also
        be a `keras.optimizers.schedules.LearningRateSchedule`. Each stage gets a fresh Adam.
      callbacks: extra Keras callbacks for every stage.
      save_freq: "epoch" or a number of steps between resumable backups.
    Returns:
      {stage directory name: history dict}; stages already finished in `workdir` map to None.
    """
    os.makedirs(workdir, exist_ok=True)
    histories = {}
    for stage, name in stage_names(model):
        done = os.path.join(workdir, "checkpoints", f"{name}.weights.h5")
        if os.path.exists(done):
            model.load_weights(done)
            histories[name] = None
            continue
        if stage is not None:
            model.set_stage(stage)
        optimizer = keras.optimizers.Adam(per_stage(learning_rate, stage))
        model.compile(optimizer=optimizer, **(compile_kwargs or {}))
        history = model.fit(
            dataset, epochs=per_stage(epochs, stage), validation_data=validation_data,
            callbacks=[*stage_callbacks(workdir, name, save_freq), *callbacks], verbose=verbose)
        save_weights(model, done)
        histories[name] = history.history
    return histories
