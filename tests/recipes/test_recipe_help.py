"""`python -m recipes.NAME --help`: the docstring and the shared flags, read from the source
before TensorFlow is imported, exit status 0."""

import os
import pathlib
import subprocess
import sys

import pytest

from help_case import defined_flags, flag_names
from recipes import _help

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ["preset", "data", "workdir", "seed", "override", "restart", "dry_run", "strategy",
          "tpu", "mixed_precision", "cpu_threads"]
RECIPES = sorted(p.stem for p in (ROOT / "recipes").glob("*.py")  # the paper recipes
                 if not p.stem.startswith("_") and "experiment.main(RECIPE)" in p.read_text())


def test_help_is_fast_exits_0_and_lists_the_shared_flags():
    result = subprocess.run([sys.executable, "-m", "recipes.mnist_balance", "--help"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    assert flag_names(result.stdout) == SHARED
    assert "(default: 'runs/mnist_balance')" in result.stdout
    assert result.stdout.startswith("Regularization balance on MNIST")


def test_help_does_not_import_tensorflow(capsys):
    with pytest.raises(SystemExit) as stop:
        _help.answer_if_asked(["x", "--help"], ["python", "-m", "recipes.two_stage", "--help"])
    assert stop.value.code == 0
    assert flag_names(capsys.readouterr().out) == SHARED
    script = ("import sys; sys.argv = ['x', '-h']; "
              "sys.orig_argv = ['python', '-m', 'recipes.ood', '-h']\n"
              "try:\n    import recipes\nexcept SystemExit as e:\n"
              "    print('exit', e.code, 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.stdout.strip().splitlines()[-1] == "exit 0 False"


def test_every_recipe_help_names_the_flags_absl_defines():
    """The flags read from the source are exactly those absl has when the recipe runs (one
    subprocess imports each recipe in turn, defines what its `experiment.main` defines, and
    removes the previous one's flags)."""
    defined = defined_flags([f"recipes.{name}" for name in RECIPES])
    for name in RECIPES:
        source = (ROOT / "recipes" / f"{name}.py").read_text()
        text = _help.render(str(ROOT / "recipes" / f"{name}.py"), name)
        listed = flag_names(text)
        assert sorted(listed) == defined[f"recipes.{name}"], name
        if "experiment.Recipe(" in source:
            assert listed[:len(SHARED)] == SHARED, name


def test_no_help_flag_falls_through():
    assert _help.answer_if_asked(["x", "--workdir=runs/w"],
                                 ["python", "-m", "recipes.ood", "--workdir=runs/w"]) is None
    assert _help.answer_if_asked(["x", "--help"], ["python", "script.py", "--help"]) is None
