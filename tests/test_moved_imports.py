"""The import paths of earlier releases keep working (`zoo._moved`): the same module, with a
DeprecationWarning that names the new path (none for the current names builders and losses)."""

import importlib
import sys
import warnings

import pytest

import zoo  # noqa: F401  (installs the old names)
from zoo import _moved


@pytest.mark.parametrize("old", sorted(_moved.MOVED))
def test_an_old_import_path_is_the_new_module(old):
    new, deprecated = _moved.MOVED[old]
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert messages == ([f"{old} moved to {new}; import it from there (the old name keeps "
                         "working for now)"] if deprecated else [])


def test_the_documented_old_forms():
    sys.modules.pop("zoo.optimizers", None)
    sys.modules.pop("zoo.diagnostics", None)
    with pytest.warns(DeprecationWarning, match="zoo.optimizers moved to zoo.training"):
        from zoo.optimizers import FusedAdam
    from zoo.training import FusedAdam as current

    assert FusedAdam is current
    with pytest.warns(DeprecationWarning, match="zoo.diagnostics moved"):
        from zoo.diagnostics import StepDiagnostics
    assert StepDiagnostics is zoo.training.StepDiagnostics
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("zoo.no_such_module")
