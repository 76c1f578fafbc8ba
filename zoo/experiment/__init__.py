"""What every paper recipe shares: presets, command-line overrides, workdir layout, result tables.

One module per job: `flags` (presets, `--override`, config.json), `workdir` (sub-workdirs,
caches, export once, held-out subsets), `reports` (tables, results.md, figures), `runs`
(`train_model`: train, evaluate and export one model, cached), `dry_run` (`--dry_run`: every
model of a preset on synthetic stand-in data, two steps each), `evaluation` (the papers'
metrics of a trained or exported model) and `trends` (the budget at which a metric reaches a
paper's value, measured or extrapolated).

A recipe is a thin row of a paper's table (see `recipes/`). It holds its presets as plain dicts
and calls `define_flags` at import time and `configure` in `main`:

    PAPER = {"batch_size": 20, ...}                # the paper's values
    CPU = {**PAPER, "batch_size": 100, ...}        # the changes for a 2-core machine
    SMOKE = {**CPU, "units": 16, ...}              # and for a test of seconds
    PRESETS = {"paper": PAPER, "cpu": CPU, "smoke": SMOKE}
    experiment.define_flags(PRESETS, default_workdir="runs/mnist_balance",
                            dry_run={"rounds": 1, ...})

    def main(argv):
        config = experiment.configure(PRESETS)     # writes <workdir>/config.json
        result = experiment.train_model(config, "kappa_50", build, evaluate, ...)

Flags (the same for every recipe):

    --preset=paper|cpu|smoke   the starting dict (`paper`: the paper's values; `cpu`: a short
                               budget for a 2-core machine; `smoke`: seconds, used by the tests)
    --data=SPEC                a `zoo.data` spec (default: the preset's)
    --workdir=DIR              output folder
    --seed=N                   (default: the preset's, else 0)
    --strategy=default|mirrored|multiworker|tpu, --tpu=ADDRESS, --mixed_precision=...
                               `zoo.runtime.strategies`: `configure` creates the strategy and enters its
                               scope for the rest of the run, so models, optimizers and metrics
                               are built in it; a non-chief worker writes into a temporary
                               workdir that is removed at exit
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
    models/<name>/   one sub-workdir per trained model: tensorboard/, backup/, checkpoints/
                     (`zoo.training.train`), saved_model/<version>/ (`zoo.export`),
                     results.json (that model's metrics, cached: a finished model is neither
                     retrained nor re-evaluated when the command is run again)
"""

from zoo.experiment.flags import (PRESET_NAMES, apply_overrides, configure, define_flags,
                                  parse_value, resolve, split_overrides)
from zoo.experiment.reports import (comparison_table, fmt, markdown_table, pyplot, save_figure,
                                    write_results)
from zoo.experiment.runs import Run, train_model
from zoo.experiment.trends import budget_to_reach
from zoo.experiment.workdir import (batches_per_epoch, cached_json, export_metadata, export_once,
                                    held_out, model_dir)

__all__ = [
    "PRESET_NAMES", "Run", "apply_overrides", "batches_per_epoch", "budget_to_reach",
    "cached_json",
    "comparison_table", "configure", "define_flags", "export_metadata", "export_once", "fmt",
    "held_out", "markdown_table", "model_dir", "parse_value", "pyplot", "resolve",
    "save_figure", "split_overrides", "train_model", "write_results",
]
