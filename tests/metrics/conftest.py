"""Fixtures for the metric tests (models in `tests/tiny_models.py`)."""

import numpy as np
import pytest


@pytest.fixture
def linear_gaussian():
    """A 5-d, 2-latent linear-Gaussian model: dict with w, b, gamma, data x ~ p(x)."""
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((5, 2)))
    w = q * np.array([1.5, 0.8])                                  # orthogonal columns
    b = rng.standard_normal(5) * 0.3
    gamma = 0.1
    z = rng.standard_normal((200, 2))
    x = z @ w.T + b + np.sqrt(gamma) * rng.standard_normal((200, 5))
    return {"w": w, "b": b, "gamma": gamma, "x": x.astype(np.float32)}
