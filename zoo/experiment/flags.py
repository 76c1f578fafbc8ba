"""Recipe flags: presets, `--override` parsing, the final config written to the workdir.

See `zoo.experiment` for the flags every recipe shares and the workdir layout.
"""

import atexit
import contextlib
import copy
import json
import os
import sys
import time

from zoo import files
from zoo.data.spec import as_bool
from zoo.experiment import dry_run
from zoo.runtime import cpu, strategies

PRESET_NAMES = ("paper", "cpu", "smoke")
_RUN_SCOPE = contextlib.ExitStack()  # the strategy scope `configure` enters for the run
_RUN_START = [None]  # time.time() when `configure` ran, for the wall time in results.md
_DRY_RUN = {}  # the recipe's overrides for --dry_run (`zoo.experiment.dry_run`)
_WORKLOAD = ["conv"]  # the recipe's networks for `zoo.runtime.cpu`: a name or f(config)


def define_flags(presets, default_workdir, default_preset="cpu", dry_run=None,
                 workload="conv"):
    """Define --preset, --data, --workdir, --seed, --override and --dry_run (absl flags).

    `dry_run`: the preset keys --dry_run sets (one epoch, small evaluations; see
    `zoo.experiment.dry_run`). `workload`: "dense" when the recipe's networks are MLPs,
    "conv" otherwise, or a function of the config returning one of them; with
    `--cpu_threads=auto` it chooses the CPU thread pools (`zoo.runtime.cpu`).
    """
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
    flags.DEFINE_multi_string("override", [], "key=value: change one preset value (repeatable; "
                              "lists comma-separated, nested keys dotted: epochs.1=20).")
    flags.DEFINE_bool("restart", False, "Delete the workdir's contents and start over (a rerun "
                      "with other settings than the workdir's config.json is refused otherwise).")
    flags.DEFINE_boolean("dry_run", False, "Every model of the preset at full size, two "
                         "training steps and one evaluation on synthetic data of the right "
                         "shape (default workdir: <workdir>_dry_run).")
    _DRY_RUN.clear()
    _DRY_RUN.update(dry_run or {})
    _WORKLOAD[0] = workload
    strategies.define_flags()


def parse_value(text, like):
    """`text` parsed as the type of `like` (bool, int, float, str, list, tuple, dict, None).

    A preset value "auto" (left to the zoo, e.g. `parallel_batches`) takes "auto" or a number.
    """
    text = text.strip()
    if like == "auto" and text != "auto":
        return parse_value(text, None)
    if isinstance(like, bool):
        return as_bool(text)
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


def split_overrides(overrides, config=None):
    """--override items as (key, value) pairs: one key per item, the value is all after '='.

    ['kappas=50,100', 'epochs.1=7'] -> [('kappas', '50,100'), ('epochs.1', '7')].
    Older commands set several keys in one item ('kappas=50,100,batch_size=64'); given the
    `config`, such an item is still split before every ',key=' whose key is one of the config
    (outside JSON brackets), so recorded commands keep working.
    """
    pairs = []
    for text in overrides:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"bad --override {text!r}: expected key=value")
        key, pieces = key.strip(), value.split(",")
        value = pieces[0]
        for piece in pieces[1:]:
            name, sep, rest = piece.partition("=")
            if sep and config is not None and _balanced(value) and _has_key(config,
                                                                            name.strip()):
                pairs.append((key, value))
                key, value = name.strip(), rest
            else:
                value += "," + piece
        pairs.append((key, value))
    return pairs


def _balanced(text):
    return text.count("[") + text.count("{") == text.count("]") + text.count("}")


def _has_key(config, path):
    """Whether the dotted `path` names a value of `config` (dict keys compared as text)."""
    for part in path.split("."):
        keys = {str(k): k for k in config} if isinstance(config, dict) else {}
        if part not in keys:
            return False
        config = config[keys[part]]
    return True


