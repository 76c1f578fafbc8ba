"""The fastest CPU configuration for a network, chosen by a rule table that `bench.train` measured.

Five settings decide how fast a zoo model trains on a CPU (docs/performance.md):

```none
threads              "ops" (one thread per op, as many ops at once as cores) or "tf"
                     (TensorFlow's pools); fixed at TensorFlow's first op (zoo.runtime.threads)
steps_per_execution  training steps per tf.function call: less Python and callback work per step
parallel_batches     the encoder and decoder run on k slices of the batch, which the executor
                     runs on k cores at once (zoo.models.base; not with BatchNormalization)
jit_compile          XLA
precision            the Keras dtype policy: "float32", or "mixed_bfloat16" (hidden layers
                     compute in bfloat16; variables, the networks' output layers, gamma, the
                     KL and the loss stay float32: zoo.networks._dtypes)
```

The rule (`plan`), from `python -m bench.train` on 2 cores (figures in docs/performance.md):

```none
workload  threads  steps_per_execution  parallel_batches                     jit_compile
dense     ops      50                   2 when >= 2 cores, no BatchNorm,     off
                                        batch >= 64; else 1
conv      tf       50                   1                                    off
any, GPU  tf       50                   1                                    off

workload  precision
conv      mixed_bfloat16 on a CPU with bfloat16 matrix instructions (`bf16_matmul_support`),
          float32 on any other, and with BatchNormalization (see below)
dense     float32
any, GPU  float32
```

"dense": networks of Dense layers (the papers' MNIST MLPs), whose small matmuls lose more to
synchronisation than they gain from splitting one op over the cores, while their backward pass
has independent ops. "conv": networks with convolutions, whose large ops are worth splitting
(`ops` slowed the conv VAE by 13%). XLA was slower for every model here (15-25%).
`steps_per_execution` is lowered to a divisor of the epoch by `zoo.training.train`.

Precision: Xeons with AMX-BF16 / AVX512-BF16 (lscpu flags amx_bf16, avx512_bf16) multiply
bfloat16 matrices at about three times their float32 rate (oneDNN, which TensorFlow uses on
x86 Linux unless TF_ENABLE_ONEDNN_OPTS=0). The figures behind the rule were measured on such
Xeons and quoted in the request for it; they were not re-measured on the 2-core AMD EPYC (no
bfloat16 instructions) where the rest of this table was measured: mixed_bfloat16 trained
the conv VAE 1.06-2.0x faster and ran InceptionV3 inference 2.4x faster, but the MNIST MLP at
0.9x (its 200-unit matmuls are too small to gain, the casts cost more). On a CPU without the
instructions TensorFlow emulates bfloat16 and it is much slower, hence float32 there. The
numerics: `bench.precision` trains the conv VAE and the two-stage first stage in both policies
(results/precision/): the BatchNorm network (the two-stage first stage) reached a test
reconstruction error 10% off float32's after 6 epochs against the 3% it must keep, so networks
with BatchNormalization stay in float32 until a longer comparison passes. `python -m bench.train` measures both rooflines and every model in both
precisions on the machine at hand.

Recipes pick the workload of their networks and print and record the plan (config.json, key
"cpu"); every flag (`--cpu_threads`, `--mixed_precision`, `--override=steps_per_execution=...`,
`--override=parallel_batches=...`) still overrides it. Users who call `fit` themselves:

```python
from zoo.runtime import cpu
plan = cpu.configure_cpu("auto", workload="dense")   # first, before TensorFlow runs an op
model = zoo.builders.mlp_vae(parallel_batches=plan.parallel_batches)   # in plan.precision
model.compile(optimizer=..., **plan.compile_kwargs)
```
"""

import dataclasses
import os
import sys

from zoo.runtime import threads as thread_pools

WORKLOADS = ("dense", "conv")
AUTO = "auto"
# --mixed_precision values (and the Keras policy names) -> the Keras dtype policy.
PRECISIONS = {"none": "float32", "float32": "float32", "bfloat16": "mixed_bfloat16",
              "mixed_bfloat16": "mixed_bfloat16", "float16": "mixed_float16",
              "mixed_float16": "mixed_float16"}
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo: bfloat16 matrix instructions
CPUINFO = "/proc/cpuinfo"
STEPS_PER_EXECUTION = 50
PARALLEL_MIN_BATCH = 64  # below it, two half-batches cost more in op overhead than they gain
_ACTIVE = [None]  # the plan configure_cpu set: like the thread pools, one per process


@dataclasses.dataclass(frozen=True)
class Plan:
    """A CPU configuration: thread mode, steps per execution, parallel batches, XLA, and the
    Keras dtype policy."""

    workload: str
    threads: str
    steps_per_execution: int
    parallel_batches: int
    jit_compile: bool
    precision: str = "float32"

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
                f"{'on' if self.jit_compile else 'off'}, precision {self.precision}")


