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
what its checkpoints hold). Everything else counts.

To start over, pass `--restart`: the workdir's contents are deleted, then the run starts fresh.
"""

import json
import os
import shutil

from zoo import files

FREE_KEYS = ("command", "workdir", "strategy")
_MISSING = object()
CONFIG_FILE = "config.json"


def differences(old, new, prefix=""):
    """Dotted keys whose values differ between two (nested) config dicts, sorted."""
    keys = []
    for key in sorted(set(old) | set(new), key=str):
        name = f"{prefix}{key}"
        if prefix == "" and key in FREE_KEYS:
            continue
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
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

    Raises:
      ValueError: the workdir holds a config.json with other settings (names the keys) and
        `restart` is False.
      zoo.files.WorkdirInUse: another process is running in the workdir.
      NotADirectoryError: the workdir is a file.
    """
    workdir = config["workdir"]
    files.lock_workdir(workdir)  # held until the process exits
    path = os.path.join(workdir, CONFIG_FILE)
    if restart:
        clear(workdir)
    elif os.path.exists(path):
        previous = files.read_json(path)
        if not isinstance(previous, dict):
            raise ValueError(f"{path} must hold a JSON object, got {type(previous).__name__}; "
                             f"use another --workdir, or --restart to start over")
        changed = differences(previous, config)
        if changed:
            shown = "; ".join(f"{key}: {_show(old)} -> {_show(new)}" for key, old, new in changed)
            raise ValueError(
                f"the workdir {workdir} holds a run with other settings ({shown}); its "
                f"checkpoints were made with the recorded ones ({path}). Use another --workdir, "
                f"or --restart to delete its contents and start over. Nothing was changed.")
    files.write_json(path, config)
    return config


def _show(value):
    return "(absent)" if value is _MISSING else json.dumps(value, default=str)


def clear(workdir):
    """Delete everything in `workdir` but this process' lock file."""
    for name in os.listdir(workdir):
        if name == files.LOCK_FILE:
            continue
        path = os.path.join(workdir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
