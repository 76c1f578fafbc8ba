"""The ood recipe end to end with --preset=smoke (a subprocess), and its resume."""

import json

import numpy as np
import pytest

from recipe_case import check_common, run_recipe

pytestmark = pytest.mark.slow  # end to end in subprocesses: python -m pytest -m slow


def test_ood_smoke_and_resume(tmp_path):
    workdir = tmp_path / "ood"
    markdown = check_common(
        workdir, run_recipe("ood", workdir), ["nll_hist_digits.png", "kl_per_dim_digits.png"],
        ["digits_k2_x0.125", "digits_k4_x0.125"],
        ["2.375", "9.598", "4.351", "0.0055", "2.824", "6.424", "0.011"])
    assert "AUROC" in markdown and "dequantized" in markdown
    results = json.loads((workdir / "results.json").read_text())["experiments"]["digits"]
    row = results["digits_k4_x0.125"]
    for outlier in ("hflip", "invert", "uniform_noise"):
        assert 0.0 <= row[f"{outlier}_auroc"] <= 1.0
        assert np.isfinite(row[f"{outlier}_bpd"])
    assert len(row["kl_per_dimension"]) == 4
    assert row["kl_per_dimension"] == sorted(row["kl_per_dimension"], reverse=True)

    again = run_recipe("ood", workdir)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Epoch 1/" not in again.stdout + again.stderr  # every model was finished
