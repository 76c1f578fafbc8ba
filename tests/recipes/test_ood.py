"""The ood recipe end to end with --preset=smoke (in-process), and its resume."""

import json

import numpy as np
from zoo.data import idx

from recipe_case import check_common, preset_configs, run_recipe



def test_ood_smoke_and_resume(tmp_path):
    workdir = tmp_path / "ood"
    markdown = check_common(
        workdir, run_recipe("ood", workdir), ["nll_hist_digits.png", "kl_per_dim_digits.png"],
        ["digits_k2_x0.125", "digits_k4_x0.125"],
        ["2.375", "9.598", "4.351", "0.0055", "2.824", "6.424", "0.011"])
    assert "AUROC" in markdown and "dequantized" in markdown
    # The least BPD of a decoder variance gamma = 0.0055 (the paper's at kappa 16) on the 8-bit
    # scale: 8 + log2(2 pi 0.0055) / 2 = 5.573, and the note on comparing with the paper.
    assert "| BPD floor at gamma | — | 5.573 |" in markdown
    assert "**Bits/dim comparability.**" in markdown
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


def test_cpu_fashion_preset_is_table_1_on_local_files(mnist_dir, fashion_dir):
    local_env = {"ZOO_MNIST_DIR": str(mnist_dir), "ZOO_FASHION_MNIST_DIR": str(fashion_dir)}
    default, local, cpu = preset_configs("ood", [("cpu_fashion", {}),
                                                 ("cpu_fashion", local_env), ("cpu", {})])
    # Without the variables: the folders beside the checkout, written relative (no machine path).
    assert default["data"] == "idx:../shared/data/fashion_mnist"
    outliers = default["experiments"]["fashion_mnist"]["outliers"]
    assert outliers["mnist"] == "idx:../shared/data/mnist"
    exp = local["experiments"]["fashion_mnist"]
    assert exp["paper_table"] == "fashion_kappa" and exp["widths"] == [1.0]
    assert min(exp["kappas"]) == 16 and len(exp["kappas"]) >= 2
    assert idx.identify_spec(local["data"]) == "fashion_mnist"  # by checksum
    assert idx.identify_spec(exp["outliers"]["mnist"]) == "mnist"
    assert {"transform:hflip", "transform:invert", "transform:uniform_noise"} <= set(
        exp["outliers"].values())
    # Everything else is the cpu preset's budget.
    same = ("data", "experiments", "preset")
    assert ({k: v for k, v in local.items() if k not in same}
            == {k: v for k, v in cpu.items() if k not in same})
