"""The learnable_gamma recipe end to end with --preset=smoke (in-process)."""

import json

import pytest

from recipe_case import check_common, run_recipe



def test_learnable_gamma_smoke(tmp_path):
    workdir = tmp_path / "learnable_gamma"
    check_common(workdir, run_recipe("learnable_gamma", workdir), ["grad_norm.png"],
                 ["data_learnable", "data_fixed"], ["60.5", "20.24", "349.9", "291.8", "MMD ratio fixed / learnable: ours",
                  "paper 3.4 and 3.1"])
    results = json.loads((workdir / "results.json").read_text())["variants"]["data"]
    assert results["fixed"]["gamma_setting"] == pytest.approx(results["gamma_star"])
    steps = workdir / "models" / "data_fixed" / "diagnostics" / "steps.csv"
    assert len(steps.read_text().splitlines()) > 1