def has_gpu():
    """Whether TensorFlow sees a GPU (listing devices runs no op: the thread pools stay free)."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def bf16_matmul_support(cpuinfo=CPUINFO):
    """Whether this CPU multiplies bfloat16 matrices in hardware and TensorFlow uses it.

    True when a flag of `BF16_CPU_FLAGS` (AMX-BF16, AVX512-BF16) is in the "flags" line of
    `cpuinfo` (Linux) and oneDNN is not switched off (TF_ENABLE_ONEDNN_OPTS=0: TensorFlow's
    own kernels then emulate bfloat16). False on other systems (no reliable flag to read;
    float32 is the safe choice) and when `cpuinfo` cannot be read.
    """
    if not sys.platform.startswith("linux") or os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        return False
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    return bool(set(line.split(":", 1)[-1].split()) & set(BF16_CPU_FLAGS))
    except OSError:
        return False
    return False


def plan(workload, batch_size=None, batch_norm=False, num_cores=None, gpu=None, bf16=None):
    """The rule table of the module docstring: the `Plan` for a network of `workload`.

    Args:
      workload: "dense" or "conv" (`workload_of(model)`).
      batch_size: the training batch (None: unknown, taken as large enough to split).
      batch_norm: whether the networks have BatchNormalization (no parallel batches then).
      num_cores, gpu, bf16: the machine (default: this one; `bf16`: `bf16_matmul_support()`).
    """
    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {WORKLOADS}, got {workload!r}")
    num_cores = thread_pools.cores() if num_cores is None else num_cores
    gpu = has_gpu() if gpu is None else gpu
    dense = workload == "dense" and not gpu
    split = (dense and num_cores >= 2 and not batch_norm
             and (batch_size is None or batch_size >= PARALLEL_MIN_BATCH))
    fast_bf16 = (workload == "conv" and not gpu and not batch_norm
                 and (bf16_matmul_support() if bf16 is None else bf16))
    return Plan(workload=workload, threads="ops" if dense else "tf",
                steps_per_execution=STEPS_PER_EXECUTION, parallel_batches=2 if split else 1,
                jit_compile=False, precision="mixed_bfloat16" if fast_bf16 else "float32")


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


def configure_cpu(threads=AUTO, workload="conv", batch_size=None, batch_norm=False,
                  precision=AUTO):
    """Set TensorFlow's CPU thread pools and the Keras global dtype policy, and return the
    `Plan` for a network of `workload`.

    Call it first, before TensorFlow runs an op (the pools are fixed then) and before the
    model is built (layers take the policy when they are made).

    Args:
      threads: "auto" (the plan's mode), or "tf" / "ops" to override the plan's.
      workload, batch_size, batch_norm: as in `plan`. The default "conv" keeps TensorFlow's
        own pools, right for every network that is not a small MLP.
      precision: "auto" (the plan's), or a key of `PRECISIONS` ("none" / "float32",
        "bfloat16", "float16") to override the plan's.
    Raises:
      ValueError: an unknown mode, precision or workload.
      RuntimeError: TensorFlow already ran an op with other pools.
    """
    chosen = plan(workload, batch_size=batch_size, batch_norm=batch_norm)
    if threads != AUTO:
        if threads not in thread_pools.MODES:
            raise ValueError(f"cpu_threads must be one of {(AUTO, *thread_pools.MODES)}, got "
                             f"{threads!r}")
        chosen = dataclasses.replace(chosen, threads=threads)
    if precision != AUTO:
        chosen = dataclasses.replace(chosen, precision=policy_of(precision))
    thread_pools.set_cpu_threads(chosen.threads)
    set_precision(chosen.precision)
    _ACTIVE[0] = chosen
    return chosen


def policy_of(precision):
    """The Keras dtype policy of a `--mixed_precision` value (None: float32)."""
    if precision is None:
        return "float32"
    if precision not in PRECISIONS:
        raise ValueError(f"mixed_precision must be one of {tuple(PRECISIONS)} (or {AUTO!r}, "
                         f"the plan's, in configure_cpu), got {precision!r}")
    return PRECISIONS[precision]


def set_precision(precision):
    """Set the Keras global dtype policy of `precision` (a key of `PRECISIONS`, or None for
    float32); returns the policy's name."""
    import keras

    policy = policy_of(precision)
    keras.mixed_precision.set_global_policy(policy)
    return policy


def active_plan():
    """The `Plan` of the last `configure_cpu` call of this process, or None."""
    return _ACTIVE[0]
