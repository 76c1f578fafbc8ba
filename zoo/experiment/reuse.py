"""One workdir, one configuration: the settings a workdir's checkpoints were made with are
recorded in its config.json, and a rerun with other settings is refused before anything in
the workdir is touched.

Rerunning a command resumes it (finished models and stages are loaded, not retrained). With
other settings that would mix the new settings with checkpoints of the old ones: weights of
another shape fail to load ("Layer 'head' expected 2 variables, but received 0"), and weights
of the same shape trained differently (e.g. a stage trained with a learning rate that made it
useless) are silently reused. So `record` compares first and refuses with the differing keys.

Keys that may change freely between runs (`FREE_KEYS`): `command` (the same settings can be
spelled differently), `workdir` (the same folder reached through another path), and
`strategy` (devices, replicas, mixed precision and CPU threads change how fast a run goes, not
what its checkpoints hold). Everything else counts, the `zoo.runtime.cpu` plan ("cpu") among
it: its precision is the dtype the weights were trained in. A config.json recorded before a
key existed compares as if it held the value of `ADDED_KEYS` (every run before
"cpu.precision" was recorded trained in float32; every Table 1 run before "geometric_rounds"
trained the rounds of its `epochs_per_round`).

To start over, pass `--restart`: the workdir's contents are moved aside into a sibling folder
`<workdir>.replaced-<YYYYmmdd-HHMMSS>/` (a rename: instant, nothing copied; beside the workdir
rather than inside it, so the new run's workdir holds only the new run and tools reading it
see no old models), then the run starts fresh. Delete that folder once it is not needed. When
the workdir is a mount point (a rename to its parent would cross file systems), the folder is
`<workdir>/replaced-<YYYYmmdd-HHMMSS>/` instead.

Only a zoo workdir is ever replaced: a folder whose config.json the zoo wrote (a JSON object
with `ZOO_KEYS`, which every recipe's and the quickstart's config holds), or an empty one. A
folder of other files without config.json is refused by `--restart` (a run without it adds
its files beside them), and a folder holding another program's config.json is refused with
or without `--restart`; nothing in either is touched.
"""

import json
import os
import time

from zoo import files

FREE_KEYS = ("command", "workdir", "strategy")
# Keys added to config.json after runs were recorded, with the value those runs had: a
# config.json without the key compares as if it held that value.
ADDED_KEYS = {
    "cpu.precision": "float32",  # every run before the precision plan was float32
    "geometric_rounds": False,   # reg-balance Table 1 runs before it trained their own rounds
}
ZOO_KEYS = ("command", "workdir")  # in every config.json `record` writes
_MISSING = object()
CONFIG_FILE = "config.json"


def differences(old, new, prefix=""):
    """Dotted keys whose values differ between two (nested) config dicts, sorted."""
    keys = []
    for key in sorted(set(old) | set(new), key=str):
        name = f"{prefix}{key}"
        if prefix == "" and key in FREE_KEYS:
            continue
        a, b = old.get(key, ADDED_KEYS.get(name, _MISSING)), new.get(key, _MISSING)
        if isinstance(a, dict) and isinstance(b, dict):
            keys += differences(a, b, prefix=f"{name}.")
        elif a is _MISSING or b is _MISSING or _normal(a) != _normal(b):
            keys.append((name, a, b))
    return keys


def _normal(value):
    """JSON round trip: tuples and lists (and int keys and str keys) compare equal."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def record(config, restart=False):
    """Lock `config["workdir"]` for this process, check it against the recorded config, and
    write `config.json`. Returns `config`.

    With `restart`, the workdir's contents are first moved aside (`replace`; printed).

    Raises:
      ValueError: the workdir holds a config.json with other settings (names the keys) and
        `restart` is False; or the folder is not a zoo workdir (`check_zoo_workdir`).
      zoo.files.WorkdirInUse: another process is running in the workdir.
      NotADirectoryError: the workdir is a file.
    """
    workdir = config["workdir"]
    files.lock_workdir(workdir)  # held until the process exits
    path = os.path.join(workdir, CONFIG_FILE)
    previous = check_zoo_workdir(workdir, restart)
    if restart:
        moved = replace(workdir)
        if moved:
            print(f"--restart: moved the workdir's previous contents to {moved}", flush=True)
    elif previous is not None:
        changed = differences(previous, config)
        if changed:
            shown = "; ".join(f"{key}: {_show(old)} -> {_show(new)}" for key, old, new in changed)
            raise ValueError(
                f"the workdir {workdir} holds a run with other settings ({shown}); its "
                f"checkpoints were made with the recorded ones ({path}). Use another --workdir, "
                f"or --restart to move its contents aside and start over. Nothing was changed.")
    files.write_json(path, config)
    return config


def check_zoo_workdir(workdir, restart=False):
    """The config recorded in `workdir` (None for a folder without one), after checking that
    the folder is a zoo workdir: its config.json was written by `record` (a JSON object with
    `ZOO_KEYS`); with `restart`, a folder without config.json must hold nothing but the lock
    file (a run adds its files to a folder of other files, but never moves them).

    Raises:
      ValueError: a config.json that is not the zoo's, or (`restart`) files without one;
        nothing was changed.
    """
    path = os.path.join(workdir, CONFIG_FILE)
    advice = "Use another --workdir (or move its files away); nothing was changed."
    if not os.path.exists(path) and not restart:
        return None
    if not os.path.exists(path):
        others = sorted(set(os.listdir(workdir)) - {files.LOCK_FILE})
        if others:
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            raise ValueError(f"--restart: the folder {workdir} is not a zoo workdir: it holds "
                             f"files ({shown}) but no config.json of a zoo run. {advice}")
        return None
    previous = files.read_json(path)
    if not isinstance(previous, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(previous).__name__}: the "
                         f"folder is not a zoo workdir. {advice}")
    missing = [key for key in ZOO_KEYS if key not in previous]
    if missing:
        raise ValueError(f"the folder {workdir} is not a zoo workdir: its config.json has no "
                         f"{' or '.join(map(repr, missing))} key (every config.json the zoo "
                         f"writes has {', '.join(ZOO_KEYS)}). {advice}")
    return previous


def _show(value):
    return "(absent)" if value is _MISSING else json.dumps(value, default=str)


def replace(workdir):
    """Move everything in `workdir` but this process' lock file into a new folder (see the
    module docstring); returns that folder, or None when there was nothing to move."""
    names = sorted(set(os.listdir(workdir)) - {files.LOCK_FILE})
    if not names:
        return None
    target = _replaced_folder(workdir)
    os.makedirs(target)
    for name in names:
        if os.path.join(workdir, name) != target:
            os.rename(os.path.join(workdir, name), os.path.join(target, name))
    return target


def _replaced_folder(workdir):
    """A new folder's path: `<workdir>.replaced-<time>` on the workdir's file system, else
    `<workdir>/replaced-<time>`."""
    workdir = os.path.abspath(workdir)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    beside = os.stat(os.path.dirname(workdir)).st_dev == os.stat(workdir).st_dev
    base = f"{workdir}.replaced-{stamp}" if beside else os.path.join(workdir,
                                                                      f"replaced-{stamp}")
    target, count = base, 1
    while os.path.exists(target):
        count += 1
        target = f"{base}-{count}"
    return target
