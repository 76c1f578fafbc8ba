"""The one runner of the paper recipes: flags, then each row of the recipe trained, measured,
cached and exported (resumably), then the report.

    experiment.main(RECIPE)                       # python -m recipes.NAME (absl flags)
    experiment.execute(RECIPE, Options("smoke", workdir=...))   # the same run, in-process

A finished row is neither retrained nor measured again: its metrics come from
models/<name>/results.json. A row's `images` are drawn when first read (by its `evaluate`, or
by the report through `RowResult.images`): a finished row whose images nobody reads is not even
built, and one whose images are read is rebuilt (its finished checkpoints loaded, nothing
retrained) to draw them. So a report can read a finished row from its results.json alone.
"""

import collections.abc
import functools

from zoo import layout
from zoo.experiment import flags, process, reports, workdir
from zoo.experiment.recipe import RowResult


def main(recipe):
    """`python -m recipes.NAME`: define the flags, then `execute` with their values."""
    from absl import app

    flags.define_flags(sorted(recipe.preset_table()), recipe.default_workdir,
                       recipe.default_preset)

    def run(argv):
        del argv
        execute(recipe, flags.options())

    app.run(run)


def execute(recipe, options):
    """Run `recipe` with `options` (`process.Options`); returns the final config."""
    config, strategy = process.start(recipe, options)
    with strategy.scope():
        results = run_rows(config, recipe.rows(config)) if recipe.rows else {}
        payload, sections = recipe.report(config, results)
        reports.write_results(config, payload, recipe.title, sections)
    return config


def run_rows(config, rows):
    """{row name: RowResult} of `rows`: a generator, each row's result sent back into it, or
    any iterable of rows."""
    rows = iter(rows)
    send = getattr(rows, "send", lambda result: next(rows))
    results = {}
    try:
        row = next(rows)
        while True:
            if row.name in results:
                raise ValueError(f"two rows are named {row.name!r}")
            results[row.name] = run_row(config, row)
            row = send(results[row.name])
    except StopIteration:
        return results


class Run:
    """What a row's `evaluate` gets besides the model.

    directory: <workdir>/models/<name>.
    train_seconds: seconds of training of every stage, summed over the processes that trained
      it (`zoo.training.recorded_seconds`; a resumed run counts its earlier processes too).
    images: the row's `images` of this run (`DrawnImages`: drawn when first read).
    export_dir: the SavedModel folder once exported, else None.
    """

    def __init__(self, directory, train_seconds, images=None):
        self.directory = directory
        self.train_seconds = train_seconds
        self.images = {} if images is None else images
        self.export_dir = None

    def export(self, model, metadata, **export_kwargs):
        """`workdir.export_once` into this row's folder (e.g. to measure the SavedModel
        itself); the runner then does not export again. Returns the export folder."""
        self.export_dir = workdir.export_once(model, self.directory, metadata, **export_kwargs)
        return self.export_dir


def run_row(config, row):
    """Train (or load), measure (or read the cache) and export one `Row`."""
    from zoo import training

    directory = layout.Workdir(config["workdir"]).model(row.name)
    seed = config["seed"] if row.seed is None else row.seed
    trained = []

    def model():
        if not trained:
            trained.append(_train(config, row, directory.path, seed))
        return trained[0]

    images = DrawnImages(lambda: row.images(model() if row.build else None) if row.images
                         else {})

    def measure():
        built = model() if row.build else None  # trained first: then its time is recorded
        seconds = training.recorded_seconds(directory.path) if row.build else None
        run = Run(directory.path, seconds, images)
        result = row.evaluate(built, run)
        if built is not None and row.export and run.export_dir is None:
            if not isinstance(row.data, str):
                raise ValueError(f"row {row.name!r}: with a dataset function as its data, "
                                 "evaluate must export the model itself (Run.export)")
            run.export(built, workdir.export_metadata({**config, "data": row.data}, result))
        for name, part in (row.exports(built) if row.exports else {}).items():
            workdir.export_once(part, workdir.model_dir(config, name),
                                workdir.export_metadata({**config, "data": row.data}, {}))
        return result

    metrics = workdir.cached_json(directory.results, measure)
    return RowResult(metrics, images, model if row.build else None)


class DrawnImages(collections.abc.Mapping):
    """{name: images} of a row, drawn by `draw` (which may build and load its model) the first
    time any of them is read, then kept."""

    def __init__(self, draw):
        self._draw = draw
        self._images = None

    def _drawn(self):
        if self._images is None:
            self._images = dict(self._draw())
        return self._images

    def __getitem__(self, name):
        return self._drawn()[name]

    def __iter__(self):
        return iter(self._drawn())

    def __len__(self):
        return len(self._drawn())


def _train(config, row, directory, seed):
    """The row's model, trained (or its finished stages loaded) in `directory`."""
    import keras

    from zoo import data, training

    keras.utils.set_random_seed(seed)
    model = row.build()
    if callable(row.data):
        dataset, steps = row.data, None
    else:
        batch_size = row.batch_size or config["batch_size"]
        dataset = functools.partial(data.load, row.data, "train", batch_size=batch_size,
                                    shuffle=True, seed=seed, dequantize=row.dequantize)
        steps = workdir.batches_per_epoch(row.data, batch_size)
    epochs, learning_rate = row.budget(steps)
    training.train(
        model, dataset, directory, epochs=epochs, learning_rate=learning_rate,
        callbacks=row.callbacks(directory) if row.callbacks else (), verbose=row.verbose,
        compile_kwargs={"steps_per_execution": config["steps_per_execution"]},
        parallel_batches=config.get("parallel_batches", "auto"))
    return model
