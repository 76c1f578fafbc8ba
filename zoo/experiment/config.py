"""A recipe's config: its preset, then `--override` items, then the explicit flags; pure
functions (nothing is read from the process or written).

See `zoo.experiment` for the override syntax.
"""

import copy
import json
import math
import os

from zoo.data.spec import as_bool

PRESET_NAMES = ("paper", "cpu", "smoke")


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
        return parse_integer(text)
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


def parse_integer(text):
    """`text` as an int: '64', or an integral number such as '1e3'; ValueError otherwise."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number != int(number):
        raise ValueError(f"expected an integer (the preset's value is one), got {text!r}")
    return int(number)


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
