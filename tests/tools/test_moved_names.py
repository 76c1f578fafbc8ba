"""The tools moved from recipes/ to tools/: `python -m tools.NAME --help` answers from the source
(fast, exit 0, the flags absl defines), and the old `python -m recipes.NAME` names keep working."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from recipes import _help, _moved

ROOT = pathlib.Path(__file__).resolve().parents[2]
# old name: new name
MOVED = {"recipes.quickstart": "tools.quickstart", "recipes.evaluate": "tools.evaluate",
         "recipes.train_mnist_classifier": "tools.train_mnist_classifier",
         "recipes.manifest_savedmodels": "tools.manifest_savedmodels",
         "recipes.publish_savedmodels": "tools.publish"}
MAIN = {"tools.publish": "tools.publish.__main__"}  # a package runs its __main__


def run(*args, timeout=60):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def flag_names(text):
    return [line.split()[0][2:] for line in text.splitlines() if line.startswith("  --")]


@pytest.mark.parametrize("old", sorted(MOVED))
def test_the_old_and_the_new_name_answer_help_with_the_same_flags(old):
    new_help, old_help = run("-m", MOVED[old], "--help"), run("-m", old, "--help")
    assert new_help.returncode == 0, new_help.stderr[-2000:]
    assert old_help.returncode == 0, old_help.stderr[-2000:]
    assert f"Flags of python -m {MOVED[old]}:" in new_help.stdout
    assert old_help.stdout == new_help.stdout and flag_names(new_help.stdout)


# Imports each tool in turn (removing the previous one's flags) and prints the flags absl has.
_DEFINED = """
import importlib, json, sys
import zoo
from absl import flags
base = set(flags.FLAGS)
defined = {}
for name in sys.argv[1:]:
    for flag in set(flags.FLAGS) - base:
        delattr(flags.FLAGS, flag)
    importlib.import_module(name)
    defined[name] = sorted(set(flags.FLAGS) - base)
print(json.dumps(defined))
"""


def test_each_tools_help_names_the_flags_absl_defines():
    modules = [MAIN.get(new, new) for new in MOVED.values()]
    result = run("-c", _DEFINED, *modules, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    defined = json.loads(result.stdout.strip().splitlines()[-1])
    for module in modules:
        source = ROOT / (module.replace(".", "/") + ".py")
        assert sorted(flag_names(_help.render(str(source), module))) == defined[module], module


def test_help_does_not_import_tensorflow():
    script = ("import sys; sys.argv = ['x', '--help']; "
              "sys.orig_argv = ['python', '-m', 'recipes.publish_savedmodels', '--help']\n"
              "try:\n    import tools\nexcept SystemExit as e:\n"
              "    print('exit', e.code, 'tensorflow' in sys.modules)")
    result = run("-c", script)
    assert result.stdout.strip().splitlines()[-1] == "exit 0 False"


def test_an_old_name_says_it_moved_and_runs_the_new_module(tmp_path):
    result = run("-m", "recipes.manifest_savedmodels", f"--out={tmp_path}")  # nothing to seal
    assert result.returncode == 0, result.stderr[-2000:]
    assert _moved.notice("recipes.manifest_savedmodels", "tools.manifest_savedmodels") in (
        result.stderr.splitlines())
