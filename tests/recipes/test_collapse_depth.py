"""Recipes part 2 end to end with --preset=smoke (subprocesses on sklearn digits), and the new
network builders they use."""

import json

import numpy as np
import pytest

from recipes import paper_values

from recipe_case import check_common, run_recipe


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


def test_two_stage_smoke(tmp_path):
    workdir = tmp_path / "two_stage"
    markdown = check_common(
        workdir, run_recipe("two_stage", workdir), ["samples_digits.png"],
        ["digits_seed0_two_stage", "digits_seed1_wae_mmd"],
        ["12.6", "29.3", "72.9", "44.4", "54.5", "76.7", "115", "62.9"])
    assert "FID: not computed (no Inception graph; see zoo.metrics.fid)" in markdown
    summary = json.loads((workdir / "results.json").read_text())["datasets"]["digits"]
    assert set(summary["per_seed"]) == {"0", "1"}
    assert "±" in summary["summary"]["two_stage_vae"]["ndb_5"]


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3)])
def test_depth_family_and_infogan_shapes(shape):
    from zoo import networks

    for encoder, decoder in [
            (networks.depth_conv_encoder(shape, 6, convs_per_scale=2, base_channels=2),
             networks.depth_conv_decoder(3, shape, convs_per_scale=2, base_channels=2)),
            (networks.depth_residual_encoder(shape, 6, 2, 3, base_channels=2),
             networks.depth_residual_decoder(3, shape, 2, 3, base_channels=2)),
            (networks.infogan_encoder(shape, 6, width=0.0625),
             networks.infogan_decoder(3, shape, width=0.0625))]:
        assert encoder.output_shape == (None, 6)
        assert decoder.output_shape == (None, *shape)
    # The paper's channel plan: 64 at 32 x 32, doubling per halving, 512 at 4 x 4.
    encoder = networks.depth_conv_encoder((32, 32, 3), 128, convs_per_scale=1)
    assert [layer.filters for layer in encoder.layers if hasattr(layer, "filters")] == \
        [64, 128, 256, 512]


def test_paper_values_part2_match_the_papers():
    assert paper_values.VAE_OOD_FASHION_BY_KAPPA[128] == {
        "train_bpd": 2.009, "test_bpd": 2.424, "mnist_bpd": 4.958, "gamma": 0.0024}
    assert paper_values.VAE_OOD_CIFAR_BY_CAPACITY[2.0]["celeba_bpd"] == 3.965
    ends = paper_values.VAE_OOD_FASHION_KAPPA_ENDS
    table = paper_values.VAE_OOD_FASHION_BY_KAPPA
    assert (table[16]["mnist_bpd"], table[512]["mnist_bpd"]) == ends["mnist_test_bpd"]
