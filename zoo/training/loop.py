"""Training with Keras `fit`: progress bar, TensorBoard logs, crash-safe resumable backups,
a divergence guard, stages.

`train(model, dataset, workdir, epochs=...)` trains a single-stage model, or every stage of a
multi-stage one (`TwoStageVAE`, `VAEPlus`) in order, writing into `workdir`:

    tensorboard/<stage>/             loss terms (loss, reconstruction, kl, gamma, mmd) per epoch
                                     (train/, and validation/ with `validation_data`)
    tensorboard/<stage>/diagnostics/ sample and reconstruction grids, histograms of sigma_z and
                                     KL per dimension, gamma, active units (`EpochDiagnostics`)
    backup/<stage>/                  in-progress backup of the stage (see `Backup`)
    checkpoints/<stage>.json         how the finished stage was trained (steps, learning rate,
                                     seconds of training summed over the processes that
                                     trained it; `recorded_seconds`)
    checkpoints/<stage>.weights.h5   weights when the stage finished (written last)

A stage trains on `model.stage_data(stage, dataset)`: the images, or something cheaper computed
from them once (`TwoStageVAE`'s stage 2: the frozen first stage's posterior moments).

Re-running the same call resumes, also after `kill -9`: finished stages are loaded, not
retrained, and an interrupted stage continues from its last backup (weights, optimizer state and
step counter, so the learning-rate schedule position too, the models' random seed states, and
the position in the data stream, mid-epoch included). At most `save_freq` steps are redone.

Exact resumption of the data order. Each stage trains on one stream: the dataset repeated, so
that epoch e is the dataset's e-th iteration (a seeded `shuffle(..., reshuffle_each_iteration=
True)` draws the e-th order of its seed), and a resumed stage skips the batches already used
(whole epochs by creating and dropping iterators, which advances the shuffle seeds without
reading data). `steps_per_execution` is lowered to a divisor of the epoch length if needed.
A `tf.data` shuffle keeps its per-iteration seed state in the dataset object, not in any
checkpoint, so the replay starts from a fresh dataset: pass `dataset` as a function that
returns a new dataset (e.g. `lambda: zoo.data.load(..., shuffle=True, seed=s)`) and an
interrupted, resumed run sees exactly the batches of an uninterrupted one. A dataset object
works too, but after a restart its shuffled epochs follow a different order.

Divergence guard: a non-finite loss or gradient skips that update (`zoo.training.guard`) and stops the
stage; the model is restored to the last good backup and `TrainingDiverged` is raised, or, with
`lr_retry_factor` > 0, the stage continues from that backup with the learning rate multiplied by
the factor (at most `lr_retries` times).
"""

import json
import math
import os
import shutil
import time

import keras
import numpy as np
import tensorflow as tf

from zoo import layout
from zoo.files import workdir_locked, write_json
from zoo.models.base import NONFINITE, NONFINITE_AFTER, has_batch_norm, images_of
from zoo.runtime import cpu, threads
from zoo.training import checks
from zoo.training.backup import Backup, restart_seed_states, save_weights
from zoo.training.callbacks import EpochDiagnostics
from zoo.training.guard import DivergenceGuard, TrainingDiverged, describe
from zoo.training.optimizers import FusedAdam

def stage_names(model):
    """The model's stages as (stage number or None, directory name) pairs, in training order."""
    if not model.stages:
        return [(None, "model")]
    return [(s, f"stage_{s}") for s in model.stages]


def per_stage(value, stage):
    """`value[stage]` when `value` is a dict keyed by stage number, else `value` itself."""
    if isinstance(value, dict):
        if stage not in value:
            raise ValueError(f"no value given for stage {stage}: {value!r}")
        return value[stage]
    return value


def batches_in_dataset(dataset):
    """The number of batches of one pass over `dataset` (counted when tf.data does not know)."""
    cardinality = int(dataset.cardinality())
    if cardinality == tf.data.INFINITE_CARDINALITY:
        raise ValueError("the dataset is infinite (.repeat()?); train() repeats the data itself "
                         "and needs one epoch's worth of batches")
    if cardinality == tf.data.UNKNOWN_CARDINALITY:
        cardinality = int(dataset.reduce(np.int64(0), lambda n, _: n + 1))
    if cardinality == 0:
        raise ValueError("the dataset yields no batches: it is empty, or the batch size is "
                         "larger than the data with drop_remainder=True")
    return cardinality


