"""Train one model of a recipe in its sub-workdir, evaluate it, export it once, cache the result.

Every paper recipe trains a list of models the same way; `train_model` is that block:

    result = experiment.train_model(
        config, "kappa_50", build=lambda: builders.mlp_vae(...),
        evaluate=lambda model, run: {"nll": ..., "train_seconds": run.train_seconds},
        train_data=config["data"], epochs=epochs, learning_rate=schedule)

A finished model is neither retrained nor re-evaluated: its results.json is returned as is.
"""

import dataclasses
import functools
import os

from zoo.experiment import workdir


@dataclasses.dataclass
class Run:
    """What `evaluate` gets besides the trained model.

    directory: <workdir>/models/<name>.
    train_seconds: seconds of training of every stage, summed over the processes that trained
      it (`zoo.training.recorded_seconds`; a resumed run counts its earlier processes too).
    export_dir: the SavedModel folder once exported, else None.
    """

    directory: str
    train_seconds: float | None
    export_dir: str | None = None

    def export(self, model, metadata, **export_kwargs):
        """`workdir.export_once` into this run's directory (e.g. to measure the SavedModel
        itself); `train_model` then does not export again. Returns the export folder."""
        self.export_dir = workdir.export_once(model, self.directory, metadata, **export_kwargs)
        return self.export_dir


def train_model(config, name, build, evaluate, *, train_data, epochs, learning_rate,
                dequantize=False, callbacks=None, verbose=2):
    """Train, evaluate and export the model `name` of a recipe; its metrics (cached JSON).

    Args:
      config: the recipe's resolved config; uses `workdir`, `seed`, `batch_size`,
        `steps_per_execution` and, if present, `parallel_batches` (default "auto":
        `zoo.runtime.cpu`'s plan).
      name: the model's sub-workdir, <workdir>/models/<name>.
      build: () -> a new zoo model, called after seeding Keras with config["seed"].
      evaluate: (model, Run) -> a JSON-able dict of metrics, called after training.
      train_data: a `zoo.data` spec (its shuffled train split, batches of
        config["batch_size"], seeded) or a function returning a batched `tf.data.Dataset`.
      epochs, learning_rate: as `zoo.training.train`.
      dequantize: load the spec's images as (x + u) / L (`zoo.data.load`).
      callbacks: None or (model directory) -> list of Keras callbacks.
    Returns:
      The metrics of `evaluate`, as read back from <workdir>/models/<name>/results.json.

    Unless `evaluate` exported the model itself (`Run.export`), it is exported after the
    evaluation with `workdir.export_metadata` of the data spec and the metrics.
    """
    directory = workdir.model_dir(config, name)

    def train_and_evaluate():
        import keras

        from zoo import data, training

        keras.utils.set_random_seed(config["seed"])
        model = build()
        if callable(train_data):
            dataset = train_data
        else:
            dataset = functools.partial(data.load, train_data, "train",
                                        batch_size=config["batch_size"], shuffle=True,
                                        seed=config["seed"], dequantize=dequantize)
        training.train(
            model, dataset, directory, epochs=epochs, learning_rate=learning_rate,
            callbacks=callbacks(directory) if callbacks else (), verbose=verbose,
            compile_kwargs={"steps_per_execution": config["steps_per_execution"]},
            parallel_batches=config.get("parallel_batches", "auto"))
        run = Run(directory, training.recorded_seconds(directory))
        result = evaluate(model, run)
        if run.export_dir is None:
            if callable(train_data):
                raise ValueError(f"model {name!r}: with a dataset function as train_data, "
                                 "evaluate must export the model itself (Run.export)")
            run.export(model, workdir.export_metadata({**config, "data": train_data}, result))
        return result

    return workdir.cached_json(os.path.join(directory, "results.json"), train_and_evaluate)
