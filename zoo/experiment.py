"""What every paper recipe shares: presets, command-line overrides, workdir layout, result tables.

A recipe is a thin row of a paper's table (see `recipes/`). It holds its presets as plain dicts
and calls `define_flags` at import time and `configure` in `main`:

    PRESETS = {"paper": {...}, "cpu": {...}, "smoke": {...}}
    experiment.define_flags(PRESETS, default_workdir="runs/mnist_balance")

    def main(argv):
        config = experiment.configure(PRESETS)     # writes <workdir>/config.json

Flags (the same for every recipe):

    --preset=paper|cpu|smoke   the starting dict (`paper`: the paper's values; `cpu`: a short
                               budget for a 2-core machine; `smoke`: seconds, used by the tests)
    --data=SPEC                a `zoo.data` spec (default: the preset's)
    --workdir=DIR              output folder
    --seed=N                   (default: the preset's, else 0)
    --strategy=default|mirrored|multiworker|tpu, --tpu=ADDRESS, --mixed_precision=...
                               `zoo.distribute`: `configure` creates the strategy and enters its
                               scope for the rest of the run, so models, optimizers and metrics
                               are built in it; a non-chief worker writes into a temporary
                               workdir that is removed at exit
    --override=key=value,...   any preset key; repeatable. The value is parsed as the type of
                               the preset's value (lists: comma-separated, so
                               `--override=kappas=50,100,batch_size=64` sets two keys; a piece
                               without '=' continues the previous value). Nested dict keys with
                               dots (`epochs.1=20`). JSON is accepted for dicts and None.

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

import atexit
import contextlib
import copy
import json
import math
import os
import sys
import time

import numpy as np

from zoo import distribute, io

PRESET_NAMES = ("paper", "cpu", "smoke")
_RUN_SCOPE = contextlib.ExitStack()  # the strategy scope `configure` enters for the run
_RUN_START = [None]  # time.time() when `configure` ran, for the wall time in results.md


def define_flags(presets, default_workdir, default_preset="cpu"):
    """Define --preset, --data, --workdir, --seed and --override (absl flags)."""
    from absl import flags

    missing = [name for name in PRESET_NAMES if name not in presets]
    if missing:
        raise ValueError(f"presets {missing} missing; a recipe defines {PRESET_NAMES}")
    flags.DEFINE_enum("preset", default_preset, sorted(presets),
                      "Starting values: 'paper' (the paper's exact values, GPU/TPU budget), "
                      "'cpu' (short budget on a 2-core machine), 'smoke' (seconds; tests).")
    flags.DEFINE_string("data", None, "zoo.data spec; default: the preset's.")
    flags.DEFINE_string("workdir", default_workdir, "Output folder (re-running resumes).")
    flags.DEFINE_integer("seed", None, "Seed; default: the preset's (else 0).")
    flags.DEFINE_multi_string("override", [], "key=value[,key=value...]: change preset values.")
    distribute.define_flags()


def parse_value(text, like):
    """`text` parsed as the type of `like` (bool, int, float, str, list, tuple, dict, None)."""
    text = text.strip()
    if isinstance(like, bool):
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    if isinstance(like, int):
        return int(float(text)) if "e" in text.lower() else int(text)
    if isinstance(like, float):
        return float(text)
    if isinstance(like, (list, tuple)):
        if text.startswith("["):
            return type(like)(json.loads(text))
        item = like[0] if like else None
        items = [parse_value(part, item) for part in text.split(",") if part.strip()]
        return type(like)(items)
    if isinstance(like, dict):
        return json.loads(text)
    if like is None:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def split_overrides(overrides):
    """['a=1,b=2,3', 'c=x'] -> [('a', '1'), ('b', '2,3'), ('c', 'x')].

    A piece without '=' (or inside an open JSON bracket) continues the previous value.
    """
    pairs = []
    for text in overrides:
        for piece in text.split(","):
            open_json = pairs and not _balanced(pairs[-1][1])
            if "=" in piece and not open_json:
                key, _, value = piece.partition("=")
                pairs.append((key.strip(), value))
            elif pairs:
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + "," + piece)
            else:
                raise ValueError(f"bad --override {text!r}: expected key=value[,key=value...]")
    return pairs


def _balanced(text):
    return text.count("[") + text.count("{") == text.count("]") + text.count("}")


def apply_overrides(config, overrides):
    """A copy of `config` with `--override` strings applied; unknown keys raise ValueError."""
    config = copy.deepcopy(config)
    for key, value in split_overrides(overrides):
        parent, path = config, key.split(".")
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
            if not isinstance(parent, dict):
                raise ValueError(f"--override {key}: {part!r} is not a dict of the config")
        leaf = path[-1]
        if isinstance(parent, dict) and leaf not in parent:
            # Dicts keyed by numbers (e.g. epochs per stage) accept numeric keys.
            numeric = {str(k): k for k in parent}
            if leaf in numeric:
                leaf = numeric[leaf]
            else:
                raise ValueError(f"--override: unknown key {key!r}; valid keys: "
                                 f"{', '.join(sorted(map(str, parent)))}")
        try:
            parent[leaf] = parse_value(value, parent[leaf])
        except (ValueError, json.JSONDecodeError) as error:
            raise ValueError(f"--override {key}={value}: {error}") from None
    return config


def resolve(presets, preset, data=None, seed=None, workdir=None, overrides=()):
    """The final config: the preset, then `overrides`, then the explicit flags."""
    if preset not in presets:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(presets)}")
    config = apply_overrides(presets[preset], overrides)
    config["preset"] = preset
    if data is not None:
        config["data"] = data
    config["seed"] = seed if seed is not None else config.get("seed", 0)
    if workdir is not None:
        config["workdir"] = os.fspath(workdir)
    return config


def configure(presets):
    """Resolve the config from the absl flags, create the workdir, write config.json.

    A config.json left by an earlier run with different values is kept as
    config.previous.json (the checkpoints in the workdir were made with it).
    """
    from absl import flags, logging

    f = flags.FLAGS
    _RUN_START[0] = time.time()
    strategy = distribute.from_flags()  # first: multiworker must start before any TF op
    workdir = distribute.worker_dir(f.workdir, strategy)  # non-chief: a temporary folder
    if workdir != f.workdir:
        atexit.register(distribute.remove_worker_dir, workdir, f.workdir)
    _RUN_SCOPE.enter_context(strategy.scope())  # everything the recipe builds from here on
    config = resolve(presets, f.preset, data=f.data, seed=f.seed, workdir=workdir,
                     overrides=f.override)
    config["strategy"] = {"name": f.strategy, "replicas": strategy.num_replicas_in_sync,
                          "mixed_precision": f.mixed_precision, "cpu_threads": f.cpu_threads}
    config["command"] = " ".join([os.path.basename(sys.executable), "-m",
                                  _module_name(), *sys.argv[1:]])
    path = os.path.join(config["workdir"], "config.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as file:
            previous = json.load(file)
        changed = sorted(k for k in set(previous) | set(config)
                         if k != "command" and previous.get(k) != config.get(k))
        if changed:
            logging.warning("config differs from the earlier run in %s (kept as "
                            "config.previous.json); finished models are not retrained",
                            changed)
            io.write_json(os.path.join(config["workdir"], "config.previous.json"), previous)
    io.write_json(path, config)
    return config


def _module_name():
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else (sys.argv[0] if sys.argv else "")


def held_out(images, count, seed=0):
    """`count` images drawn at random without replacement (seeded), in random order, so that
    any prefix of the result is a random subset too (all images, shuffled, if fewer).

    Evaluate on a random subset, never on the first images: MNIST's test set, for one, is
    ordered (its first 5,000 digits come from a different population of writers than the
    rest; NDB of test[:5000] against training bins is 0.68 at K = 100, of a random 5,000 0.19).
    """
    return images[np.random.RandomState(seed).permutation(len(images))[:count]]


def model_dir(config, name):
    """The sub-workdir of one model: <workdir>/models/<name>."""
    return os.path.join(config["workdir"], "models", name)


def cached_json(path, compute):
    """The JSON at `path` if it exists; else `compute()`, written to `path` atomically."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    value = compute()
    io.write_json(path, value)
    return json.loads(json.dumps(value, default=float))


