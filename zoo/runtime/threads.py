"""CPU thread pools: TensorFlow's default, or one thread per op for small models.

TensorFlow executes a graph with two thread pools: inter-op threads run independent ops side by
side, and one op may split its work over the intra-op threads. By default both pools have one
thread per core. The papers' MNIST MLPs at batch 128 are made of small ops (a 128 x 200 by
200 x 200 matmul is 10 MFLOP, 40 us on one core): splitting each one over the cores costs
about as much synchronisation as it saves, while the backward pass and the optimizer have
independent ops (the gradients with respect to a layer's input and to its weights; one update
per variable) that can run on different cores at once. Mode `"ops"` gives every op one thread
and runs as many ops at a time as there are cores.

Networks of large ops lose by it: the conv VAE of the OOD paper (large convolutions, little op
parallelism) and large-batch evaluation are worth splitting over the intra-op threads. Which
mode a network gets is `zoo.runtime.cpu`'s rule; `python -m bench.train` measures both modes
(figures in docs/performance.md).
"""

import os

import tensorflow as tf

MODES = ("tf", "ops")


def cores():
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def current_mode():
    """"ops" when the pools are set to one thread per op, else "tf"."""
    return "ops" if tf.config.threading.get_intra_op_parallelism_threads() == 1 else "tf"


def set_cpu_threads(mode):
    """Configure TensorFlow's CPU thread pools; returns (inter-op, intra-op) thread counts.

    Args:
      mode: "tf" (TensorFlow's default: both pools sized by TensorFlow, reported as (0, 0)) or
        "ops" (inter-op = the cores this process may use, intra-op = 1).
    Raises:
      ValueError: an unknown mode.
      RuntimeError: TensorFlow has already run an op with other settings (the pools are fixed
        at its first op): call this first in `main`, as `zoo.runtime.strategies.from_flags` does.
    """
    if mode not in MODES:
        raise ValueError(f"cpu_threads must be one of {MODES}, got {mode!r}")
    if mode == "tf":
        return (tf.config.threading.get_inter_op_parallelism_threads(),
                tf.config.threading.get_intra_op_parallelism_threads())
    count = cores()
    try:
        tf.config.threading.set_inter_op_parallelism_threads(count)
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError as error:
        raise RuntimeError(
            f"cpu_threads={mode!r} must be set before TensorFlow runs its first op (its thread "
            f"pools are fixed then): call zoo.runtime.threads.set_cpu_threads (or "
            f"zoo.runtime.strategies.from_flags) first in main, before building models or data") \
            from error
    return count, 1
