"""The two_stage recipe end to end with --preset=smoke (in-process)."""

import json

from recipe_case import check_common, run_recipe



def test_two_stage_smoke(tmp_path):
    workdir = tmp_path / "two_stage"
    markdown = check_common(
        workdir, run_recipe("two_stage", workdir), ["samples_digits.png"],
        ["digits_seed0_two_stage", "digits_seed1_wae_mmd"],
        ["12.6", "29.3", "72.9", "44.4", "54.5", "76.7", "115", "62.9"])
    assert "FID: not computed (fid_samples is 0" in markdown   # smoke: FID off
    summary = json.loads((workdir / "results.json").read_text())["datasets"]["digits"]
    assert set(summary["per_seed"]) == {"0", "1"}
    assert "±" in summary["summary"]["two_stage_vae"]["ndb_5"]
    # The same decoders on u ~ q(u): a table beside the samples' metrics, per seed and summed up.
    assert "| NDB / K, K=5 |" in markdown and "u ~ q(u)" in markdown
    assert "±" in summary["summary"]["two_stage_vae_q_u"]["ndb_5"]
    assert all("ndb_5" in summary["per_seed"][s]["two_stage_vae_q_u"] for s in ("0", "1"))
