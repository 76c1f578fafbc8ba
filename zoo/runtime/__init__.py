"""Where and how training runs: `tf.distribute` strategies (`strategies`: flags, the chief,
mixed precision, per-replica noise) and CPU thread pools (`threads`)."""

from zoo.runtime import strategies, threads

__all__ = ["strategies", "threads"]
