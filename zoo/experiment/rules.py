"""The typed check of every preset key: type, range and integer-ness, applied to a resolved
config before anything runs (`zoo.experiment.process.start`).

A key's rule is found by name in `RULES` (first match wins), for the last part of its dotted
path that a rule names (`epochs.1` is checked as `epochs`, `families.fc.depths` as `depths`,
`budgets.100` as `budgets`); list values are checked item by item (`kappas=4,-1`). None (the
preset's "not set") and "auto" (left to the zoo) pass every rule. A number under a key no
rule names must be finite. Messages name the key, the value and what was expected:

    epochs.1 must be an integer >= 0, got -3
    learning_rate must be a positive finite number, got nan
"""

import fnmatch
import math
import numbers

from zoo.training import checks

COUNT_0 = ("count", 0)  # an integer >= 0 (0: none, off)
COUNT_1 = ("count", 1)  # an integer >= 1
POSITIVE = ("positive", None)  # a finite number > 0
NON_NEGATIVE = ("non_negative", None)  # a finite number >= 0
BOOLEAN = ("boolean", None)  # true or false

# (key name patterns, rule); first match wins, so exceptions come before the patterns.
RULES = (
    (("normalize_samples",), BOOLEAN),
    (("seed", "seeds", "*_seeds"), COUNT_0),
    (("learning_rate", "learning_rates", "*_learning_rate"), POSITIVE),
    (("batch_size", "steps_per_execution", "parallel_batches"), COUNT_1),
    (("ae_units",), COUNT_0),  # 0: the recipe's convolutional autoencoder
    (("*epochs*", "*blocks", "halve_every", "*_halve_every", "kl_warmup_steps"), COUNT_0),
    (("iwae_samples", "ndb_train"), COUNT_1),
    (("*samples", "*_train"), COUNT_0),  # fid_samples=0, fid_train=0: not measured
    (("*units", "*depth", "*depths", "*_dim", "*kappa", "kappas", "*images", "*queries",
      "base_channels", "rounds", "grid", "ndb_bins", "ndb_n_init", "num_points", "probe_size",
      "diagnostics_every", "steps", "boundaries", "budgets", "comparisons"), COUNT_1),
    (("width", "widths", "scales", "gamma_init", "gammas", "grid_scale", "*_scale"), POSITIVE),
    (("*_weight",), NON_NEGATIVE),
)


def rule_of(name):
    """The rule of key `name` (see `RULES`), or None for a key no pattern names."""
    for patterns, rule in RULES:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            return rule
    return None


def check_config(config):
    """ValueError naming the first key of `config` (a nested dict) whose value breaks its rule.

    Returns `config`."""
    for path, value in _leaves(config):
        rule = _rule_of_path(path)
        for item in value if isinstance(value, (list, tuple)) else [value]:
            check_value(".".join(map(str, path)), item, rule)
    return config


def check_value(key, value, rule):
    """ValueError unless `value` of `key` passes `rule` (`RULES`; None: finite if a number)."""
    if value is None or (isinstance(value, str) and value == "auto"):
        return
    kind, minimum = rule or (None, None)
    if kind == "count":
        checks.check_count(key, value, minimum=minimum)
    elif kind == "positive":
        checks.check_positive(key, value)
    elif kind == "boolean" and not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, got {value!r}")
    elif kind == "non_negative" and not (_is_number(value) and 0 <= value < math.inf):
        raise ValueError(f"{key} must be a finite number >= 0, got {value!r}")
    elif _is_number(value) and not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number, got {value!r}")


def _rule_of_path(path):
    """The rule of the last part of `path` that has one (`budgets.100` is a list of epochs
    under `budgets`; `comparisons.analytic.4` under `comparisons`)."""
    for part in reversed(path):
        rule = None if str(part).isdigit() else rule_of(str(part))
        if rule is not None:
            return rule
    return None


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _leaves(config, path=()):
    """(path tuple, value) of every non-dict value of the nested dict `config`."""
    for key, value in config.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*path, key))
        else:
            yield (*path, key), value
