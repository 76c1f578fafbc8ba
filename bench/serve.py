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

    python -m bench.serve --http               # about 1 minute; needs the serve extra

`--http` instead compares the same `generate` signature in-process with `python -m zoo.serve`
answering TF Serving's REST API on 127.0.0.1 (a separate process on a free port): one client
sends `{"signature_name": "generate", "instances": [[noise row], ...]}` bodies (encoded
beforehand) one after another on a keep-alive connection: `http` times each request until the
whole answer has arrived, `http+decode` also decodes the JSON answer into a NumPy array (with
the standard library's `json`, as a plain Python client would). For each way and batch size it
reports requests/s and the p50 / p99 latency of a bounded loop (`--http_seconds` or
`--http_requests`, whichever ends first).
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
flags.DEFINE_bool("http", False, "Time zoo.serve over HTTP against the in-process signature.")
flags.DEFINE_float("http_seconds", 10.0, "Longest timing loop per way and batch size (--http).")
flags.DEFINE_integer("http_requests", 2000, "Most requests per way and batch size (--http).")


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


def latencies(fn):
    """Seconds per call of `fn()` over a loop bounded by --http_seconds and --http_requests."""
    times, start = [], time.perf_counter()
    while len(times) < FLAGS.http_requests and time.perf_counter() - start < FLAGS.http_seconds:
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return times


def summary(times, batch_size, way):
    """requests/s, p50 and p99 latency in ms of a list of per-call seconds."""
    import numpy as np

    return {"batch_size": batch_size, "way": way, "requests": len(times),
            "requests_per_s": round(len(times) / sum(times), 1),
            "p50_ms": round(float(np.percentile(times, 50)) * 1e3, 2),
            "p99_ms": round(float(np.percentile(times, 99)) * 1e3, 2), "load": load()}


def start_server(export_dir, max_batch_size):
    """`python -m zoo.serve` on a free 127.0.0.1 port; (process, port) once it answers."""
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen(
        [sys.executable, "-m", "zoo.serve", f"--model_base_path={export_dir}",
         f"--port={port}", "--model_name=vae", f"--max_batch_size={max_batch_size}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models/vae", timeout=5):
                return process, port
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise RuntimeError("zoo.serve did not start (run python -m zoo.serve by hand to see why)")


def http_main(model, path):
    """The --http comparison: in-process signature vs zoo.serve over HTTP."""
    import http.client

    import numpy as np
    import tensorflow as tf

    signature = tf.saved_model.load(path).signatures["generate"]
    batch_sizes = [int(b) for b in FLAGS.batch_sizes]
    process, port = start_server(os.path.dirname(path), max(batch_sizes))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    results = {"model": "mlp_vae(latent_dim=64)", "signature": "generate", "figures": []}

    def post(body):
        connection.request("POST", "/v1/models/vae:predict", body,
                           {"Content-Type": "application/json"})
        answer = connection.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"HTTP {answer.status}: {data[:300]!r}")
        return data

    def decoded(data):
        return np.asarray(json.loads(data)["predictions"], np.float32)

    try:
        print(f"{'batch':>6} {'way':12} {'requests':>8} {'requests/s':>11} {'p50 ms':>9} "
              f"{'p99 ms':>9}  load (1, 5, 15 min)")
        for batch_size in batch_sizes:
            array = np.random.default_rng(0).standard_normal((batch_size, 64)).astype("float32")
            noise = tf.constant(array)
            body = json.dumps({"signature_name": "generate", "instances": array.tolist()})
            ways = {"signature": lambda: signature(noise=noise)["images"].numpy(),
                    "http": lambda: post(body),
                    "http+decode": lambda: decoded(post(body))}
            np.testing.assert_array_equal(ways["http+decode"](), ways["signature"]())  # agree
            for name, fn in ways.items():
                figure = summary(latencies(fn), batch_size, name)
                results["figures"].append(figure)
                print(f"{batch_size:6d} {name:12} {figure['requests']:8d} "
                      f"{figure['requests_per_s']:11.1f} {figure['p50_ms']:9.2f} "
                      f"{figure['p99_ms']:9.2f}  {figure['load']}", flush=True)
    finally:
        connection.close()
        process.terminate()
        process.wait(timeout=30)
    print(json.dumps(results))


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
    if FLAGS.http:
        try:
            http_main(model, path)
        finally:
            shutil.rmtree(export_dir, ignore_errors=True)
        return
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
