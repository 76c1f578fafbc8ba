"""The command-line flags every recipe shares, defined when a recipe's `main` runs (importing a
recipe defines nothing), and read into `zoo.experiment.process.Options`.

See `zoo.experiment` for the flags and the override syntax.
"""

from zoo.experiment import process
from zoo.runtime import strategies


def define_flags(presets, default_workdir, default_preset="cpu"):
    """Define --preset (one of `presets`), --data, --workdir, --seed, --override, --restart and
    --dry_run, and `zoo.runtime.strategies`' --strategy, --tpu, --mixed_precision and
    --cpu_threads (absl flags)."""
    from absl import flags

    flags.DEFINE_enum("preset", default_preset, sorted(presets),
                      "Starting values: 'paper' (the paper's exact values, GPU/TPU budget), "
                      "'cpu' (short budget on a 2-core machine), 'smoke' (seconds; tests).")
    flags.DEFINE_string("data", None, "zoo.data spec; default: the preset's.")
    flags.DEFINE_string("workdir", default_workdir, "Output folder (re-running resumes).")
    flags.DEFINE_integer("seed", None, "Seed; default: the preset's (else 0).")
    flags.DEFINE_multi_string("override", [], "key=value: change one preset value (repeatable; "
                              "lists comma-separated, nested keys dotted: epochs.1=20).")
    flags.DEFINE_bool("restart", False, "Move the workdir's contents aside (into "
                      "<workdir>.replaced-<time>/) and start over; a rerun with other settings "
                      "than the workdir's config.json is refused otherwise.")
    flags.DEFINE_boolean("dry_run", False, "Every model of the preset at full size, two "
                         "training steps and one evaluation on synthetic data of the right "
                         "shape (default workdir: <workdir>_dry_run).")
    strategies.define_flags()


def options():
    """The defined flags' values as `process.Options`."""
    from absl import flags

    f = flags.FLAGS
    return process.Options(
        preset=f.preset, workdir=f.workdir if f["workdir"].present else None, data=f.data,
        seed=f.seed, overrides=tuple(f.override), restart=f.restart, dry_run=f.dry_run,
        strategy=f.strategy, tpu=f.tpu, mixed_precision=f.mixed_precision,
        cpu_threads=f.cpu_threads)
