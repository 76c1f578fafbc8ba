"""`zoo.experiment.budget_to_reach`: the first budget meeting a target, else the log-linear trend
of the last two budgets (closed forms)."""

import math

import pytest

from zoo.experiment import budget_to_reach


def test_the_first_budget_that_meets_the_target_is_reported():
    out = budget_to_reach([8, 32, 104], [6.0, 4.1, 3.9], 4.2)
    assert out["reached"] and out["epochs"] == 32
    # From below (higher is better): the first value >= target.
    assert budget_to_reach([1, 10], [0.5, 0.9], 0.8, lower_is_better=False)["epochs"] == 10


def test_the_trend_is_the_line_through_the_last_two_budgets_on_log_epochs():
    # 6 at 10 epochs, 5 at 100: one unit per decade, so 3 is reached two decades on.
    out = budget_to_reach([1, 10, 100], [9.0, 6.0, 5.0], 3.0)
    assert not out["reached"]
    assert out["epochs"] == pytest.approx(10_000)
    assert "10,000 epochs" in out["text"]
    slope = (40 - 50) / (math.log10(320) - math.log10(104))
    expected = 320 * 10 ** ((15 - 40) / slope)
    assert budget_to_reach([104, 320], [50, 40], 15)["epochs"] == pytest.approx(expected)


def test_a_nearly_flat_trend_is_called_too_flat():
    out = budget_to_reach([104, 320], [25, 24], 15)  # one unit per half decade: 10^4.4 x
    assert not out["reached"] and out["epochs"] > 100 * 320
    assert "too flat to reach it within 100 times the longest budget" in out["text"]


def test_a_trend_moving_away_gives_no_estimate():
    out = budget_to_reach([8, 32], [5.0, 5.5], 4.2)
    assert not out["reached"] and out["epochs"] is None
    assert "no longer moving towards it" in out["text"]
    assert budget_to_reach([8], [5.0], 4.2)["epochs"] is None


def test_bad_budgets_are_refused():
    with pytest.raises(ValueError, match="increasing"):
        budget_to_reach([32, 8], [5.0, 4.0], 4.2)
    with pytest.raises(ValueError, match="as many values"):
        budget_to_reach([8, 32], [5.0], 4.2)
