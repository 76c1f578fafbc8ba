"""The celeba_vaeplus recipe end to end with --preset=smoke (in-process; synthetic data)."""

import json

from recipe_case import check_common, run_recipe



def test_celeba_vaeplus_smoke(tmp_path):
    workdir = tmp_path / "celeba_vaeplus"
    markdown = check_common(
        workdir, run_recipe("celeba_vaeplus", workdir),
        ["samples.png", "reconstructions.png", "samples_vae_plus.png", "samples_vae.png",
         "samples_wae_mmd.png"], ["data_vae_plus", "data_wae_mmd"],
        ["45.6", "47.5", "59.8", "64.8", "0.29"])
    assert "FID: not computed (fid_samples is 0" in markdown   # smoke: FID off
    assert list((workdir / "models" / "data_ae" / "saved_model").glob("*/saved_model.pb"))
    results = json.loads((workdir / "results.json").read_text())["variants"]["data"]
    assert set(results) == {"downsample", "wae_mmd", "vae", "vae_plus"}
    for row in results.values():
        assert 0.0 <= row["ndb_10"] <= 1.0
