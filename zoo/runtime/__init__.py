"""Where and how training runs: `tf.distribute` strategies (`strategies`: flags, the chief,
mixed precision, per-replica noise), CPU thread pools (`threads`) and the fastest CPU
configuration for a network (`cpu`: `configure_cpu("auto", workload=...)`)."""

from zoo.runtime import cpu, strategies, threads
from zoo.runtime.cpu import configure_cpu

__all__ = ["configure_cpu", "cpu", "strategies", "threads"]
