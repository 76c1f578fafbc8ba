"""Frechet distance in the feature space of the project's MNIST classifier (a domain metric).

This is *not* FID and must never be reported as FID: the features are the 128-d penultimate
layer ("features") of the small conv classifier trained by `tools/train_mnist_classifier.py`
(test accuracy in `assets/mnist_classifier.json`), not Inception's pool_3. Values are
comparable only with other `fd_mnist_classifier` values from the same classifier file.
"""

import functools
import os

import tensorflow as tf

from zoo.metrics.frechet import frechet_distance_of_images

CLASSIFIER_PATH = os.path.join(os.path.dirname(__file__), "assets", "mnist_classifier.keras")
FEATURE_LAYER = "features"


@functools.lru_cache(maxsize=2)
def mnist_classifier_features(path=CLASSIFIER_PATH):
    """A tf.function images [B, 28, 28, 1] in [0, 1] -> penultimate features [B, 128]."""
    import keras

    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"no MNIST classifier at {path}: train it with `python -m "
            "tools.train_mnist_classifier --data=idx:/path/to/mnist --output=...`")
    classifier = keras.saving.load_model(path, compile=False)
    extractor = keras.Model(classifier.inputs, classifier.get_layer(FEATURE_LAYER).output)
    return tf.function(lambda x: extractor(x, training=False))


def fd_mnist_classifier(images1, images2, classifier_path=CLASSIFIER_PATH, batch_size=500):
    """Frechet distance between two image sets in the MNIST classifier's feature space.

    ```none
    FD = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)),  over phi(x) = classifier "features"
    ```
    Inputs: [N, 28, 28, 1] images in [0, 1] (MNIST-like data). All given images are used;
    compare results only at equal sample sizes (the estimate is biased by N). Same statistics
    and square root as `zoo.metrics.frechet_distance`.
    """
    for images in (images1, images2):
        if tuple(images.shape[1:]) != (28, 28, 1):
            raise ValueError(f"need [N, 28, 28, 1] images in [0, 1], got shape {images.shape}")
    return frechet_distance_of_images(mnist_classifier_features(classifier_path), images1,
                                      images2, batch_size)
