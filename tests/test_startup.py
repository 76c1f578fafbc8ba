"""zoo._startup: TensorFlow's native start-up lines are dropped, every other line is kept."""

import os
import subprocess
import sys

from zoo import _startup

NOISE = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
         "I0000 00:00:1.0 1 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU "
         "will not be used.\n")


def test_filtered_drops_the_start_up_lines_only():
    assert _startup.filtered(NOISE + "E real error\n" + NOISE) == "E real error\n"


def test_captured_native_writes_come_back_filtered(capfd):
    with _startup.captured_stderr():
        os.write(2, (NOISE + "a real warning\n").encode())
    assert capfd.readouterr().err == "a real warning\n"


def test_a_failing_block_gives_back_everything(capfd):
    try:
        with _startup.captured_stderr():
            os.write(2, NOISE.encode())
            raise RuntimeError("import failed")
    except RuntimeError:
        pass
    assert capfd.readouterr().err == NOISE


def test_importing_zoo_prints_nothing():
    env = {k: v for k, v in os.environ.items() if k != "ZOO_SHOW_TF_STARTUP"}
    result = subprocess.run([sys.executable, "-c", "import zoo"], capture_output=True, text=True,
                            env=env, cwd=os.path.dirname(os.path.dirname(__file__)), check=True)
    assert "InitializeLog" not in result.stderr and "cudart_stub" not in result.stderr
    assert result.stdout == ""
