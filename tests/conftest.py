"""Test-wide settings: Keras writes into a temporary home, logs stay quiet, seeds are fixed."""

import os
import tempfile

os.environ.setdefault("KERAS_HOME", tempfile.mkdtemp(prefix="keras_home_"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
