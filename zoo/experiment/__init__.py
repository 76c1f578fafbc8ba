"""What every paper recipe shares: the runner, presets, overrides, measurements, reports.

One module per job: `recipe` (what a recipe declares: `Recipe`, `Row`, `RowResult`),
`runner` (`main` / `execute`: each row trained, measured, cached and exported, then the
report), `budgets` (a row's epochs and learning-rate schedule), `config` (presets and
`--override`, pure), `flags` (the shared flags, defined when `main` runs), `process` (start a
run: CPU plan, strategy, workdir lock, config.json), `rules` (every preset key's type and
range, checked first), `reuse` (one workdir, one config),
`workdir` (model folders, caches, export once), `sampling` (images in chunks, one seed scheme),
`measures` (image-set metrics by name: FID, FD-MNIST, NDB), `evaluation` (every metric of a
trained or exported model by name), `reports` (tables, results.md, figures), `dry_run`
(`--dry_run`: every model of a preset on synthetic stand-in data, two steps each) and `trends`
(the budget at which a metric reaches a paper's value).

A recipe is a row of a paper's table (see `recipes/`): its presets as plain dicts, `rows`, a
generator of the models to train and what to measure, and `report`:

    PAPER = {"batch_size": 20, ...}                # the paper's values
    CPU = {**PAPER, "batch_size": 100, ...}        # the changes for a 2-core machine
    SMOKE = {**CPU, "units": 16, ...}              # and for a test of seconds
    PRESETS = {"paper": PAPER, "cpu": CPU, "smoke": SMOKE}

    def rows(config):
        for kappa in config["kappas"]:
            yield experiment.Row(f"kappa_{kappa}", build=..., evaluate=..., data=config["data"],
                                 budget=experiment.budgets.constant(config["epochs"], 1e-3))

    def report(config, results):                   # {row name: RowResult}
        return {"models": {n: r.metrics for n, r in results.items()}}, [markdown sections]

    RECIPE = experiment.Recipe("mnist_balance", "reg-balance Table 1", PRESETS,
                               "runs/mnist_balance", rows, report, dry_run={"rounds": 1})
    if __name__ == "__main__":
        experiment.main(RECIPE)

Importing a recipe defines nothing: `experiment.main` defines the flags, and
`experiment.execute(RECIPE, experiment.Options("smoke", workdir=...))` runs it in-process.

Flags (the same for every recipe):

    --preset=paper|cpu|smoke   the starting dict (`paper`: the paper's values; `cpu`: a short
                               budget for a 2-core machine; `smoke`: seconds, used by the tests)
    --data=SPEC                a `zoo.data` spec (default: the preset's)
    --workdir=DIR              output folder
    --seed=N                   (default: the preset's, else 0)
    --strategy=default|mirrored|multiworker|tpu, --tpu=ADDRESS, --mixed_precision=...
                               `zoo.runtime.strategies`: the runner creates the strategy and
                               builds every model, optimizer and metric in its scope; a
                               non-chief worker writes into a temporary workdir that is
                               removed at exit
    --dry_run                  every model of the preset at full size, two training steps and
                               one evaluation on synthetic data of the right shape; reports
                               parameter counts and peak memory (`zoo.experiment.dry_run`)
    --override=key=value       one preset key per item; repeatable, the last item wins. The
                               value is parsed as the type of the preset's value (lists
                               comma-separated: `--override=kappas=50,100`); nested dict keys
                               with dots (`epochs.1=20`); JSON for dicts and None. (Items of
                               older commands that set several keys, `kappas=50,100,seed=1`,
                               are split before each `,key=` naming a preset key.)

Workdir layout:

    config.json      the final config (preset + flags + overrides) and the command line
    results.json     every number the recipe computed, with the config
    results.md       the paper's table with our numbers and the paper's side by side
    *.png            figures and sample grids
    models/<name>/   one sub-workdir per trained model (`zoo.layout`): tensorboard/,
                     backup/, checkpoints/ (`zoo.training.train`), saved_model/<version>/
                     (`zoo.export`), results.json (that model's metrics, cached: a finished model is neither
                     retrained nor re-evaluated when the command is run again)
"""

from zoo.experiment import budgets, evaluation, measures, sampling
from zoo.experiment.config import (PRESET_NAMES, apply_overrides, parse_value, resolve,
                                   split_overrides)
from zoo.experiment.measures import held_out
from zoo.experiment.process import Options
from zoo.experiment.recipe import Recipe, Row, RowResult
from zoo.experiment.reports import (comparison_table, fmt, image_sections, markdown_table,
                                    mean_std, metrics_table, ndb_table, pyplot, save_figure,
                                    seed_summary, stage_table, write_results)
from zoo.experiment.runner import Run, execute, main, run_row, run_rows
from zoo.experiment.trends import budget_to_reach
from zoo.experiment.workdir import (batches_per_epoch, cached_json, crop_variants,
                                    export_metadata, export_once, model_dir)

__all__ = [
    "PRESET_NAMES", "Options", "Recipe", "Row", "RowResult", "Run", "apply_overrides",
    "batches_per_epoch", "budget_to_reach", "budgets", "cached_json", "comparison_table",
    "crop_variants",
    "evaluation", "execute", "export_metadata", "export_once", "fmt", "held_out",
    "image_sections", "main",
    "markdown_table", "mean_std", "measures", "metrics_table", "model_dir", "ndb_table",
    "parse_value", "pyplot", "resolve", "run_row", "run_rows", "sampling", "save_figure",
    "seed_summary", "split_overrides", "stage_table", "write_results",
]
