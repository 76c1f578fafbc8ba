"""A paper recipe as a declaration: its presets, the rows of the paper's table, its report.

    RECIPE = experiment.Recipe(
        name="mnist_balance", title="Regularization balance on MNIST (reg-balance Table 1)",
        presets=PRESETS, default_workdir="runs/mnist_balance", dry_run=DRY_RUN,
        rows=rows, report=report, workload="dense")

    if __name__ == "__main__":
        experiment.main(RECIPE)

`rows(config)` is a generator of `Row`s, one per trained model (or measured baseline) of the
table. The runner (`zoo.experiment.runner`) trains each row, measures it, caches its metrics
and exports it, then sends the row's `RowResult` back into the generator, so a later row can
be built on an earlier row's trained parts or results:

    def rows(config):
        learnable = yield Row("learnable", build=..., data=spec, evaluate=...)
        yield Row("fixed", build=lambda: build(gamma=learnable.metrics["gamma"]), ...)

`report(config, results)` gets {row name: RowResult} and returns (the JSON-able results,
the markdown sections of results.md). Importing a recipe defines nothing: the flags are
defined when `main` runs.
"""

import dataclasses
from collections.abc import Callable, Mapping


@dataclasses.dataclass(frozen=True)
class Recipe:
    """What a recipe declares (see the module docstring).

    name: the module under `recipes` (`python -m recipes.NAME`).
    title: the heading of results.md.
    presets: {name: config dict} with at least `PRESET_NAMES`, or a function returning it
      (for presets that read the environment, e.g. the default data folders: read when the
      recipe runs, not when it is imported).
    default_workdir: --workdir's default.
    rows: config -> generator of `Row` (receives each row's `RowResult`); None for a recipe
      that trains nothing (its report computes everything).
    report: (config, {name: RowResult}) -> (results dict, [markdown sections]).
    dry_run: the preset keys --dry_run sets (`zoo.experiment.dry_run`).
    workload: "dense" (MLPs) or "conv", or a function of the config returning one of them
      (the CPU plan of `zoo.runtime.cpu`).
    batch_norm: whether the recipe's networks have BatchNormalization (the CPU plan keeps them
      in float32 and trains no parallel batches).
    validate: config -> None, raising ValueError for values the recipe cannot run with; runs
      before anything is written.
    default_preset: --preset's default.
    """

    name: str
    title: str
    presets: dict | Callable[[], dict]
    default_workdir: str
    rows: Callable | None
    report: Callable
    dry_run: dict = dataclasses.field(default_factory=dict)
    workload: str | Callable = "conv"
    batch_norm: bool = False
    validate: Callable | None = None
    default_preset: str = "cpu"

    def preset_table(self):
        """{preset name: config dict}, read now (see `presets`)."""
        return self.presets() if callable(self.presets) else self.presets

    def workload_of(self, config):
        return self.workload(config) if callable(self.workload) else self.workload


@dataclasses.dataclass
class Row:
    """One model of a paper's table: how to build and train it, and what to measure.

    name: its folder, <workdir>/models/<name> (checkpoints, TensorBoard, SavedModel, the
      metrics' cache results.json).
    build: () -> a new zoo model, called after seeding Keras with the row's seed; None for a
      row that trains nothing (a baseline such as downsampled images): only `evaluate` runs.
    evaluate: (model or None, Run) -> a JSON-able dict of metrics; cached, so a finished row
      is not measured again.
    data: the `zoo.data` spec whose shuffled train split (batches of `batch_size`, seeded)
      trains it.
    batch_size: the row's training batch (default: config["batch_size"]).
    budget: steps per epoch -> (epochs, learning rate), each a value or {stage: value}
      (`zoo.experiment.budgets`).
    seed: the row's seed (default: config["seed"]).
    dequantize: train on (x + u) / L (`zoo.data.load`).
    images: model -> {name: images}, drawn on a run when first read, after training (not
      cached: sample grids and measured image sets); `Run.images` in `evaluate`,
      `RowResult.images` after (`runner.DrawnImages`).
    exports: model -> {row name: Keras model}: parts exported into models/<name>/ beside the
      row's own SavedModel (e.g. VAE+'s autoencoder).
    callbacks: None or (model folder) -> list of Keras callbacks.
    verbose: `zoo.training.train`'s verbosity: "stage" (one progress bar per stage and a summary
      line), 2 (a line per epoch), 0 (silent, for thousands of short epochs).
    export: whether the runner exports the trained model (unless `evaluate` did, `Run.export`).
    """

    name: str
    build: Callable | None
    evaluate: Callable
    data: str | None = None
    batch_size: int | None = None
    budget: Callable | None = None
    seed: int | None = None
    dequantize: bool = False
    images: Callable | None = None
    exports: Callable | None = None
    callbacks: Callable | None = None
    verbose: int | str = "stage"
    export: bool = True


@dataclasses.dataclass
class RowResult:
    """What the runner returns for a row: its metrics (as cached), its images (drawn on this
    run when first read), and its trained model, built (and its finished checkpoints loaded)
    when first used."""

    metrics: dict
    images: Mapping
    load_model: Callable = dataclasses.field(repr=False, default=None)

    @property
    def model(self):
        if self.load_model is None:
            raise ValueError("this row trains no model")
        return self.load_model()
