"""Benchmark: images/s of a `zoo.data` training pipeline (default: MNIST IDX, batch 128, shuffled).

    python -m bench.data_throughput --data=idx:../shared/data/mnist

Builds `zoo.data.load(data, split, batch_size, shuffle=True)`, runs `--warmup_epochs` full epochs
(graph tracing, the shuffle buffer, caches), then times `--epochs` full epochs iterated from
Python as a training loop would, and prints one JSON line with the images/s.
"""

import json
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("data", "idx:../shared/data/mnist", "Data spec (zoo.data).")
flags.DEFINE_string("split", "train", "Split to read.")
flags.DEFINE_integer("batch_size", 128, "Batch size.")
flags.DEFINE_integer("epochs", 3, "Timed epochs.")
flags.DEFINE_integer("warmup_epochs", 1, "Untimed epochs first.")
flags.DEFINE_integer("seed", 0, "Shuffle seed.")
flags.DEFINE_bool("dequantize", False, "Dequantize (x + u) / 256 instead of x / 255.")


def run_epochs(dataset, epochs):
    """Iterate `dataset` `epochs` times; (images seen, seconds)."""
    images, start = 0, time.perf_counter()
    for _ in range(epochs):
        for batch in dataset:
            images += int(batch.shape[0])
    return images, time.perf_counter() - start


def main(argv):
    del argv
    import zoo.data

    dataset = zoo.data.load(FLAGS.data, FLAGS.split, batch_size=FLAGS.batch_size, shuffle=True,
                            seed=FLAGS.seed, dequantize=FLAGS.dequantize)
    warmup_images, warmup_s = run_epochs(dataset, FLAGS.warmup_epochs)
    images, seconds = run_epochs(dataset, FLAGS.epochs)
    print(json.dumps({
        "data": FLAGS.data, "split": FLAGS.split, "batch_size": FLAGS.batch_size,
        "dequantize": FLAGS.dequantize, "epochs": FLAGS.epochs, "images": images,
        "seconds": round(seconds, 3), "images_per_s": round(images / seconds),
        "warmup_images_per_s": round(warmup_images / warmup_s) if warmup_s > 0 else None,
    }))


if __name__ == "__main__":
    app.run(main)
