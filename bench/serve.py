r"""Benchmark: samples/s of `generate` through a loaded SavedModel versus the in-process model.

    python -m bench.serve                      # about 1 minute on 2 cores

Model: the reg-balance MNIST MLP GaussianVAE, `zoo.builders.mlp_vae(latent_dim=64)` (untrained:
the timing does not depend on the weights), exported with `zoo.export` into a temporary folder.
Four ways to generate images from standard-normal noise [N, 64], each timed at N = 1 and
N = 1,000 with the noise already a tensor and the images brought back to NumPy:

```none
in_process     tf.function(model.generate)(noise).numpy()          (the Keras model, graph mode)
signature      tf.saved_model.load(path).signatures["generate"](noise=noise)["images"].numpy()
                                                                   (what TF Serving runs)
zoo_load       zoo.load(path).generate(noise_array)               (NumPy in and out)
```
The exported signature also checks its input (shape, finite) and clips the images to [0, 1]; the
in-process call does neither. The rounds of the ways are interleaved (`--rounds`) and the median
per way is reported, with `os.getloadavg()`, so that load drifts on a shared machine hit every
way alike. Target: signature at N = 1,000 >= 90% of in_process.
"""

import json
import os
import shutil
import statistics
import tempfile
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_list("batch_sizes", ["1", "1000"], "Numbers of samples per call.")
flags.DEFINE_integer("rounds", 7, "Interleaved timing rounds per way (median reported).")
flags.DEFINE_float("round_seconds", 0.5, "Duration of one timing round.")


def load():
    return [round(x, 2) for x in os.getloadavg()]


def rate(fn, batch_size, seconds):
    """samples/s of calling `fn()` repeatedly for about `seconds`."""
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls * batch_size / elapsed


def main(argv):
    del argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np
    import tensorflow as tf

    import zoo
    from zoo import builders

    keras.utils.set_random_seed(0)
    model = builders.mlp_vae(latent_dim=64)
    export_dir = tempfile.mkdtemp(prefix="bench_serve_")
    path = zoo.export(model, export_dir)
    signature = tf.saved_model.load(path).signatures["generate"]
    exported = zoo.load(path)
    in_process = tf.function(model.generate)

    results = {"model": "mlp_vae(latent_dim=64)", "export": path, "figures": []}
    print(f"{'batch':>6} {'way':12} {'samples/s':>12} {'vs in_process':>13}  load (1, 5, 15 min)")
    for batch_size in (int(b) for b in FLAGS.batch_sizes):
        array = np.random.default_rng(0).standard_normal((batch_size, 64)).astype("float32")
        noise = tf.constant(array)
        ways = {
            "in_process": lambda: in_process(noise).numpy(),
            "signature": lambda: signature(noise=noise)["images"].numpy(),
            "zoo_load": lambda: exported.generate(array),
        }
        reference = ways["in_process"]()
        for name, fn in ways.items():  # warm up (tracing) and check they agree
            np.testing.assert_allclose(np.clip(reference, 0, 1), np.clip(fn(), 0, 1), atol=1e-5)
        rates = {name: [] for name in ways}
        for _ in range(FLAGS.rounds):
            for name, fn in ways.items():
                rates[name].append(rate(fn, batch_size, FLAGS.round_seconds))
        base = statistics.median(rates["in_process"])
        for name in ways:
            median = statistics.median(rates[name])
            figure = {"batch_size": batch_size, "way": name, "samples_per_s": round(median, 1),
                      "fraction_of_in_process": round(median / base, 3), "load": load()}
            results["figures"].append(figure)
            print(f"{batch_size:6d} {name:12} {median:12.1f} {median / base:13.1%}  {load()}",
                  flush=True)
    print(json.dumps(results))
    shutil.rmtree(export_dir, ignore_errors=True)


if __name__ == "__main__":
    app.run(main)
