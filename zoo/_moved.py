"""Import paths of earlier releases, kept working: a module that moved when the package was
regrouped by role is still importable by its old name (`import zoo.optimizers`, `from
zoo.diagnostics import StepDiagnostics`), as the same module object, with a
`DeprecationWarning` naming where it lives now. `zoo.builders` and `zoo.losses` are current
names too (`zoo.builders.mlp_vae`), so importing them by those names does not warn.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

# old module: (its module now, whether the old name is deprecated)
MOVED = {
    "zoo.ae": ("zoo.models.ae", True),
    "zoo.base": ("zoo.models.base", True),
    "zoo.builders": ("zoo.models.builders", False),
    "zoo.checks": ("zoo.training.checks", True),
    "zoo.diagnostics": ("zoo.training.callbacks", True),
    "zoo.distribute": ("zoo.runtime.strategies", True),
    "zoo.evaluation": ("zoo.experiment.evaluation", True),
    "zoo.gaussian_vae": ("zoo.models.gaussian_vae", True),
    "zoo.guard": ("zoo.training.guard", True),
    "zoo.io": ("zoo.files", True),
    "zoo.iwae": ("zoo.models.importance_weights", True),
    "zoo.losses": ("zoo.models.losses", False),
    "zoo.optimizers": ("zoo.training.optimizers", True),
    "zoo.serving": ("zoo.saved_model.signatures", True),
    "zoo.threads": ("zoo.runtime.threads", True),
    "zoo.two_stage_vae": ("zoo.models.two_stage_vae", True),
    "zoo.vae_plus": ("zoo.models.vae_plus", True),
    "zoo.wae_mmd": ("zoo.models.wae_mmd", True),
}


class _Alias(importlib.abc.Loader):
    """Loads an old name as the module it moved to."""

    def create_module(self, spec):
        new, deprecated = MOVED[spec.name]
        if deprecated:
            warnings.warn(f"{spec.name} moved to {new}; import it from there (the old name "
                          "keeps working for now)", DeprecationWarning, stacklevel=3)
        return importlib.import_module(new)

    def exec_module(self, module):
        """The module was executed under its new name."""


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias())


def install():
    """Make the old names importable (once per process)."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