def _stream(make_dataset, position, num_steps):
    """The stage's data stream (a fresh dataset, repeated) after `position` batches.

    Whole epochs are skipped by creating and dropping one iterator each (a new iterator draws
    the next shuffle / noise seeds at creation, without reading the batches),
    the rest of a partial epoch with `skip`.
    """
    epochs, step = divmod(position, num_steps)
    dataset = make_dataset()
    for _ in range(epochs):
        iter(dataset)
    stream = dataset.repeat()
    return stream.skip(step) if step else stream


def _merge(histories):
    merged = {}
    for history in histories:
        for key, values in history.items():
            merged.setdefault(key, []).extend(values)
    return merged


def _validate(model, make_dataset, epochs, learning_rate, save_freq, lr_retry_factor,
              lr_retries, compile_kwargs):
    checks.check_save_freq(save_freq)
    if "steps_per_execution" in (compile_kwargs or {}):
        checks.check_count("steps_per_execution", compile_kwargs["steps_per_execution"],
                           minimum=1)
    checks.check_fraction("lr_retry_factor", lr_retry_factor)
    checks.check_count("lr_retries", lr_retries)
    checks.check_image_shape(model, make_dataset())
    for stage, name in stage_names(model):
        checks.check_count(f"epochs of {name}", per_stage(epochs, stage))
        rate = checks.check_learning_rate(per_stage(learning_rate, stage),
                                          f"learning_rate of {name}")
        if lr_retry_factor and not isinstance(rate, float):
            raise ValueError("lr_retry_factor needs a constant learning rate, not a schedule")


VERBOSITY = (0, 1, 2, "auto", "stage")
DIAGNOSTICS_PER_STAGE = 10  # EpochDiagnostics evaluations per stage (`train(diagnostics=)`)
PROBE_IMAGES = 256


def probe_images(make_dataset, count=PROBE_IMAGES):
    """The first `count` training images of the data (fewer if it has fewer), the fixed probe
    batch of the stages' `EpochDiagnostics`."""
    batches, total = [], 0
    for batch in make_dataset():
        images = np.asarray(images_of(batch))
        batches.append(images)
        total += len(images)
        if total >= count:
            break
    return np.concatenate(batches)[:count]


