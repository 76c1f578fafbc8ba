"""A private KERAS_HOME for the serving tests (their models come from tests/tiny_models.py)."""

import atexit
import os
import shutil
import tempfile

os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="keras_home_")
atexit.register(shutil.rmtree, os.environ["KERAS_HOME"], ignore_errors=True)
