"""MirroredStrategy on two logical CPUs versus one device: the same update on the same global
batch, independent noise per replica, float32 loss terms under mixed precision.

Why these models: under a strategy each replica draws the reparameterisation noise for its half
of the batch, so the noise of a 2-replica step is not the noise of a 1-device step on the same
global batch, whatever the seed handling. The step is compared on models whose update does not
depend on the noise: `zoo.AE` (deterministic), and a GaussianVAE whose encoder log-scale is
pinned at -20 (sigma_z ~ 2e-9, so sigma_z * eps is below float32 resolution of mu_z). Plain SGD:
Adam's first step is lr * g / (|g| + eps), which turns rounding-level gradient differences of
near-zero gradients into O(lr) weight differences.

Tolerance (float32): |w_mirrored - w_single| <= 1e-6 for every weight after a step whose largest
change is above 1e-2 (only the summation order of the two half-batch gradients differs). With
bfloat16 compute (8-bit mantissa) the bound is 1e-2 times the largest update.
"""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # subprocesses with two logical CPUs: python -m pytest -m slow

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT_S = 300


def run_step(policy):
    """Run mirrored_step.py in a fresh process (two logical CPUs need an uninitialised TF)."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(  # run() kills the child when the timeout expires
        [sys.executable, os.path.join(HERE, "mirrored_step.py"), f"--mixed_precision={policy}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def float32_results():
    return run_step("none")


@pytest.mark.parametrize("kind", ["ae", "vae_pinned"])
def test_one_mirrored_step_matches_one_device(float32_results, kind):
    results = float32_results[kind]
    assert float32_results["replicas"] == 2
    assert results["same_start"] == 0.0
    assert results["max_update"] > 1e-2  # the step did move the weights
    assert results["max_abs_diff"] <= 1e-6, results


def test_replicas_draw_different_noise(float32_results):
    # Without folding the replica id into the seed both replicas would draw identical noise.
    assert float32_results["replica_noise_max_abs_diff"] > 0.1


def test_fused_adam_matches_keras_adam_under_mirrored(float32_results):
    # zoo.training.FusedAdam updates the per-replica variables through their handles; three
    # steps give Keras' Adam's weights up to rounding. Adam divides by sqrt(v), which turns the
    # rounding of near-zero gradients (from the first step's rounding) into larger weight
    # differences (see the module docstring), so the bound is relative: 1e-3 of the largest
    # update (a wrong bias correction or a missed replica moves weights by O(update)).
    results = float32_results["fused_adam_mirrored"]
    assert results["optimizer"] == "FusedAdam" and results["steps"] == 3
    assert results["max_update"] > 1e-2
    assert results["max_abs_diff"] <= 1e-3 * results["max_update"], results


def test_training_falls_back_to_one_step_per_execution(float32_results):
    # Keras 3 fails on steps_per_execution > 1 with 2 replicas (keras-team/keras#19246);
    # zoo.training.train lowers it to 1, says so, and trains: 2 epochs of 4 steps.
    results = float32_results["train_spe"]
    assert "steps_per_execution 4 -> 1" in results["log"]
    assert results["steps"] == 8
    assert all(loss == loss for loss in results["losses"])  # finite, not NaN


@pytest.mark.parametrize("policy", ["bfloat16", "float16"])
def test_mixed_precision_keeps_loss_terms_float32(policy):
    results = run_step(policy)
    assert results["dense_compute_dtype"] == policy
    assert results["head_compute_dtype"] == "float32"
    assert results["log_gamma_dtype"] == "float32"
    assert set(results["loss_dtypes"].values()) == {"float32"}
    few = results["few_steps"]
    assert few["max_update"] > 0 and few["loss"] == few["loss"]  # trained, finite
    if policy == "float16":
        assert few["optimizer"] == "LossScaleOptimizer"
        assert few["inner_optimizer"] == "FusedAdam"
    else:
        for kind in ("ae", "vae_pinned"):
            assert results[kind]["max_abs_diff"] <= 1e-2 * max(1.0, results[kind]["max_update"])