def apply_overrides(config, overrides):
    """A copy of `config` with `--override` strings applied; unknown keys raise ValueError."""
    config = copy.deepcopy(config)
    for key, value in split_overrides(overrides, config):
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
            hint = " (one key per --override item)" if "=" in value else ""
            raise ValueError(f"--override {key}={value}: {error}{hint}") from None
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


def configure(presets, validate=None):
    """Resolve the config from the absl flags, lock the workdir, check and write config.json.

    A workdir whose config.json holds other settings is refused before anything in it is
    touched, naming the differing keys (`zoo.experiment.reuse`; `--restart` starts over).
    `validate(config)`, if given, runs before that too (a recipe's own checks of its values).
    """
    from absl import flags

    from zoo.experiment import reuse

    f = flags.FLAGS
    _RUN_START[0] = time.time()
    files.exit_cleanly_on_disk_full()
    # Thread pools and strategy first (the pools are fixed, and multiworker must start, before
    # any TF op), for the networks of the resolved config.
    config = resolve(presets, f.preset, data=f.data, seed=f.seed, overrides=f.override)
    workload = _WORKLOAD[0](config) if callable(_WORKLOAD[0]) else _WORKLOAD[0]
    batch_size = config.get("batch_size")
    strategy = strategies.from_flags(workload=workload,
                                     batch_size=batch_size if isinstance(batch_size, int)
                                     else None)
    plan = cpu.active_plan()
    print(f"{_module_name()}: CPU plan: {plan.describe()}"
          f"{'' if f.cpu_threads == cpu.AUTO else ' (--cpu_threads=' + f.cpu_threads + ')'}",
          flush=True)
    chief_dir = f.workdir + ("_dry_run" if f.dry_run and not f["workdir"].present else "")
    workdir = strategies.worker_dir(chief_dir, strategy)  # non-chief: a temporary folder
    if workdir != chief_dir:
        atexit.register(strategies.remove_worker_dir, workdir, chief_dir)
    _RUN_SCOPE.enter_context(strategy.scope())  # everything the recipe builds from here on
    config["workdir"] = os.fspath(workdir)
    if f.dry_run:
        config = dry_run.prepare(config, _DRY_RUN)
    check_data_available(config["data"])  # before anything is written into the workdir
    config["strategy"] = {"name": f.strategy, "replicas": strategy.num_replicas_in_sync,
                          "mixed_precision": f.mixed_precision, "cpu_threads": f.cpu_threads}
    config["cpu"] = plan.as_dict()
    config["command"] = " ".join([os.path.basename(sys.executable), "-m",
                                  _module_name(), *sys.argv[1:]])
    if isinstance(config.get("batch_size"), int) and _is_data_spec(config.get("data")):
        from zoo import data
        from zoo.training import checks

        checks.check_batch_size(config["batch_size"], data.info(config["data"]).splits["train"])
    if validate is not None:
        validate(config)
    return reuse.record(config, restart=f.restart)


def check_data_available(spec):
    """Exit with one readable line (no traceback, nothing written) when the data of `spec` is
    missing: a folder that does not exist, or a TFDS data set not prepared while offline."""
    from zoo import data

    if not _is_data_spec(spec):
        return
    try:
        data.check_available(spec)
    except FileNotFoundError as error:
        raise SystemExit(f"{_module_name()}: the data {spec!r} is not available: {error}. "
                         f"Choose the data with --data=SPEC (README: 'Data sources').") from None


def _is_data_spec(spec):
    """Whether `spec` names `zoo.data` data (recipes may have their own, e.g. "synthetic:...")."""
    from zoo import data

    return isinstance(spec, str) and spec.partition(":")[0] in data.SOURCES


def _module_name():
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else (sys.argv[0] if sys.argv else "")


def wall_time():
    """Whole seconds since `configure` ran in this process, or None before it."""
    return None if _RUN_START[0] is None else round(time.time() - _RUN_START[0])
