"""Scaling out with `tf.distribute`: strategy flags, the chief, mixed precision, replica seeds.

A recipe that trains at scale does five things (see `tools/quickstart.py`):

```python
from zoo.runtime import strategies
strategies.define_flags()          # --strategy, --tpu, --mixed_precision, --cpu_threads

def main(argv):
    strategy = strategies.from_flags()           # first, before any other TensorFlow op
    workdir = strategies.worker_dir(FLAGS.workdir, strategy)   # the chief writes FLAGS.workdir
    with strategy.scope():                       # model, optimizer (compile) and metrics
        model = build_model(...)
        training.train(model, dataset, workdir, ...)
    ...                                          # evaluate, export into `workdir`
    strategies.remove_worker_dir(workdir, FLAGS.workdir)
```

Strategies (`--strategy`):

```none
default      the current (single-device) strategy
mirrored     MirroredStrategy: every local GPU (or the logical CPUs), one process
multiworker  MultiWorkerMirroredStrategy: one process per host, cluster from TF_CONFIG
tpu          TPUStrategy on --tpu (a grpc:// address, a TPU name, or "" / "local" on Colab)
```

The batch size of a recipe is the **global** batch: each of the N replicas gets 1/N of it, and
`GenerativeModel.train_step` divides the loss by N because the replica gradients are summed.

Every worker of a `multiworker` run executes the same program: saving weights or a SavedModel
may read synchronised variables, which is a collective operation that every worker must join.
So every worker writes, but only the chief (TF_CONFIG task "chief", or "worker" 0 when the
cluster has no chief) writes into the real output folder; the others write into a temporary
folder (`worker_dir`) that they delete afterwards.

Mixed precision (`--mixed_precision`) sets the Keras global dtype policy. The default "auto" is
the `zoo.runtime.cpu` plan's (mixed_bfloat16 for conv networks on CPUs with bfloat16 matrix
instructions, else float32); "none", "bfloat16" or "float16" override it. Under a mixed policy
the hidden layers compute in 16 bits and keep float32 variables; every network's output layer
computes in float32 (`zoo.networks._dtypes`) and the models cast the encoder and decoder outputs
to float32, so the decoder mean, the decoder variance gamma, the KL, the log-likelihoods and the
loss reduction stay float32. With float16, Keras wraps the optimizer in a `LossScaleOptimizer`
at `compile`.

Per-replica noise: a `keras.random.SeedGenerator` is a (mirrored) variable, so every replica
reads the same seed and would draw the same noise. `replica_normal` folds the replica id into
the seed (a hash, `tf.random.experimental.stateless_fold_in`), so replicas draw independent
noise; on a single device it is exactly `keras.random.normal(shape, seed=seed_generator)`.
"""

import contextlib
import json
import os
import shutil
import tempfile

import keras
import tensorflow as tf

from zoo.runtime import cpu, threads

STRATEGIES = ("default", "mirrored", "multiworker", "tpu")
POLICIES = cpu.PRECISIONS  # --mixed_precision value -> Keras dtype policy
MIXED_PRECISION_FLAG = (cpu.AUTO, "none", "bfloat16", "float16")

__all__ = ["STRATEGIES", "define_flags", "from_flags", "is_chief", "make_strategy",
           "remove_worker_dir", "replica_normal", "scope", "set_mixed_precision", "task",
           "worker_dir"]


def define_flags(flag_values=None):
    """Define `--strategy`, `--tpu`, `--mixed_precision` and `--cpu_threads` (once; later calls
    do nothing)."""
    from absl import flags

    flag_values = flags.FLAGS if flag_values is None else flag_values
    if "strategy" in flag_values:
        return
    flags.DEFINE_enum("strategy", "default", list(STRATEGIES),
                      "tf.distribute strategy: default (one device), mirrored (all local "
                      "GPUs / devices), multiworker (hosts from TF_CONFIG), tpu (--tpu).",
                      flag_values=flag_values)
    flags.DEFINE_string("tpu", None, "TPU address for --strategy=tpu (grpc://..., a TPU name, "
                        "or empty / 'local' on Colab and TPU VMs).", flag_values=flag_values)
    flags.DEFINE_enum("mixed_precision", cpu.AUTO, list(MIXED_PRECISION_FLAG),
                      "Compute dtype of the layers: auto (zoo.runtime.cpu's plan: bfloat16 for "
                      "conv networks on CPUs with bfloat16 matrix instructions, else float32), "
                      "none (float32), bfloat16 or float16 (variables, the output layers, "
                      "gamma, the KL and the loss stay float32).", flag_values=flag_values)
    flags.DEFINE_enum("cpu_threads", cpu.AUTO, [cpu.AUTO, *threads.MODES],
                      "CPU thread pools: auto (the rule of zoo.runtime.cpu for the recipe's "
                      "networks), tf (TensorFlow's default) or ops (one thread per op, as many "
                      "ops at once as cores: faster for the MNIST MLPs; zoo.runtime.threads).",
                      flag_values=flag_values)


