"""For the tests of the fast `--help` (`recipes._help`): the flags absl defines for project
modules, and the flags a help text lists."""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Imports each module in turn (removing the previous one's flags), defines what a paper recipe's
# `experiment.main(RECIPE)` defines when it runs, and prints the flags absl has.
_DEFINED = """
import importlib, json, sys
import zoo, zoo.experiment
from absl import flags
from zoo.experiment import flags as recipe_flags
base = set(flags.FLAGS)
defined = {}
for name in sys.argv[1:]:
    for flag in set(flags.FLAGS) - base:
        delattr(flags.FLAGS, flag)
    recipe = getattr(importlib.import_module(name), "RECIPE", None)
    if recipe is not None:
        recipe_flags.define_flags(sorted(recipe.preset_table()), recipe.default_workdir,
                                  recipe.default_preset)
    defined[name] = sorted(set(flags.FLAGS) - base)
print(json.dumps(defined))
"""


def run_python(*args, timeout=60):
    """`python *args` in the repository, which is on its path."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def defined_flags(modules):
    """{module: the sorted names of the flags absl has when it runs}, in one subprocess."""
    result = run_python("-c", _DEFINED, *modules, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def flag_names(text):
    """The flags a help text lists, in order."""
    return [line.split()[0][2:] for line in text.splitlines() if line.startswith("  --")]
