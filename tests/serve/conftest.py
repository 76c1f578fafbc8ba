"""A private KERAS_HOME, and the tiny-model helpers of tests/export."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="keras_home_")
atexit.register(shutil.rmtree, os.environ["KERAS_HOME"], ignore_errors=True)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))
