"""The `score` signature: importance-weighted -log p(x) and bits per dimension."""

import math

import numpy as np
import pytest

from signature_reference import NUM_IMPORTANCE_SAMPLES, reference_score
from tiny_models import tiny_model
from zoo.saved_model import export, load

D = 8 * 8 * 1


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(3).uniform(size=(5, 8, 8, 1)).astype(np.float32)


def test_nll_is_finite_and_bits_per_dim_follow_the_formula(exported, x):
    model, folder = exported["GaussianVAE"]
    loaded = load(folder)
    scores = loaded.score(x)
    assert scores["nll"].shape == scores["bits_per_dim"].shape == (5,)
    assert np.all(np.isfinite(scores["nll"]))
    np.testing.assert_allclose(scores["bits_per_dim"],
                               (scores["nll"] + D * math.log(256)) / (D * math.log(2)),
                               rtol=1e-6)
    expected = reference_score(model, x, NUM_IMPORTANCE_SAMPLES)
    np.testing.assert_allclose(scores["nll"], expected["nll"], rtol=1e-4, atol=1e-3)


def test_score_is_deterministic_and_independent_of_the_batch(exported, x):
    loaded = load(exported["GaussianVAE"][1])
    nll = loaded.score(x)["nll"]
    np.testing.assert_array_equal(loaded.score(x)["nll"], nll)
    np.testing.assert_allclose(loaded.score(x[2:3])["nll"], nll[2:3], rtol=1e-6)
    np.testing.assert_allclose(loaded.score(x[::-1])["nll"], nll[::-1], rtol=1e-6)


def test_chunking_does_not_change_the_estimate_and_255_scaling(tmp_path, x):
    model = tiny_model("GaussianVAE", seed=21)
    export(model, tmp_path / "a", num_importance_samples=6, importance_chunk=1,
           metadata={"pixel_divisor": 255})
    export(model, tmp_path / "b", num_importance_samples=6, importance_chunk=6)
    a, b = load(tmp_path / "a"), load(tmp_path / "b")
    assert (a.metadata["score"]["importance_chunk"], b.metadata["score"]["importance_chunk"]) \
        == (1, 6)
    scores_a, scores_b = a.score(x), b.score(x)
    np.testing.assert_allclose(scores_a["nll"], scores_b["nll"], rtol=1e-5)
    np.testing.assert_allclose(scores_a["bits_per_dim"],
                               (scores_a["nll"] + D * math.log(255)) / (D * math.log(2)),
                               rtol=1e-6)
    np.testing.assert_allclose(scores_b["bits_per_dim"] - scores_a["bits_per_dim"],
                               math.log2(256 / 255), rtol=1e-3)
