"""The affine_vae recipe end to end with --preset=smoke (in-process)."""

import json

from recipe_case import check_common, run_recipe



def test_affine_vae_smoke(tmp_path):
    workdir = tmp_path / "affine_vae"
    check_common(workdir, run_recipe("affine_vae", workdir), ["active_dims.png"],
                 ["kappa_2", "kappa_4"], ["(= r)"])
    results = json.loads((workdir / "results.json").read_text())["models"]
    assert results["kappa_4"]["kappa"] == 4
