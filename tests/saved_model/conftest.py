"""A private KERAS_HOME, and the tiny models of `tiny_models` exported once per session."""

import atexit
import os
import shutil
import tempfile

os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="keras_home_")
atexit.register(shutil.rmtree, os.environ["KERAS_HOME"], ignore_errors=True)

import pytest  # noqa: E402

from signature_reference import NUM_IMPORTANCE_SAMPLES  # noqa: E402
from tiny_models import KINDS, tiny_model  # noqa: E402
from zoo.saved_model import export  # noqa: E402


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """kind -> (in-process model, versioned export folder) for every zoo class."""
    base = tmp_path_factory.mktemp("exports")
    result = {}
    for i, kind in enumerate(KINDS):
        model = tiny_model(kind, seed=i)
        export(model, base / kind, metadata={"metrics": {"dummy": 1.0}},
               num_importance_samples=NUM_IMPORTANCE_SAMPLES, importance_chunk=5)
        result[kind] = (model, base / kind)
    return result
