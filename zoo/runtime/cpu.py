"""The fastest CPU configuration for a network, chosen by a rule table that `bench.train` measured.

Four settings decide how fast a zoo model trains on a CPU (docs/performance.md):

```none
threads              "ops" (one thread per op, as many ops at once as cores) or "tf"
                     (TensorFlow's pools); fixed at TensorFlow's first op (zoo.runtime.threads)
steps_per_execution  training steps per tf.function call: less Python and callback work per step
parallel_batches     the encoder and decoder run on k slices of the batch, which the executor
                     runs on k cores at once (zoo.models.base; not with BatchNormalization)
jit_compile          XLA
```

The rule (`plan`), from `python -m bench.train` on 2 cores (figures in docs/performance.md):

```none
workload  threads  steps_per_execution  parallel_batches                     jit_compile
dense     ops      50                   2 when >= 2 cores, no BatchNorm,     off
                                        batch >= 64; else 1
conv      tf       50                   1                                    off
any, GPU  tf       50                   1                                    off
```

"dense": networks of Dense layers (the papers' MNIST MLPs), whose small matmuls lose more to
synchronisation than they gain from splitting one op over the cores, while their backward pass
has independent ops. "conv": networks with convolutions, whose large ops are worth splitting
(`ops` slowed the conv VAE by 13%). XLA was slower for every model here (15-25%).
`steps_per_execution` is lowered to a divisor of the epoch by `zoo.training.train`.

Recipes pick the workload of their networks and print and record the plan (config.json, key
"cpu"); every flag (`--cpu_threads`, `--override=steps_per_execution=...`,
`--override=parallel_batches=...`) still overrides it. Users who call `fit` themselves:

```python
from zoo.runtime import cpu
plan = cpu.configure_cpu("auto", workload="dense")   # first, before TensorFlow runs an op
model = zoo.builders.mlp_vae(parallel_batches=plan.parallel_batches)
model.compile(optimizer=..., **plan.compile_kwargs)
```
"""

import dataclasses

from zoo.runtime import threads as thread_pools

WORKLOADS = ("dense", "conv")
AUTO = "auto"
STEPS_PER_EXECUTION = 50
PARALLEL_MIN_BATCH = 64  # below it, two half-batches cost more in op overhead than they gain
_ACTIVE = [None]  # the plan configure_cpu set: like the thread pools, one per process


@dataclasses.dataclass(frozen=True)
class Plan:
    """A CPU configuration: thread mode, steps per execution, parallel batches, XLA."""

    workload: str
    threads: str
    steps_per_execution: int
    parallel_batches: int
    jit_compile: bool

    @property
    def compile_kwargs(self):
        """The `model.compile` arguments of the plan."""
        return {"steps_per_execution": self.steps_per_execution,
                "jit_compile": self.jit_compile}

    def as_dict(self):
        return dataclasses.asdict(self)

    def describe(self):
        return (f"{self.workload} network: threads {self.threads}, steps_per_execution "
                f"{self.steps_per_execution}, parallel_batches {self.parallel_batches}, XLA "
                f"{'on' if self.jit_compile else 'off'}")


def has_gpu():
    """Whether TensorFlow sees a GPU (listing devices runs no op: the thread pools stay free)."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def plan(workload, batch_size=None, batch_norm=False, num_cores=None, gpu=None):
    """The rule table of the module docstring: the `Plan` for a network of `workload`.

    Args:
      workload: "dense" or "conv" (`workload_of(model)`).
      batch_size: the training batch (None: unknown, taken as large enough to split).
      batch_norm: whether the networks have BatchNormalization (no parallel batches then).
      num_cores, gpu: the machine (default: this one).
    """
    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {WORKLOADS}, got {workload!r}")
    num_cores = thread_pools.cores() if num_cores is None else num_cores
    gpu = has_gpu() if gpu is None else gpu
    dense = workload == "dense" and not gpu
    split = (dense and num_cores >= 2 and not batch_norm
             and (batch_size is None or batch_size >= PARALLEL_MIN_BATCH))
    return Plan(workload=workload, threads="ops" if dense else "tf",
                steps_per_execution=STEPS_PER_EXECUTION, parallel_batches=2 if split else 1,
                jit_compile=False)


def contains_layer(layer, types):
    """Whether `layer` is, or contains in nested models, a layer of `types`."""
    if isinstance(layer, types):
        return True
    return any(contains_layer(inner, types) for inner in getattr(layer, "layers", ()))


def workload_of(model):
    """"conv" if any layer of `model` (nested models included) is a convolution, else
    "dense"."""
    import keras

    convolutions = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D,
                    keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose,
                    keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)
    return "conv" if contains_layer(model, convolutions) else "dense"


def configure_cpu(threads=AUTO, workload="conv", batch_size=None, batch_norm=False):
    """Set TensorFlow's CPU thread pools and return the `Plan` for a network of `workload`.

    Call it first, before TensorFlow runs an op (the pools are fixed then).

    Args:
      threads: "auto" (the plan's mode), or "tf" / "ops" to override the plan's.
      workload, batch_size, batch_norm: as in `plan`. The default "conv" keeps TensorFlow's
        own pools, right for every network that is not a small MLP.
    Raises:
      ValueError: an unknown mode or workload.
      RuntimeError: TensorFlow already ran an op with other pools.
    """
    chosen = plan(workload, batch_size=batch_size, batch_norm=batch_norm)
    if threads != AUTO:
        if threads not in thread_pools.MODES:
            raise ValueError(f"cpu_threads must be one of {(AUTO, *thread_pools.MODES)}, got "
                             f"{threads!r}")
        chosen = dataclasses.replace(chosen, threads=threads)
    thread_pools.set_cpu_threads(chosen.threads)
    _ACTIVE[0] = chosen
    return chosen


def active_plan():
    """The `Plan` of the last `configure_cpu` call of this process, or None."""
    return _ACTIVE[0]
