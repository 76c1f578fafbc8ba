"""Benchmark: IWAE NLL with K = 5000 over the 10,000 MNIST test images.

Model: the reg-balance paper's MNIST MLP VAE, `zoo.builders.mlp_vae(latent_dim=64)`, untrained
by default (`--train_steps=N` trains it briefly first); timing does not depend on the weights.

    python -m bench.nll --data=idx:../shared/data/mnist

Target: <= 5 minutes on 2 CPU cores. `--num_images=200` gives a quick extrapolated estimate.
Prints a JSON line with the time, images/s and the mean NLL / BPD (with the data's scaling from
`zoo.data.info`: x / 255 without dequantization for IDX MNIST, so the BPD is a constant shift of
the NLL, not a bound on the discrete likelihood).
"""

import json
import time

from absl import app, flags

from zoo.data import locations

FLAGS = flags.FLAGS
MNIST = locations.idx_spec("mnist")  # zoo.data.locations: $ZOO_MNIST_DIR, else beside shared/
flags.DEFINE_string("data", MNIST, "Data spec of MNIST (zoo.data; default: "
                    "$ZOO_MNIST_DIR, else ../shared/data/mnist).")
flags.DEFINE_integer("num_images", 10000, "Test images to evaluate.")
flags.DEFINE_integer("num_samples", 5000, "K, importance samples per image.")
flags.DEFINE_integer("chunk_size", 100, "Samples per chunk.")
flags.DEFINE_integer("batch_size", 100, "Images per batch.")
flags.DEFINE_integer("train_steps", 0, "Train the VAE this many steps (batch 100) first.")


def main(argv):
    del argv
    import keras
    import numpy as np

    from zoo import builders, data, metrics

    keras.utils.set_random_seed(0)
    images, _ = data.load_numpy(FLAGS.data, "test")
    images = images[:FLAGS.num_images]
    scaling = data.info(FLAGS.data).scaling
    model = builders.mlp_vae(latent_dim=64)
    if FLAGS.train_steps:
        train, _ = data.load_numpy(FLAGS.data, "train")
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        model.fit(train[:FLAGS.train_steps * 100], batch_size=100, epochs=1, verbose=2)
    start = time.time()
    log_px = metrics.iwae_log_likelihood(model, images, num_samples=FLAGS.num_samples,
                                         chunk_size=FLAGS.chunk_size,
                                         batch_size=FLAGS.batch_size)
    seconds = time.time() - start
    nll = -log_px
    bpd = metrics.bits_per_dim(nll, int(np.prod(images.shape[1:])), scaling)
    print(json.dumps({
        "model": "mlp_vae(latent_dim=64)", "trained_steps": FLAGS.train_steps,
        "num_images": len(images), "num_samples": FLAGS.num_samples,
        "chunk_size": FLAGS.chunk_size, "batch_size": FLAGS.batch_size,
        "seconds": round(seconds, 1), "images_per_second": round(len(images) / seconds, 2),
        "extrapolated_seconds_10k": round(seconds * 10000 / len(images), 1),
        "mean_nll": float(np.mean(nll)), "mean_bpd": float(np.mean(bpd)), "scaling": str(scaling),
    }))


if __name__ == "__main__":
    app.run(main)
