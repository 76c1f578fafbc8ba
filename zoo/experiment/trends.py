"""Where a metric measured at a few training budgets meets a target value.

A budget study (e.g. `recipes.mnist_budget`) trains the same model for several budgets and asks,
for each metric, at which budget it reaches a paper's value, or, if none of the runs reached it,
where the trend points. The trend is the straight line through the last two budgets on a
log axis of epochs (metric = a + b log10(epochs)), the shape these curves take over a decade
or two of training; an extrapolation, stated as such.
"""

import math

FLAT = 100  # an estimate beyond FLAT x the longest budget is reported as "too flat"


def budget_to_reach(epochs, values, target, lower_is_better=True):
    """The first budget whose value meets `target`, or the trend's estimate of it.

    Args:
      epochs: budgets, increasing (> 0).
      values: the metric at each budget.
      target: the value to reach (e.g. the paper's).
      lower_is_better: the metric reaches the target from above (reconstruction error, active
        units) or, if False, from below.
    Returns:
      A dict: `reached` (bool), `epochs` (the first budget that reached it, or the
      extrapolated budget; None when the last two budgets do not move towards the target) and
      `text`, a phrase for a report (an estimate beyond FLAT times the longest budget is
      called too flat rather than given in epochs).
    """
    if len(epochs) != len(values) or not epochs:
        raise ValueError(f"need as many values as budgets, got {len(values)} and {len(epochs)}")
    if any(b <= a for a, b in zip(epochs, epochs[1:])) or epochs[0] <= 0:
        raise ValueError(f"budgets must be positive and increasing, got {list(epochs)}")
    sign = 1.0 if lower_is_better else -1.0
    for budget, value in zip(epochs, values):
        if sign * (value - target) <= 0:
            return {"reached": True, "epochs": budget, "text": f"reached at {budget:g} epochs"}
    if len(epochs) < 2:
        return {"reached": False, "epochs": None, "text": "not reached (one budget only)"}
    (e0, v0), (e1, v1) = (epochs[-2], values[-2]), (epochs[-1], values[-1])
    slope = (v1 - v0) / (math.log10(e1) - math.log10(e0))
    if sign * slope >= 0:
        return {"reached": False, "epochs": None,
                "text": f"not reached; no longer moving towards it ({v0:.4g} -> {v1:.4g})"}
    estimate = e1 * 10 ** ((target - v1) / slope)
    if estimate > FLAT * e1:
        return {"reached": False, "epochs": estimate,
                "text": f"not reached; the trend of the last two budgets is too flat to reach "
                        f"it within {FLAT} times the longest budget ({v0:.4g} -> {v1:.4g})"}
    return {"reached": False, "epochs": estimate,
            "text": f"not reached; the trend of the last two budgets reaches it near "
                    f"{estimate:,.0f} epochs"}