def from_flags(flag_values=None, workload="conv", batch_size=None):
    """Set the CPU thread pools and the mixed-precision policy, and return the strategy of the
    flags of `define_flags`.

    `--cpu_threads=auto` and `--mixed_precision=auto` take the thread mode and the precision of
    `zoo.runtime.cpu.plan(workload, batch_size)` (workload "dense" for MLPs, "conv" otherwise);
    the whole plan is then `zoo.runtime.cpu.active_plan()`. Call it first in `main`: the thread
    pools are fixed, and `MultiWorkerMirroredStrategy` must be created, before any other
    TensorFlow operation runs.
    """
    from absl import flags

    flag_values = flags.FLAGS if flag_values is None else flag_values
    cpu.configure_cpu(flag_values.cpu_threads, workload, batch_size=batch_size,
                      precision=flag_values.mixed_precision)
    return make_strategy(flag_values.strategy, tpu=flag_values.tpu)


def make_strategy(name="default", tpu=None):
    """The `tf.distribute.Strategy` called `name` (one of `STRATEGIES`)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        if not os.environ.get("TF_CONFIG"):
            raise ValueError("--strategy=multiworker needs the TF_CONFIG environment variable "
                             "(cluster and this process' task); see docs/guides/scaling.md")
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        address = "" if tpu in (None, "local") else tpu
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}")


@contextlib.contextmanager
def scope(strategy=None):
    """`with scope(strategy) as strategy:` build models and compile (optimizer, metrics) here.

    `strategy` may be a strategy or a name of `STRATEGIES` (None: the current strategy).
    """
    if strategy is None:
        strategy = tf.distribute.get_strategy()
    elif isinstance(strategy, str):
        strategy = make_strategy(strategy)
    with strategy.scope():
        yield strategy


def set_mixed_precision(policy):
    """Set the Keras global dtype policy: "none" (float32), "bfloat16" or "float16" (or the
    Keras names "mixed_bfloat16", "mixed_float16"). Returns the policy name
    (`zoo.runtime.cpu.set_precision`; "auto" needs a network: `cpu.configure_cpu`)."""
    return cpu.set_precision(policy)


def task(strategy=None):
    """(task type, task id) of this process: from the strategy's cluster resolver when it has
    one, else from TF_CONFIG; (None, None) outside a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is not None and getattr(resolver, "task_type", None) is not None:
        return resolver.task_type, resolver.task_id
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    own = config.get("task") or {}
    return own.get("type"), own.get("index")


def is_chief(strategy=None):
    """True in the process that writes checkpoints and exports: task "chief", or "worker" 0
    when the cluster has no chief, or any process outside a cluster."""
    task_type, task_id = task(strategy)
    if task_type is None:
        return True
    if task_type == "chief":
        return True
    cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is not None:
        try:
            cluster = resolver.cluster_spec().as_dict() or cluster
        except (AttributeError, ValueError):
            pass
    return task_type == "worker" and int(task_id or 0) == 0 and "chief" not in cluster


def worker_dir(path, strategy=None):
    """`path` on the chief; on another worker a new temporary folder to write into instead
    (every worker must run the same saves; see the module docstring)."""
    if is_chief(strategy):
        return path
    task_type, task_id = task(strategy)
    return tempfile.mkdtemp(prefix=f"zoo_{task_type}_{task_id}_")


def remove_worker_dir(directory, path):
    """Delete `directory` when it is a non-chief worker's temporary folder (not `path`)."""
    if os.path.abspath(directory) != os.path.abspath(path):
        shutil.rmtree(directory, ignore_errors=True)


def replica_normal(shape, seed_generator, dtype="float32"):
    """`keras.random.normal(shape, seed=seed_generator)`, with the replica id folded into the
    seed under a multi-replica strategy so that replicas draw different noise."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return keras.random.normal(shape, dtype=dtype, seed=seed_generator)
    seed = tf.cast(seed_generator.next(), tf.int64)
    replica = tf.cast(context.replica_id_in_sync_group, tf.int32)
    seed = tf.random.experimental.stateless_fold_in(seed, replica)
    return tf.random.stateless_normal(shape, seed=seed, dtype=dtype)
