"""The tools moved from recipes/ to tools/: `python -m tools.NAME --help` answers from the source
(fast, exit 0, the flags absl defines), and the old `python -m recipes.NAME` names keep working."""

import pytest

from help_case import ROOT, defined_flags, flag_names, run_python
from recipes import _help, _moved

# old name: new name
MOVED = {"recipes.quickstart": "tools.quickstart", "recipes.evaluate": "tools.evaluate",
         "recipes.train_mnist_classifier": "tools.train_mnist_classifier",
         "recipes.manifest_savedmodels": "tools.manifest_savedmodels",
         "recipes.publish_savedmodels": "tools.publish"}
MAIN = {"tools.publish": "tools.publish.__main__"}  # a package runs its __main__


@pytest.mark.parametrize("old", sorted(MOVED))
def test_the_old_and_the_new_name_answer_help_with_the_same_flags(old):
    new_help, old_help = run_python("-m", MOVED[old], "--help"), run_python("-m", old, "--help")
    assert new_help.returncode == 0, new_help.stderr[-2000:]
    assert old_help.returncode == 0, old_help.stderr[-2000:]
    assert f"Flags of python -m {MOVED[old]}:" in new_help.stdout
    assert old_help.stdout == new_help.stdout and flag_names(new_help.stdout)


def test_each_tools_help_names_the_flags_absl_defines():
    modules = [MAIN.get(new, new) for new in MOVED.values()]
    defined = defined_flags(modules)
    for module in modules:
        source = ROOT / (module.replace(".", "/") + ".py")
        assert sorted(flag_names(_help.render(str(source), module))) == defined[module], module


def test_help_does_not_import_tensorflow():
    script = ("import sys; sys.argv = ['x', '--help']; "
              "sys.orig_argv = ['python', '-m', 'recipes.publish_savedmodels', '--help']\n"
              "try:\n    import tools\nexcept SystemExit as e:\n"
              "    print('exit', e.code, 'tensorflow' in sys.modules)")
    result = run_python("-c", script)
    assert result.stdout.strip().splitlines()[-1] == "exit 0 False"


def test_an_old_name_says_it_moved_and_runs_the_new_module(tmp_path):
    # An empty --out: nothing to seal.
    result = run_python("-m", "recipes.manifest_savedmodels", f"--out={tmp_path}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _moved.notice("recipes.manifest_savedmodels", "tools.manifest_savedmodels") in (
        result.stderr.splitlines())
