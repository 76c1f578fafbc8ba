"""zoo.runtime.threads: the "ops" mode sets one thread per op and as many ops at once as cores, and
says clearly when it comes too late (TensorFlow fixes its pools at its first op)."""

import os
import subprocess
import sys

import pytest
import tensorflow as tf

from zoo.runtime import threads

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = """
from zoo.runtime import threads
import tensorflow as tf
print(threads.set_cpu_threads("ops"))
print(float(tf.reduce_sum(tf.ones([4, 4]) @ tf.ones([4, 4]))))
print(tf.config.threading.get_inter_op_parallelism_threads(),
      tf.config.threading.get_intra_op_parallelism_threads())
"""


def test_ops_mode_in_a_fresh_process():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    returned, total, pools = result.stdout.strip().splitlines()[-3:]
    cores = len(os.sched_getaffinity(0))
    assert returned == f"({cores}, 1)"
    assert float(total) == 64.0  # ops still compute correctly on the configured pools
    assert pools == f"{cores} 1"


def test_too_late_is_a_clear_error():
    float(tf.reduce_sum(tf.ones([2])))  # TensorFlow is running: its pools are fixed
    if tf.config.threading.get_intra_op_parallelism_threads() == 1:
        pytest.skip("this process already runs with one intra-op thread")
    with pytest.raises(RuntimeError, match="before TensorFlow runs its first op"):
        threads.set_cpu_threads("ops")
    assert threads.set_cpu_threads("tf") == (
        tf.config.threading.get_inter_op_parallelism_threads(),
        tf.config.threading.get_intra_op_parallelism_threads())


def test_unknown_mode():
    with pytest.raises(ValueError, match="cpu_threads must be one of"):
        threads.set_cpu_threads("all")