def train(model, dataset, workdir, epochs, learning_rate=1e-3, validation_data=None,
          callbacks=(), verbose="auto", compile_kwargs=None, save_freq="epoch",
          lr_retry_factor=0.0, lr_retries=3, parallel_batches="auto", diagnostics=True,
          held_out=None):
    """Train `model` (every stage, in order) on `dataset` and return per-stage histories.

    Args:
      model: a zoo model; multi-stage models are trained stage by stage.
      dataset: a batched, finite `tf.data.Dataset` of images (or (image, label) pairs), or a
        function returning a fresh one (needed for the exact data order after a restart; see the
        module docstring). Its images must have the model's `input_shape_`.
      workdir: output folder (see the module docstring).
      epochs, learning_rate: numbers, or dicts keyed by stage number. `learning_rate` may also
        be a `keras.optimizers.schedules.LearningRateSchedule`. Each stage gets a fresh Adam
        (`zoo.training.FusedAdam`: Keras' Adam update in one kernel per variable).
      callbacks: extra Keras callbacks for every stage.
      compile_kwargs: extra `model.compile` arguments. Without "steps_per_execution", the
        `zoo.runtime.cpu` plan's (50) is used; either way it is lowered to a divisor of the
        epoch.
      diagnostics: attach an `EpochDiagnostics` to every stage, writing into
        `tensorboard/<stage>/diagnostics/` about ten times a stage (and after its last epoch)
        on 256 training images: sample and reconstruction grids, histograms of sigma_z and of
        the KL per latent dimension, gamma and active units. False: the loss terms only.
      held_out: images [N, ...] (e.g. a validation split, at most a few thousand) whose loss
        the diagnostics log beside the training probe's (`EpochDiagnostics`).
      parallel_batches: "auto" (the `zoo.runtime.cpu` plan's when the thread pools are in
        "ops" mode and the model's is 1, else the model's own) or a number; set on the model
        for the call only.
      verbose: 0 (silent), 1 or "auto" (Keras' progress bar per epoch), 2 (one line per epoch
        that names the stage) or "stage" (one progress bar per stage, counting epochs, and a
        summary line at its end: `StageProgress`). Unless 0, a line per stage says how it starts: from scratch, resumed
        from its backup (at which step), or finished in an earlier run (loaded).
      save_freq: "epoch" or a number of steps between backups: at most that much work is lost
        to a crash.
      lr_retry_factor: 0 (off), or on divergence restore the last backup and continue with the
        learning rate multiplied by this factor (in (0, 1)), at most `lr_retries` times per
        stage.
    Returns:
      {stage directory name: history dict}; stages already finished in `workdir` map to None.
    Raises:
      ValueError: bad arguments, or images whose shape does not match the model.
      zoo.files.WorkdirInUse: another process is training in `workdir` (`zoo.files`
        `lock_workdir`; the lock is held for the call, or for the process if it took it).
      TrainingDiverged: non-finite loss or gradients (after any retries); the model holds the
        weights of the last good backup.
    """
    make_dataset = dataset if callable(dataset) else (lambda: dataset)
    if verbose not in VERBOSITY or isinstance(verbose, bool):
        raise ValueError(f"verbose must be one of {VERBOSITY}, got {verbose!r}")
    _validate(model, make_dataset, epochs, learning_rate, save_freq, lr_retry_factor,
              lr_retries, compile_kwargs)
    plan = _cpu_plan(model, make_dataset())
    if parallel_batches == "auto":
        split = model.parallel_batches
        if split == 1 and threads.current_mode() == "ops":
            split = plan.parallel_batches
    else:
        split = checks.check_count("parallel_batches", parallel_batches, minimum=1)
    own_split, model.parallel_batches = model.parallel_batches, split
    try:
        with workdir_locked(workdir):  # one owner: two processes would delete each other's
            return _train_stages(model, make_dataset, workdir, epochs, learning_rate,  # backups
                                 validation_data, callbacks, verbose, compile_kwargs, save_freq,
                                 lr_retry_factor, lr_retries, plan, diagnostics, held_out)
    finally:
        model.parallel_batches = own_split


def _cpu_plan(model, dataset):
    """The `zoo.runtime.cpu` plan of `model` trained on batches of `dataset`."""
    batch = images_of(dataset.element_spec).shape
    return cpu.plan(cpu.workload_of(model), batch_size=batch[0] if batch.rank else None,
                    batch_norm=has_batch_norm(model))


def _precision_note(model, plan):
    """The dtype policy `model` was built in; when the plan of this process (the active one of
    `configure_cpu`, else the rule's for the network) chose another, that choice too: the policy
    is a layer's from its construction, so `train` cannot change it."""
    built = model.dtype_policy.name
    chosen = (cpu.active_plan() or plan).precision
    if built == chosen:
        return built
    return (f"{built} (the plan's is {chosen}: call zoo.runtime.cpu.configure_cpu before "
            f"building the model)")


