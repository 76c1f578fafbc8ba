"""The collapse_depth recipe end to end with --preset=smoke (in-process)."""

import json

from recipes import paper_values
from zoo.data import idx

from recipe_case import check_common, preset_configs, run_recipe



def test_collapse_depth_smoke(tmp_path):
    workdir = tmp_path / "collapse_depth"
    markdown = check_common(
        workdir, run_recipe("collapse_depth", workdir),
        ["recon_vs_depth_fc.png", "recon_vs_depth_conv.png", "recon_vs_depth_residual.png",
         "sigma_z_fc.png", "sigma_z_conv.png"],
        ["fc_d1_ae", "fc_d2_vae", "fc_d2_vae_warmup", "conv_t1_vae", "residual_digits_b1_k2_ae"])
    # The paper gives figures, not tables: its quoted findings stand beside our table.
    assert paper_values.USUAL_SUSPECTS_FINDINGS["fc"][:60] in markdown
    assert "more sigma_z values are" in markdown
    results = json.loads((workdir / "results.json").read_text())["models"]
    vae = results["fc_d2_vae"]
    assert sum(vae["sigma_z_histogram"]) == 200 * 4  # eval_images test images x latent dims
    assert 0 <= vae["active_dims"] <= 4 and vae["gamma"] > 0
    assert "gamma" not in results["fc_d1_ae"]
    assert results["fc_d1_ae"]["train_reconstruction_error"] > 0


def test_cpu_fashion_preset_is_cpu_on_fashion_mnist(fashion_dir):
    default, local, cpu = preset_configs(
        "collapse_depth", [("cpu_fashion", {}),
                           ("cpu_fashion", {"ZOO_FASHION_MNIST_DIR": str(fashion_dir)}),
                           ("cpu", {})])
    assert default["data"] == "idx:../shared/data/fashion_mnist"  # relative: no machine path
    assert idx.identify_spec(local["data"]) == "fashion_mnist"  # the paper's data, by checksum
    assert local["families"]["fc"]["depths"] == list(paper_values.USUAL_SUSPECTS_DEPTHS["fc"])
    assert {**local, "data": cpu["data"], "preset": "cpu"} == cpu
