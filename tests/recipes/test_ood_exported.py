"""The ood_exported recipe on tiny exports (in-process): a row per score of each model, a
two-stage export's own density beside its first stage's, AUROCs from the saved NLLs."""

import json

import numpy as np
from sklearn.metrics import roc_auc_score

import zoo
from recipe_case import check_common, run_recipe
from tiny_models import tiny_model


def test_ood_exported_on_a_tiny_vae_and_two_stage_export(tmp_path):
    models = {}
    for kind in ("GaussianVAE", "TwoStageVAE"):
        models[kind] = zoo.export(tiny_model(kind, seed=1), str(tmp_path / kind),
                                  num_importance_samples=4, importance_chunk=4,
                                  second_stage_samples=3)
    workdir = tmp_path / "ood_exported"
    markdown = check_common(workdir, run_recipe("ood_exported", workdir,
                                                f"--override=models={json.dumps(models)}"),
                            ["nll_hist.png"])
    results = json.loads((workdir / "results.json").read_text())["models"]
    assert "first_stage_nll" not in results["GaussianVAE"]
    two_stage = results["TwoStageVAE"]
    assert two_stage["score"]["second_stage_samples"] == 3
    nll = np.load(workdir / "models" / "TwoStageVAE" / "nll.npz")
    for kind in ("nll", "first_stage_nll"):
        test, noise = nll[f"{kind}/test"], nll[f"{kind}/uniform_noise"]
        assert len(test) == len(noise) == 60
        expected = roc_auc_score(np.r_[np.zeros(60), np.ones(60)], np.r_[test, noise])
        assert two_stage[kind]["uniform_noise_auroc"] == expected
    assert not np.allclose(nll["nll/test"], nll["first_stage_nll/test"])
    assert "| TwoStageVAE, own density |" in markdown
    assert "| TwoStageVAE, first stage, prior N(0, I) |" in markdown