def export_once(model, directory, metadata=None, **kwargs):
    """`zoo.export` into `directory/saved_model` unless a version is there already."""
    import zoo

    export_dir = os.path.join(directory, "saved_model")
    if os.path.isdir(export_dir) and any(n.isdigit() for n in os.listdir(export_dir)):
        return export_dir
    zoo.export(model, export_dir, metadata=metadata, **kwargs)
    return export_dir


def export_metadata(config, metrics):
    """`zoo.export` metadata for a model trained on `config["data"]` (scaling from zoo.data)."""
    from zoo import data

    scaling = data.info(config["data"]).scaling
    metadata = {"preprocessing": f"{config['data']}: {scaling}", "metrics": metrics,
                "training_command": config.get("command")}
    if scaling.divisor in (255.0, 256.0):
        metadata["pixel_divisor"] = scaling.divisor
    else:
        metadata["preprocessing"] += (f" (divisor {scaling.divisor}: the score signature's "
                                      "bits per dim assume 256 and do not apply)")
    return metadata


def steps_per_epoch(data_spec, batch_size, split="train", drop_remainder=False):
    """Batches per epoch of `zoo.data.load(data_spec, split, batch_size=...)`."""
    from zoo import data

    size = _split_size(data.info(data_spec).splits, split)
    return size // batch_size if drop_remainder else math.ceil(size / batch_size)


