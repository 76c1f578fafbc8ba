r"""Train the small MNIST conv classifier whose features `zoo.metrics.fd_mnist_classifier` uses.

The Frechet distance in this network's penultimate-layer space is a *domain* metric for
MNIST-like 28 x 28 x 1 images in [0, 1]. It is not FID (FID is defined on the 2015 Inception
graph's pool_3 features) and its values are not comparable with FID numbers.

Command (1-2 minutes on 2 CPU cores; test accuracy 99.0%; writes the classifier
and a JSON file with its test accuracy and flags beside it):

    python -m tools.train_mnist_classifier --data=idx:../shared/data/mnist \
        --output=zoo/metrics/assets/mnist_classifier.keras

Network: Conv(32, 3x3, ReLU) -> MaxPool 2 -> Conv(64, 3x3, ReLU) -> MaxPool 2 -> Flatten ->
Dense(128, ReLU) named "features" -> Dropout(0.3) -> Dense(10) (logits). Adam lr 1e-3, batch 128.
"""

import json
import os
import time

from absl import app, flags

from zoo.data import locations

FLAGS = flags.FLAGS
MNIST = locations.idx_spec("mnist")  # zoo.data.locations: $ZOO_MNIST_DIR, else beside shared/
flags.DEFINE_string("data", MNIST, "Data spec of MNIST (zoo.data; default: "
                    "$ZOO_MNIST_DIR, else ../shared/data/mnist).")
flags.DEFINE_string("output", "zoo/metrics/assets/mnist_classifier.keras",
                    "Where to write the trained classifier (.keras).")
flags.DEFINE_integer("epochs", 6, "Training epochs.")
flags.DEFINE_integer("batch_size", 128, "Batch size.")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate.")
flags.DEFINE_integer("seed", 0, "Random seed.")
flags.DEFINE_integer("max_examples", 0, "Use only this many training examples (0: all; tests).")

FEATURE_LAYER = "features"


def build_classifier(input_shape=(28, 28, 1), num_classes=10, feature_dim=128):
    """The conv classifier; its layer named "features" is the metric's feature space."""
    import keras

    inputs = keras.Input(shape=input_shape, name="x")
    h = keras.layers.Conv2D(32, 3, activation="relu", name="conv_0")(inputs)
    h = keras.layers.MaxPooling2D(2, name="pool_0")(h)
    h = keras.layers.Conv2D(64, 3, activation="relu", name="conv_1")(h)
    h = keras.layers.MaxPooling2D(2, name="pool_1")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(h)
    h = keras.layers.Dropout(0.3, name="dropout")(h)
    outputs = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(inputs, outputs, name="mnist_classifier")


def load_split(spec, split):
    """(images [N, 28, 28, 1] float32 in [0, 1], labels [N] int64) through `zoo.data`."""
    from zoo import data

    images, labels = data.load_numpy(spec, split)
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"{spec} has images of shape {images.shape[1:]}, need 28 x 28 x 1")
    return images, labels


def main(argv):
    del argv
    import keras

    keras.utils.set_random_seed(FLAGS.seed)
    x_train, y_train = load_split(FLAGS.data, "train")
    x_test, y_test = load_split(FLAGS.data, "test")
    if FLAGS.max_examples:
        x_train, y_train = x_train[:FLAGS.max_examples], y_train[:FLAGS.max_examples]
        x_test, y_test = x_test[:FLAGS.max_examples], y_test[:FLAGS.max_examples]
    model = build_classifier()
    model.compile(optimizer=keras.optimizers.Adam(FLAGS.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.time()
    model.fit(x_train, y_train, batch_size=FLAGS.batch_size, epochs=FLAGS.epochs,
              shuffle=True, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
    # Save an uncompiled copy: without the Adam slots the file is a third of the size.
    inference = build_classifier()
    inference.set_weights(model.get_weights())
    inference.save(FLAGS.output)
    summary = {"test_accuracy": float(accuracy), "epochs": FLAGS.epochs,
               "train_examples": int(len(x_train)), "seconds": round(time.time() - start, 1),
               "data": FLAGS.data, "output": FLAGS.output,
               "size_bytes": os.path.getsize(FLAGS.output)}
    with open(os.path.splitext(FLAGS.output)[0] + ".json", "w") as f:
        json.dump({**summary, "flags": {name: FLAGS[name].value for name in (
            "data", "output", "epochs", "batch_size", "learning_rate", "seed", "max_examples")}},
            f, indent=2)
    print(json.dumps(summary, indent=2))
    print(f"test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    app.run(main)
