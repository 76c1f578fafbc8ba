"""The two-stage `score`: importance sampling through both stages (the second stage's density
as the prior of z), against the closed form of a linear-Gaussian two-stage model."""

import math

import numpy as np
import pytest
from scipy import stats

from signature_reference import reference_score
from tiny_models import affine_two_stage, tiny_images, tiny_model
from zoo.saved_model import export, load

D, L = 8 * 8 * 1, 2


@pytest.fixture(scope="module")
def linear():
    """A linear-Gaussian two-stage model on [N, 64] vectors, its exact log p(x), and data."""
    rng = np.random.default_rng(5)
    w = np.linalg.qr(rng.normal(size=(D, L)))[0] * np.array([0.3, 0.15])
    model, mean, cov = affine_two_stage(w, np.full(D, 0.5), 0.01, second_scale=[0.8, 0.3],
                                        second_bias=[0.4, -0.2], second_gamma=0.05)
    x = np.clip(rng.multivariate_normal(mean, cov, size=6), 0.0, 1.0).astype(np.float32)
    exact = stats.multivariate_normal(mean=mean, cov=cov).logpdf(x.astype(np.float64))
    return model, x, exact


def test_exact_posteriors_give_the_two_stage_marginal_for_any_k_and_m(linear, tmp_path):
    # Both encoders are exact posteriors: every weight of both sums equals its marginal.
    model, x, exact = linear
    for k, m in ((1, 1), (4, 3)):
        path = export(model, tmp_path / f"k{k}m{m}", num_importance_samples=k,
                      importance_chunk=2, second_stage_samples=m)
        scores = load(path).score(x)
        np.testing.assert_allclose(-scores["nll"], exact, rtol=1e-4, atol=2e-3)
        np.testing.assert_allclose(scores["bits_per_dim"],
                                   (scores["nll"] + D * math.log(256)) / (D * math.log(2)),
                                   rtol=1e-6)


def test_first_stage_figure_is_the_n01_prior_estimate_of_the_same_samples(linear, tmp_path):
    model, x, exact = linear
    loaded = load(export(model, tmp_path / "e", num_importance_samples=7, importance_chunk=7,
                         second_stage_samples=2))
    scores = loaded.score(x)
    expected = reference_score(model, x, 7)
    np.testing.assert_allclose(scores["first_stage_nll"], expected["nll"], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(scores["first_stage_bits_per_dim"], expected["bits_per_dim"],
                               rtol=1e-5)
    # N(0, I) is not this model's prior of z: the first-stage figure is another density.
    assert np.all(np.abs(scores["first_stage_nll"] - scores["nll"]) > 0.1)
    info = loaded.metadata["score"]
    assert info["prior"] == "second stage" and info["second_stage_samples"] == 2
    assert "lower bound" in info["estimator"]


def test_an_approximate_second_posterior_errs_high_and_tightens_with_m(linear, tmp_path):
    # q(u|z) with a 2x wider std: log of an unbiased estimate, low in expectation, so the
    # mean nll lies above the exact one and falls towards it as M grows.
    model, x, exact = linear
    kernel, bias = (v.numpy() for v in model.second.encoder.layers[-1].weights)
    bias[L:] += math.log(2.0)
    model.second.encoder.layers[-1].set_weights([kernel, bias])
    gaps = []
    for m in (1, 8, 200):
        scores = load(export(model, tmp_path / f"m{m}", num_importance_samples=20,
                             importance_chunk=10, second_stage_samples=m)).score(x)
        gaps.append(float(np.mean(scores["nll"] + exact)))
    assert gaps[0] > gaps[1] > gaps[2] > -0.02, gaps
    assert gaps[0] > 0.1 and gaps[2] < 0.05, gaps


@pytest.mark.parametrize("kind", ["TwoStageVAE", "VAEPlus"])
def test_score_is_deterministic_and_independent_of_the_batch(kind, tmp_path):
    loaded = load(export(tiny_model(kind, seed=3), tmp_path, num_importance_samples=6,
                         importance_chunk=3, second_stage_samples=5))
    x = tiny_images(4, seed=2)
    scores = loaded.score(x)
    assert set(scores) == {"nll", "bits_per_dim", "first_stage_nll", "first_stage_bits_per_dim"}
    assert all(np.all(np.isfinite(v)) for v in scores.values())
    np.testing.assert_array_equal(loaded.score(x)["nll"], scores["nll"])
    np.testing.assert_allclose(loaded.score(x[1:2])["nll"], scores["nll"][1:2], rtol=1e-6)


@pytest.mark.parametrize("bad", [0, 2.5, None])
def test_second_stage_samples_must_be_a_positive_integer(bad, tmp_path):
    with pytest.raises(ValueError, match="second_stage_samples must be a positive integer"):
        export(tiny_model("TwoStageVAE"), tmp_path, second_stage_samples=bad)
    assert not any(tmp_path.iterdir())
