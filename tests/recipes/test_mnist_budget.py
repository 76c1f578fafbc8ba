"""The mnist_budget recipe end to end with --preset=smoke (a subprocess; sklearn digits)."""

import json

import pytest

from recipe_case import check_common, run_recipe



def test_mnist_budget_smoke_trains_every_variant_and_budget(tmp_path):
    workdir = tmp_path / "mnist_budget"
    result = run_recipe("mnist_budget", workdir)
    check_common(workdir, result, ["budget_study.png"])
    models = json.loads((workdir / "results.json").read_text())["models"]
    # Main variant: kappas 4 and 16 at 2 x 1 and 2 x 2 epochs; the comparisons at kappa 4, 2
    # (batch_20_geometric at 4).
    found = sorted((m["variant"], m["kappa"], m["epochs"]) for m in models)
    assert found == sorted([("learnable_std", 4, 2), ("learnable_std", 4, 4),
                            ("learnable_std", 16, 2), ("learnable_std", 16, 4),
                            ("learnable_variance", 4, 2), ("analytic", 4, 2),
                            ("batch_20_geometric", 4, 4)])
    for variant, kappa, epochs in found:
        folder = workdir / f"{variant}_e{epochs}" / "models" / f"kappa_{kappa}"
        assert list((folder / "saved_model").glob("*/saved_model.pb")), folder
    by_key = {(m["variant"], m["kappa"], m["epochs"]): m for m in models}
    # The same seed and data: the two learnable parameterisations start from the same gamma
    # but move it at different speeds, and the analytic gamma is the batch's MSE per pixel.
    assert by_key[("learnable_std", 4, 2)]["gamma"] != by_key[("learnable_variance", 4, 2)]["gamma"]
    # Batch 20 trains on the same epochs in 5 times the steps (1,500 digits: 15 batches of 100).
    assert (by_key[("learnable_std", 4, 4)]["batch_size"],
            by_key[("learnable_std", 4, 4)]["steps"]) == (100, 60)
    assert (by_key[("batch_20_geometric", 4, 4)]["batch_size"],
            by_key[("batch_20_geometric", 4, 4)]["steps"]) == (20, 300)
    analytic = by_key[("analytic", 4, 2)]
    assert analytic["gamma"] == pytest.approx(analytic["reconstruction_error"] / 64, rel=0.5)
    markdown = (workdir / "results.md").read_text()
    assert "\n| paper |" not in markdown  # no paper rows: none for kappas 4 and 16
    assert "not on the scale of ours" in markdown

    again = run_recipe("mnist_budget", workdir)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Epoch 1/" not in again.stdout + again.stderr  # every model was finished
