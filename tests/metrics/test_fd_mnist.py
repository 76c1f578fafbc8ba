"""The Frechet distance in the shipped MNIST classifier's feature space (not FID)."""

import os

import numpy as np
import pytest

from zoo import metrics
from zoo.metrics import fd_mnist


def test_shipped_classifier_is_small_and_gives_a_distance():
    assert os.path.getsize(fd_mnist.CLASSIFIER_PATH) < 2 * 1024 * 1024
    rng = np.random.default_rng(0)
    a = rng.uniform(size=(300, 28, 28, 1)).astype(np.float32)
    blank = np.zeros((300, 28, 28, 1), np.float32)
    assert abs(metrics.fd_mnist_classifier(a, a)) < 1e-3
    assert metrics.fd_mnist_classifier(a, blank) > 1.0
    with pytest.raises(ValueError, match="28, 28, 1"):
        metrics.fd_mnist_classifier(a[:, :14], a[:, :14])
