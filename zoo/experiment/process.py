"""Starting a recipe's run: CPU thread pools, strategy and precision, the workdir and its
recorded config, in the order TensorFlow needs them.

The `zoo.runtime.cpu` plan (thread mode, steps per execution, parallel batches, XLA, and the
precision: the Keras dtype policy the recipe's models are built in) is printed and recorded in
config.json under "cpu"; `--cpu_threads` and `--mixed_precision` override its choices and are
recorded as given under "strategy".

`start(recipe, options)` resolves the config (`zoo.experiment.config`), checks it, and only
then locks the workdir and writes config.json (`zoo.experiment.reuse`), so a run stopped by a
bad value records nothing and the corrected command runs without `--restart`. The checks:
every key's type and range (`zoo.experiment.rules`: counts are integers, a learning rate is
finite and > 0, seeds >= 0, ...; these cover what the models are built from, e.g. units,
depths, latent sizes, so no model is built to check them), the `--data` spec's form and the
data's availability, the batch size against the training split, and the recipe's own
`validate`. What fails later (in a row's build or training) has recorded its config, as it
may have written checkpoints by then. `Options` holds what the command line gives; the flags
of `zoo.experiment.flags` fill it, and tests build it directly to run a recipe in-process.
"""

import atexit
import dataclasses
import os
import sys
import time

from zoo import data, files
from zoo.experiment import config as configs
from zoo.experiment import dry_run, reuse, rules
from zoo.runtime import cpu, strategies

_RUN_START = [None]  # time.time() when `start` ran, for the wall time in results.md


@dataclasses.dataclass(frozen=True)
class Options:
    """A run's command-line choices (the flags every recipe shares; see `zoo.experiment`).

    workdir None: the recipe's default (with `_dry_run` appended for a dry run). command: the
    command line recorded in config.json (default: this process').
    """

    preset: str
    workdir: str | None = None
    data: str | None = None
    seed: int | None = None
    overrides: tuple = ()
    restart: bool = False
    dry_run: bool = False
    strategy: str = "default"
    tpu: str | None = None
    mixed_precision: str = cpu.AUTO
    cpu_threads: str = cpu.AUTO
    command: str | None = None


def start(recipe, options):
    """(config, strategy) of a run of `recipe`; nothing is written before every check passed."""
    _RUN_START[0] = time.time()
    files.exit_cleanly_on_disk_full()
    presets = recipe.preset_table()
    config = configs.resolve(presets, options.preset, data=options.data, seed=options.seed,
                             overrides=options.overrides)
    rules.check_config(config)  # every key's type and range, before any TF op
    check_workdir(options.workdir)
    check_data_spec(recipe, config["data"], presets[options.preset].get("data"))
    # Thread pools and strategy first (the pools are fixed, and multiworker must start, before
    # any TF op), for the networks of the resolved config.
    batch_size = config.get("batch_size")
    batch_size = batch_size if isinstance(batch_size, int) else None
    plan = cpu.configure_cpu(options.cpu_threads, recipe.workload_of(config),
                             batch_size=batch_size, batch_norm=recipe.batch_norm,
                             precision=options.mixed_precision)
    strategy = strategies.make_strategy(options.strategy, tpu=options.tpu)
    shown = "".join(f" (--{flag}={value})" for flag, value in (
        ("cpu_threads", options.cpu_threads), ("mixed_precision", options.mixed_precision))
        if value != cpu.AUTO)
    print(f"recipes.{recipe.name}: CPU plan: {plan.describe()}{shown}", flush=True)
    chief_dir = options.workdir or (recipe.default_workdir
                                    + ("_dry_run" if options.dry_run else ""))
    workdir = strategies.worker_dir(chief_dir, strategy)  # non-chief: a temporary folder
    if workdir != chief_dir:
        atexit.register(strategies.remove_worker_dir, workdir, chief_dir)
    config["workdir"] = os.fspath(workdir)
    if options.dry_run:
        config = dry_run.prepare(config, recipe.dry_run)
    check_data_available(recipe, config["data"])  # before anything is written into the workdir
    config["strategy"] = {"name": options.strategy, "replicas": strategy.num_replicas_in_sync,
                          "mixed_precision": options.mixed_precision,
                          "cpu_threads": options.cpu_threads}
    config["cpu"] = plan.as_dict()
    config["command"] = options.command or command_line(recipe)
    if isinstance(config.get("batch_size"), int) and data.is_spec(config.get("data")):
        from zoo.training import checks

        checks.check_batch_size(config["batch_size"], data.info(config["data"]).splits["train"])
    if recipe.validate is not None:
        recipe.validate(config)
    return reuse.record(config, restart=options.restart), strategy


def command_line(recipe):
    """This process' command line as `python -m recipes.NAME ARGS`."""
    return " ".join([os.path.basename(sys.executable), "-m", f"recipes.{recipe.name}",
                     *sys.argv[1:]])


def check_workdir(workdir):
    """ValueError for an empty `workdir` (`--workdir=$UNSET`), which would otherwise quietly
    mean the default; None (the flag left out) is the default."""
    if workdir is not None and not str(workdir).strip():
        raise ValueError(f"--workdir is empty (got {workdir!r}): give the output folder, or "
                         f"leave the flag out for the default")


def check_data_available(recipe, spec):
    """Exit with one readable line (no traceback, nothing written) when the data of `spec` is
    missing: a folder that does not exist, or a TFDS data set not prepared while offline."""
    if not data.is_spec(spec):
        return
    try:
        data.check_available(spec)
    except FileNotFoundError as error:
        raise SystemExit(f"recipes.{recipe.name}: the data {spec!r} is not available: {error}. "
                         f"Choose the data with --data=SPEC (docs/guides/own-data.md).") from None


def check_data_spec(recipe, spec, preset_spec):
    """ValueError naming `--data` when `spec` is a string that is no `zoo.data` spec (e.g. a
    folder without its `folder:` prefix) nor of the preset's own kind (e.g. "synthetic:...")."""
    if not isinstance(spec, str) or data.is_spec(spec):
        return
    if data.source_of(spec) is not None and data.source_of(spec) == data.source_of(preset_spec):
        return
    try:
        data.info(spec)  # the data spec parser's message: the sources and examples
    except ValueError as error:
        raise ValueError(f"recipes.{recipe.name}: --data={spec}: {error}") from None


def wall_time():
    """Whole seconds since `start` ran in this process, or None before it."""
    return None if _RUN_START[0] is None else round(time.time() - _RUN_START[0])
