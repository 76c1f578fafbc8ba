"""Running a recipe's smoke preset in-process (or, for command-line behaviour, in a
subprocess), and the checks every recipe's workdir passes."""

import contextlib
import importlib
import io
import json
import os
import subprocess
import sys
import traceback
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


FLAGS = {"--override": "overrides", "--data": "data", "--seed": "seed",
         "--preset": "preset", "--restart": "restart"}


def run_recipe(name, workdir, *flags):
    """`experiment.execute` of recipe `name`'s smoke preset in this process (thread pools as
    TensorFlow's: the process has run ops already; no $ZOO_INCEPTION_GRAPH) with command-line
    `flags` (--override, --data, --seed, --preset, --restart); returns (returncode, stdout,
    stderr) as a subprocess would, the traceback or exit message in stderr when it fails."""
    from zoo import experiment

    recipe = importlib.import_module(f"recipes.{name}").RECIPE
    chosen = {"preset": "smoke", "overrides": []}
    for flag in flags:
        key, _, value = flag.partition("=")
        if FLAGS[key] == "overrides":
            chosen["overrides"].append(value)
        else:
            chosen[FLAGS[key]] = int(value) if key == "--seed" else value or True
    options = experiment.Options(
        chosen.pop("preset"), workdir=str(workdir), overrides=tuple(chosen.pop("overrides")),
        cpu_threads="tf", command=f"python -m recipes.{name} {' '.join(flags)}", **chosen)
    out, err, code = io.StringIO(), io.StringIO(), 0
    graph = os.environ.pop("ZOO_INCEPTION_GRAPH", None)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            experiment.execute(recipe, options)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
            err.write("" if isinstance(stop.code, int) else str(stop.code))
        except Exception:  # reported as a failed run, as a subprocess would
            traceback.print_exc()
            code = 1
        finally:
            if graph is not None:
                os.environ["ZOO_INCEPTION_GRAPH"] = graph
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def run_recipe_command(name, workdir, *flags, env=None):
    """`python -m recipes.NAME --preset=smoke --workdir=...` in a subprocess."""
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


def preset_configs(name, runs):
    """The resolved presets of recipe `name` for `runs`, (preset, environment) pairs (the
    environment sets $ZOO_MNIST_DIR / $ZOO_FASHION_MNIST_DIR or leaves them unset)."""
    from zoo import experiment

    recipe = importlib.import_module(f"recipes.{name}").RECIPE
    configs = []
    for preset, env in runs:
        saved = {key: os.environ.pop(key, None) for key in ("ZOO_MNIST_DIR",
                                                            "ZOO_FASHION_MNIST_DIR")}
        os.environ.update(env)
        try:
            configs.append(experiment.resolve(recipe.preset_table(), preset))
        finally:
            for key, value in saved.items():
                os.environ.pop(key, None)
                if value is not None:
                    os.environ[key] = value
    return json.loads(json.dumps(configs))
