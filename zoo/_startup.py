"""TensorFlow's start-up lines, filtered once.

Loading TensorFlow's native libraries prints, before any Python code can set a log level:

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 ... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.

twice (two libraries, each with its own copy of absl's logging), and on a machine without an
NVIDIA driver an E-level "failed call to cuInit" line. None of them is actionable on a CPU
machine. `quiet_tensorflow_import` imports TensorFlow with the process' stderr (file descriptor
2) captured and writes back every captured line except these (`NOISE`), so a real warning or an
error still shows. It only acts if TensorFlow is not imported yet: a program that imports
tensorflow or keras before zoo gets the lines (import zoo first, or ignore them). Set
ZOO_SHOW_TF_STARTUP=1 to see everything.
"""

import contextlib
import os
import re
import sys
import tempfile

NOISE = re.compile(r"All log messages before absl::InitializeLog\(\) is called"
                   r"|cudart_stub\.cc.*Could not find cuda drivers"
                   r"|failed call to cuInit"
                   r"|cuda_executor\.cc.*CUDA"
                   r"|cpu_feature_guard\.cc|To enable the following instructions")


def filtered(text):
    """`text` without the lines of `NOISE`."""
    return "".join(line for line in text.splitlines(keepends=True) if not NOISE.search(line))


@contextlib.contextmanager
def captured_stderr():
    """Capture what is written to file descriptor 2 (native code included) inside the block;
    write back its `filtered` lines after it, or all of it if the block raised."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
            sys.stderr.write(text if failed else filtered(text))
            sys.stderr.flush()


def quiet_tensorflow_import():
    """Import TensorFlow with its start-up lines filtered (see the module docstring)."""
    if "tensorflow" in sys.modules or os.environ.get("ZOO_SHOW_TF_STARTUP") == "1":
        return
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (some notebooks, services)
        return
    with captured_stderr():
        import tensorflow  # noqa: F401
