"""The divergence trap (`zoo.training.guard.describe`, the quickstart's recorded settings): a
later stage that diverges at its first steps points at the earlier stage's checkpoint files,
and a rerun with another learning rate is refused instead of reloading them forever."""

import os

import pytest

from quickstart_runner import run_quickstart
from zoo.training.guard import EARLY_STEPS, describe

EVENT = {"step": 1, "epoch": 0, "batch": 0, "loss": float("nan"), "last_loss": None,
         "last_gamma": 1.0}


def test_a_later_stage_diverging_at_once_names_the_previous_stage_files():
    message = describe(EVENT, "stage_1", 0, "b/step_0.weights.h5", 1e-3, 0,
                       earlier=["w/checkpoints/stage_0"])
    assert "those weights are the likely cause" in message
    assert "delete w/checkpoints/stage_0.weights.h5 and w/checkpoints/stage_0.json" in message


def test_late_or_first_stage_divergence_keeps_the_learning_rate_advice():
    late = describe({**EVENT, "step": EARLY_STEPS + 1}, "stage_1", 5, "b", 1e-3, 0,
                    earlier=["w/checkpoints/stage_0"])
    first = describe(EVENT, "stage_0", 0, "b", 1e-3, 0, earlier=[])
    for message in (late, first):
        assert "lower the learning rate" in message and "likely cause" not in message


@pytest.mark.slow
def test_quickstart_trap_is_named_and_a_rerun_with_another_rate_is_refused(tmp_path):
    broken = run_quickstart(tmp_path, "--learning_rate=1e4", "--epochs=3,3,3")
    assert broken.returncode != 0
    assert "TrainingDiverged" in broken.stderr
    stage_0 = os.path.join(tmp_path, "checkpoints", "stage_0")
    assert (f"delete {stage_0}.weights.h5 and {stage_0}.json" in broken.stderr), \
        broken.stderr[-3000:]
    rerun = run_quickstart(tmp_path, "--epochs=3,3,3")
    assert rerun.returncode != 0
    assert "holds a run with other settings (learning_rate: 10000.0 -> 0.003)" in rerun.stderr
    assert "TrainingDiverged" not in rerun.stderr