def _split_size(splits, split):
    from zoo.data.splits import parse_split

    selection = parse_split(split)
    start, stop = selection.bounds(splits[selection.name])
    return stop - start


def iwae_schedule(steps_per_epoch, rounds=8, epochs_per_round=None, base_learning_rate=1e-3):
    """The IWAE training schedule (Burda et al. 2015) as (Keras schedule, total epochs).

    ```none
    learning rate  base * 10^(-i/7)   for 3^i epochs,   i = 0 .. rounds - 1
    ```
    (rounds = 8: 3,280 epochs; reg-balance supplement section 2). `epochs_per_round` replaces
    3^i by a list (a shortened budget). Boundaries are in optimizer steps, so the schedule
    survives `BackupAndRestore` (the step count is restored).
    """
    epochs = list(epochs_per_round or [3 ** i for i in range(rounds)])
    if len(epochs) != rounds:
        raise ValueError(f"need {rounds} epochs_per_round values, got {epochs}")
    import keras

    values = [base_learning_rate * 10 ** (-i / 7) for i in range(rounds)]
    # PiecewiseConstantDecay switches after step > boundary; optimizer steps count from 0.
    boundaries = [steps_per_epoch * sum(epochs[:i + 1]) - 1 for i in range(rounds - 1)]
    if not boundaries:
        return keras.optimizers.schedules.PiecewiseConstantDecay([10 ** 12], values * 2), \
            sum(epochs)
    return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values), sum(epochs)


def fmt(value, digits=4):
    """A table cell: None -> '—', floats to `digits` significant digits, others as str."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) >= 10 ** digits or abs(value) < 1e-3):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}" if abs(value) < 10 ** (digits - 1) else f"{value:.1f}"
    return str(value)


def markdown_table(headers, rows):
    """A GitHub markdown table; cells go through `fmt`."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def comparison_table(row_label, rows, columns, ours, paper):
    """A paper table with "ours" and "paper" columns side by side for every metric.

    Args:
      row_label: header of the first column (e.g. "kappa").
      rows: row keys, in order (also the printed row names unless a (key, name) pair).
      columns: (metric key, header) pairs.
      ours, paper: {row key: {metric key: value}}; missing values print as '—'.
    """
    headers = [row_label]
    for _, header in columns:
        headers += [f"{header} (ours)", f"{header} (paper)"]
    table = []
    for row in rows:
        key, name = row if isinstance(row, tuple) else (row, row)
        cells = [name]
        for metric, _ in columns:
            cells += [ours.get(key, {}).get(metric), paper.get(key, {}).get(metric)]
        table.append(cells)
    return markdown_table(headers, table)


def write_results(config, results, title, sections):
    """Write <workdir>/results.json (results, config, wall time) and results.md (title, run
    facts, `sections`: markdown strings, e.g. tables and figure links, then the wall time since
    `configure`), and say so on stdout."""
    workdir = config["workdir"]
    wall = None if _RUN_START[0] is None else round(time.time() - _RUN_START[0])
    io.write_json(os.path.join(workdir, "results.json"),
                  {"config": config, **results, "wall_time_seconds": wall})
    facts = (f"Preset `{config['preset']}`, data `{config.get('data')}`, seed {config['seed']}."
             f"  \nCommand: `{config.get('command', '')}`")
    footer = [] if wall is None else [f"Wall time of this run: {wall} s."]
    io.write_text(os.path.join(workdir, "results.md"),
                  "\n\n".join([f"# {title}", facts, *sections, *footer]) + "\n")
    print(f"wrote {workdir}/results.md")


def save_figure(figure, path, dpi=120):
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    with io.atomic_path(path, suffix=".png") as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return path


def pyplot():
    """matplotlib.pyplot with the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