def _train_stages(model, make_dataset, workdir, epochs, learning_rate, validation_data,
                  callbacks, verbose, compile_kwargs, save_freq, lr_retry_factor, lr_retries,
                  plan, diagnostics=True, held_out=None):
    num_steps = batches_in_dataset(make_dataset())
    probe = probe_images(make_dataset) if diagnostics else None
    compile_kwargs = _fit_execution(compile_kwargs, num_steps, save_freq,
                                    default=plan.steps_per_execution)
    _say(verbose, f"CPU plan for this {plan.workload} network: threads "
                  f"{threads.current_mode()}, steps_per_execution "
                  f"{compile_kwargs['steps_per_execution']}, parallel_batches "
                  f"{model.parallel_batches}, precision {_precision_note(model, plan)} "
                  f"(zoo.runtime.cpu)")
    histories = {}
    stages = stage_names(model)
    folder = layout.ModelDir(workdir)
    for index, (stage, name) in enumerate(stages):
        done = folder.checkpoint(name)
        backup_dir = folder.backup(name)
        what = f"{name} ({index + 1} of {len(stages)})" if len(stages) > 1 else name
        if os.path.exists(done):
            model.load_weights(done)
            shutil.rmtree(backup_dir, ignore_errors=True)  # a kill may have left it
            histories[name] = None
            _say(verbose, f"{what}: finished in an earlier run; loaded {done}")
            continue
        _say(verbose, f"{what}: {per_stage(epochs, stage)} epochs of {num_steps} steps")
        stage_dataset = make_dataset
        restart_seed_states(model, index)  # the same noise after a resume at this boundary
        if stage is not None:
            model.set_stage(stage)
            stage_dataset = model.stage_data(stage, make_dataset)  # e.g. TwoStageVAE's stage 2
        stage_callbacks = list(callbacks)
        if probe is not None:
            stage_epochs = per_stage(epochs, stage)
            stage_callbacks.append(EpochDiagnostics(
                probe, os.path.join(folder.tensorboard, name, "diagnostics"),
                every_n_epochs=max(1, stage_epochs // DIAGNOSTICS_PER_STAGE), write_png=False,
                last_epoch=stage_epochs, held_out_images=held_out))
        histories[name] = _train_stage(
            model, stage_dataset, num_steps, workdir, name, per_stage(epochs, stage),
            per_stage(learning_rate, stage), validation_data, stage_callbacks, verbose,
            compile_kwargs, save_freq, lr_retry_factor, lr_retries,
            earlier=[os.path.join(folder.checkpoints, n) for _, n in stages[:index]])
        write_json(os.path.join(folder.checkpoints, f"{name}.json"), {
            "steps": int(model.optimizer.iterations.numpy()),
            "epochs": per_stage(epochs, stage),
            "steps_per_epoch": num_steps,
            "learning_rate": histories[name].pop("learning_rate"),
            "lr_retries": histories[name].pop("lr_retries"),
            "seconds": round(histories[name].pop("seconds"), 1),
        })
        save_weights(model, done)
        shutil.rmtree(backup_dir, ignore_errors=True)
    return histories


def recorded_seconds(workdir, stages=None):
    """Seconds of training recorded for the finished stages in `workdir`/checkpoints (all, or
    those named in `stages`), summed; None when no stage has finished. Stages finished before
    backups recorded their time count only the process that finished them."""
    folder = layout.ModelDir(workdir).checkpoints
    names = sorted(n[:-5] for n in (os.listdir(folder) if os.path.isdir(folder) else ())
                   if n.endswith(".json") and (stages is None or n[:-5] in stages))
    if not names:
        return None
    total = 0.0
    for name in names:
        with open(os.path.join(folder, f"{name}.json"), encoding="utf-8") as file:
            total += json.load(file).get("seconds", float("nan"))
    return round(total, 1)


def _say(verbose, message):
    """Print a progress line of `train` unless verbose is 0."""
    if verbose != 0:
        print(f"zoo.training: {message}", flush=True)


class EpochLine(keras.callbacks.Callback):
    """Prints one line per epoch that names the stage: `stage_1 epoch 3/200: loss 12.3, ...`."""

    def __init__(self, stage, epochs):
        super().__init__()
        self.stage = stage
        self.epochs = epochs
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        line = ", ".join(f"{key} {value:.4g}" for key, value in terms(logs).items())
        print(f"{self.stage} epoch {epoch + 1}/{self.epochs}: {line} "
              f"({time.time() - self._start:.1f} s)", flush=True)


class StageProgress(keras.callbacks.Callback):
    """One progress bar per stage, counting epochs (`verbose="stage"`): Keras' own `Progbar`,
    redrawn in place, on a terminal or in a notebook; elsewhere (a log file, a pipe) a plain
    line at each quarter of the stage (`log_lines` - 1 lines), whatever the machine's speed.
    The stage ends with a summary line: epochs, seconds, the last epoch's terms (`train`'s
    own line says how the stage starts)."""

    log_lines = 4

    def __init__(self, stage, epochs):
        super().__init__()
        self.stage, self.epochs = stage, epochs
        self._bar = self._start = None

    def on_train_begin(self, logs=None):
        if self._start is not None:  # a stage's fit may run in pieces (a resumed epoch, retries)
            return
        self._start = time.time()
        import sys

        # Keras draws in place whenever "posix" is imported (always on Linux); only a terminal
        # or a notebook shows that as one bar, a log file would get backspaces.
        if (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or "ipykernel" in sys.modules:
            self._bar = keras.utils.Progbar(self.epochs, unit_name="epoch")

    def on_epoch_end(self, epoch, logs=None):
        values = terms(logs)
        done = epoch + 1 >= self.epochs
        line = ", ".join(f"{key} {value:.4g}" for key, value in values.items())
        if self._bar is not None:
            self._bar.stateful_metrics = set(values)  # the epoch's values, not running means
            self._bar.update(epoch + 1, values=list(values.items()), finalize=done)
        elif not done and (self.log_lines * (epoch + 1) // self.epochs
                           > self.log_lines * epoch // self.epochs):
            print(f"zoo.training: {self.stage} epoch {epoch + 1}/{self.epochs} "
                  f"({time.time() - self._start:.0f} s): {line}", flush=True)
        if done:
            print(f"zoo.training: {self.stage} done: {self.epochs} epochs in "
                  f"{time.time() - self._start:.1f} s; last epoch {line}", flush=True)


def terms(logs):
    """An epoch's logged terms as {name: float}, the loss first, without the guard's flags."""
    logs = {key: value for key, value in (logs or {}).items()
            if key not in (NONFINITE, NONFINITE_AFTER)}
    return {key: float(np.mean(logs[key]))
            for key in sorted(logs, key=lambda key: (key != "loss", key))}


def _fit_execution(compile_kwargs, num_steps, save_freq="epoch", default=1):
    """`compile_kwargs` with a `steps_per_execution` that divides the epoch (and a `save_freq`
    given in steps) and that the current strategy can run.

    On the repeated stream an execution always runs all its steps, so with k not dividing the
    epoch's S steps every epoch would take ceil(S / k) * k batches; k is lowered to the largest
    divisor of S not above it instead. Callbacks see an execution's end only, so k also divides
    a `save_freq` of N steps (backups every N steps: at most N steps are lost to a crash).
    Without a `steps_per_execution` in `compile_kwargs`, k starts at `default`; only a given
    value's change is printed. Under a (multi-worker) mirrored strategy with more than
    one replica, Keras 3 cannot run several steps per execution (the optimizer's cross-replica
    merge inside its step loop fails with "You must feed a value for placeholder tensor",
    keras-team/keras#19246; a plain Sequential model fails the same way): k is set to 1.
    """
    compile_kwargs = dict(compile_kwargs or {})
    given = "steps_per_execution" in compile_kwargs
    k = compile_kwargs.setdefault("steps_per_execution", default)
    strategy = tf.distribute.get_strategy()
    mirrored = (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy)
    if not (isinstance(k, int) and k > 1):
        return compile_kwargs
    if isinstance(strategy, mirrored) and strategy.num_replicas_in_sync > 1:
        lowered, why = 1, (f"Keras 3 cannot run several steps per execution under "
                           f"{type(strategy).__name__} with {strategy.num_replicas_in_sync} "
                           f"replicas (keras-team/keras#19246)")
    else:
        period = math.gcd(num_steps, save_freq) if isinstance(save_freq, int) else num_steps
        lowered = max(d for d in range(1, k + 1) if period % d == 0)
        why = ("a divisor of " + (f"the {num_steps} steps per epoch" if period == num_steps else
                                  f"both the {num_steps} steps per epoch and save_freq "
                                  f"{save_freq}"))
    if lowered != k:
        if given:
            print(f"zoo.training: steps_per_execution {k} -> {lowered}, {why}", flush=True)
        compile_kwargs["steps_per_execution"] = lowered
    return compile_kwargs


def _train_stage(model, make_dataset, num_steps, workdir, name, epochs, learning_rate,
                 validation_data, callbacks, verbose, compile_kwargs, save_freq,
                 lr_retry_factor, lr_retries, earlier=()):
    model.compile(optimizer=FusedAdam(learning_rate), **(compile_kwargs or {}))
    model.optimizer.build(model.trainable_variables)
    backup = Backup(layout.ModelDir(workdir).backup(name), num_steps, save_freq)
    backup.set_model(model)
    constant_rate = not callable(learning_rate)

    def set_rate(retries):
        """This call's learning rate, scaled by `lr_retry_factor` per retry."""
        backup.lr_retries = retries
        if constant_rate:
            backup.learning_rate = float(learning_rate) * (lr_retry_factor ** retries
                                                           if lr_retry_factor else 1.0)
            model.optimizer.learning_rate = backup.learning_rate

    restored = backup.restore()
    if restored is None:
        set_rate(0)
        backup.save()  # step 0: a good state to return to if the first steps diverge
    else:
        set_rate(backup.lr_retries)  # the retries that the backup had already needed
        if restored["position"]:
            epoch, step = divmod(restored["position"], num_steps)
            _say(verbose, f"{name}: resuming from its backup at step {restored['position']} "
                          f"(epoch {epoch + 1}, step {step} of {num_steps})")
    retries = backup.lr_retries
    tensorboard = keras.callbacks.TensorBoard(
        os.path.join(layout.ModelDir(workdir).tensorboard, name))
    history = []
    total = epochs * num_steps
    model.stop_training = False
    guard = DivergenceGuard()
    # verbose=2: one line per epoch that names the stage; "stage": one progress bar per stage
    # (instead of Keras' own lines per epoch).
    epoch_lines = ({2: [EpochLine(name, epochs)], "stage": [StageProgress(name, epochs)]}
                   .get(verbose, []))
    fit_verbose = 0 if verbose in (2, "stage") else verbose
    while True:
        stage_callbacks = [guard, backup, tensorboard, *epoch_lines, *callbacks]
        position = backup.position
        while position < total and not model.stop_training:
            epoch, step = divmod(position, num_steps)
            # A resumed epoch runs its remaining steps alone, then whole epochs follow.
            last = epoch + 1 if step else epochs
            result = model.fit(_stream(make_dataset, position, num_steps),
                               steps_per_epoch=num_steps - step, initial_epoch=epoch,
                               epochs=last, validation_data=validation_data,
                               callbacks=stage_callbacks, verbose=fit_verbose, shuffle=False)
            history.append(result.history)
            if guard.event is not None:
                break
            position = last * num_steps
        if guard.event is None:
            merged = _merge(history)
            merged["lr_retries"] = backup.lr_retries
            merged["learning_rate"] = backup.learning_rate
            merged["seconds"] = backup.training_seconds()
            return merged
        event = dict(guard.event)
        # The failed batch's place in the stage's stream (fit's own counts restart at resumes).
        event["epoch"], event["batch"] = divmod(backup.position - 1 - event["steps_after"],
                                                num_steps)
        restored = backup.restore()
        restored_step = restored["iterations"] if restored else None
        if lr_retry_factor and retries < lr_retries:
            retries += 1
            set_rate(retries)
            print(f"zoo.training: {name} diverged at step {event['step']}; retry "
                  f"{retries}/{lr_retries} from step {restored_step} with learning rate "
                  f"{backup.learning_rate:.3g}", flush=True)
            model.stop_training = False
            continue
        set_rate(retries)
        raise TrainingDiverged(
            describe(event, name, restored_step,
                     os.path.join(backup.directory, restored["weights"]) if restored else None,
                     backup.learning_rate, backup.lr_retries, earlier),
            stage=name, step=event["step"], last_loss=event["last_loss"],
            last_gamma=event["last_gamma"], restored_step=restored_step)
