"""Recipes part 1 end to end with --preset=smoke (subprocesses, sklearn digits / synthetic data),
plus the override parsing of zoo.experiment."""

import json

import pytest

from recipes import paper_values
from zoo import experiment

from recipe_case import check_common, run_recipe


def test_mnist_balance_smoke_and_resume(tmp_path):
    workdir = tmp_path / "mnist_balance"
    speed = ["--cpu_threads=ops", "--override=parallel_batches=2"]  # zoo.runtime.threads, zoo.models.base
    result = run_recipe("mnist_balance", workdir, *speed)
    markdown = check_common(workdir, result, ["kappa_sweep.png"],
                            ["kappa_4", "kappa_16", "no_skip"],
                            ["4.98", "-315", "2.78", "-806", "| 22 |"])
    assert "Ablation" in markdown
    results = json.loads((workdir / "results.json").read_text())["models"]
    assert 0 <= results["kappa_16"]["active_dims"] <= 16
    config = json.loads((workdir / "config.json").read_text())
    assert config["strategy"]["cpu_threads"] == "ops" and config["parallel_batches"] == 2

    again = run_recipe("mnist_balance", workdir, *speed)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Epoch 1/" not in again.stdout + again.stderr  # every model was finished


def test_learnable_gamma_smoke(tmp_path):
    workdir = tmp_path / "learnable_gamma"
    check_common(workdir, run_recipe("learnable_gamma", workdir), ["grad_norm.png"],
                 ["data_learnable", "data_fixed"], ["60.5", "20.24", "349.9", "291.8"])
    results = json.loads((workdir / "results.json").read_text())["variants"]["data"]
    assert results["fixed"]["gamma_setting"] == pytest.approx(results["gamma_star"])
    steps = workdir / "models" / "data_fixed" / "diagnostics" / "steps.csv"
    assert len(steps.read_text().splitlines()) > 1


def test_celeba_vaeplus_smoke(tmp_path):
    workdir = tmp_path / "celeba_vaeplus"
    markdown = check_common(
        workdir, run_recipe("celeba_vaeplus", workdir),
        ["samples.png", "reconstructions.png", "samples_vae_plus.png", "samples_vae.png",
         "samples_wae_mmd.png"], ["data_vae_plus", "data_wae_mmd"],
        ["45.6", "47.5", "59.8", "64.8", "0.29"])
    assert "FID: not computed (no Inception graph; see zoo.metrics.fid)" in markdown
    assert list((workdir / "models" / "data_ae" / "saved_model").glob("*/saved_model.pb"))
    results = json.loads((workdir / "results.json").read_text())["variants"]["data"]
    assert set(results) == {"downsample", "wae_mmd", "vae", "vae_plus"}
    for row in results.values():
        assert 0.0 <= row["ndb_10"] <= 1.0


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


def test_affine_vae_smoke(tmp_path):
    workdir = tmp_path / "affine_vae"
    check_common(workdir, run_recipe("affine_vae", workdir), ["active_dims.png"],
                 ["kappa_2", "kappa_4"], ["(= r)"])
    results = json.loads((workdir / "results.json").read_text())["models"]
    assert results["kappa_4"]["kappa"] == 4


def test_overrides_follow_the_preset_types():
    preset = {"kappas": [50, 100], "batch_size": 20, "learning_rate": 1e-3, "flag": False,
              "epochs": {"0": 1, "1": 2}, "graph": ""}
    config = experiment.resolve({"smoke": preset}, "smoke", seed=3, overrides=[
        "kappas=5,6,batch_size=64", "learning_rate=3e-4,flag=true", "epochs.1=7"])
    assert config["kappas"] == [5, 6] and config["batch_size"] == 64
    assert config["learning_rate"] == 3e-4 and config["flag"] is True
    assert config["epochs"] == {"0": 1, "1": 7} and config["seed"] == 3
    assert preset["kappas"] == [50, 100]  # the preset itself is not modified
    with pytest.raises(ValueError, match="unknown key 'kapas'"):
        experiment.resolve({"smoke": preset}, "smoke", overrides=["kapas=1"])
    with pytest.raises(ValueError, match="batch_size"):
        experiment.resolve({"smoke": preset}, "smoke", overrides=["batch_size=big"])


def test_paper_values_match_spec():
    assert paper_values.MNIST_KAPPA_SWEEP[400] == {"reconstruction_error": 2.57, "nll": -743.0,
                                                  "active_dims": 22}
    assert paper_values.CELEBA128_NDB["vae_plus"] == {100: 0.29, 200: 0.28, 300: 0.24}
