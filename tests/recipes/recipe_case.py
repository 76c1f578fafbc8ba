"""Running a recipe's smoke preset in a subprocess, and the checks every recipe's workdir passes."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_recipe(name, workdir, *flags, env=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    env.pop("ZOO_INCEPTION_GRAPH", None)
    return subprocess.run([sys.executable, "-m", f"recipes.{name}", "--preset=smoke",
                           f"--workdir={workdir}", *flags],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def check_common(workdir, result, pngs, models=(), paper_numbers=()):
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("config.json", "results.json", "results.md", *pngs):
        assert (workdir / name).is_file(), name
    config = json.loads((workdir / "config.json").read_text())
    assert config["preset"] == "smoke"
    assert json.loads((workdir / "results.json").read_text())["config"]["preset"] == "smoke"
    for model in models:
        directory = workdir / "models" / model
        assert list((directory / "checkpoints").glob("*.weights.h5")), model
        assert list((directory / "tensorboard").rglob("events.out.tfevents*")), model
        assert list((directory / "saved_model").glob("*/saved_model.pb")), model
        assert (directory / "results.json").is_file(), model
    markdown = (workdir / "results.md").read_text()
    for number in paper_numbers:
        assert number in markdown, number
    return markdown


# Imports a recipe (its presets read $ZOO_MNIST_DIR / $ZOO_FASHION_MNIST_DIR at import) with
# each of the given environments, dropping the flags it defined in between, and prints the
# resolved presets: what the recipe would run, without training anything.
_PRESET_SCRIPT = """
import importlib, json, os, sys
from absl import flags
import zoo.experiment
name, runs = sys.argv[1], json.loads(sys.argv[2])
base = set(flags.FLAGS)
configs = []
for preset, env in runs:
    for flag in set(flags.FLAGS) - base:
        delattr(flags.FLAGS, flag)
    sys.modules.pop("recipes." + name, None)
    for key in ("ZOO_MNIST_DIR", "ZOO_FASHION_MNIST_DIR"):
        os.environ.pop(key, None)
    os.environ.update(env)
    module = importlib.import_module("recipes." + name)
    configs.append(zoo.experiment.resolve(module.PRESETS, preset))
print(json.dumps(configs))
"""


def preset_configs(name, runs):
    """The resolved presets of recipe `name` for `runs`, (preset, environment) pairs (the
    environment sets $ZOO_MNIST_DIR / $ZOO_FASHION_MNIST_DIR or leaves them unset), computed
    in one subprocess."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", _PRESET_SCRIPT, name, json.dumps(runs)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
