"""The mnist_balance recipe end to end with --preset=smoke (sklearn digits), and its resume: in
a subprocess, as the CPU plan's one-thread-per-op pools must be set before TensorFlow's first
op (the other recipes' tests run in-process)."""

import json

import pytest

from recipe_case import check_common, run_recipe_command

pytestmark = pytest.mark.slow  # a subprocess: python -m pytest -m slow


def test_mnist_balance_smoke_and_resume(tmp_path):
    workdir = tmp_path / "mnist_balance"
    speed = ["--cpu_threads=ops", "--override=parallel_batches=2"]  # zoo.runtime.threads
    result = run_recipe_command("mnist_balance", workdir, *speed)
    markdown = check_common(workdir, result, ["kappa_sweep.png"],
                            ["kappa_4", "kappa_16", "no_skip"],
                            ["4.98", "-315", "2.78", "-806", "| 22 |"])
    assert "Ablation" in markdown
    results = json.loads((workdir / "results.json").read_text())["models"]
    assert 0 <= results["kappa_16"]["active_dims"] <= 16
    assert all(isinstance(r["nll_train"], float) for r in results.values())
    assert "not on the scale of ours" in markdown  # the NLL comparability note
    config = json.loads((workdir / "config.json").read_text())
    assert config["strategy"]["cpu_threads"] == "ops" and config["parallel_batches"] == 2
    assert config["cpu"]["threads"] == "ops" and config["cpu"]["workload"] == "dense"

    again = run_recipe_command("mnist_balance", workdir, *speed)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Epoch 1/" not in again.stdout + again.stderr  # every model was finished
