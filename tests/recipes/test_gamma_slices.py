"""The gamma_slices recipe end to end with --preset=smoke (in-process)."""

import json

from recipe_case import check_common, run_recipe



def test_gamma_slices_smoke(tmp_path):
    workdir = tmp_path / "gamma_slices"
    check_common(workdir, run_recipe("gamma_slices", workdir), ["gamma_slices.png"])
    results = json.loads((workdir / "results.json").read_text())
    for by_gamma in results["slices"].values():
        # Minima multiply as gamma shrinks; the minimiser moves to the sparse solution t = 0.
        assert by_gamma["1.0"]["num_local_minima"] == 1
        assert by_gamma["0.001"]["num_local_minima"] >= 2
        assert abs(by_gamma["0.001"]["argmin_t"]) < abs(by_gamma["1.0"]["argmin_t"])
    assert results["closed_form_check"]["relative_difference"] < 0.05
