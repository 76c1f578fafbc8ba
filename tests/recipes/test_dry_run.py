"""--dry_run (zoo.experiment.dry_run): synthetic stand-ins of the preset's data, every model at
full size for two steps, parameter counts and peak memory in results.json / results.md."""

import json
import os
import subprocess
import sys

import pytest

from zoo import data
from zoo.experiment import dry_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECIPES = ("affine_vae", "gamma_slices", "mnist_balance", "mnist_budget", "learnable_gamma",
           "ood", "collapse_depth", "two_stage", "celeba_vaeplus")


def test_stand_ins_have_the_shapes_of_the_data_they_replace():
    config = {"data": "tfds:cifar10", "batch_size": 4, "seed": 0, "epochs": 400,
              "families": {"fc": {"data": ["folder:/no/such/celeba?crop=celeba64", "idx:mnist"]}},
              "outliers": {"flip": "transform:hflip"}, "small": "sklearn:digits"}
    out = dry_run.prepare(config, {"epochs": 1})
    assert out["epochs"] == 1 and config["epochs"] == 400  # the config itself is not modified
    assert out["outliers"] == {"flip": "transform:hflip"} and out["small"] == "sklearn:digits"
    cifar = data.info(out["data"])
    assert cifar.image_shape == (32, 32, 3)
    assert cifar.splits["train"] == cifar.splits["test"] == 2 * 4  # an epoch is two steps
    celeba, mnist = out["families"]["fc"]["data"]
    assert celeba.endswith("?crop=celeba64")
    assert data.info(celeba).image_shape == (64, 64, 3)  # 218 x 178 JPEGs, cropped
    assert data.info(celeba.split("?")[0]).image_shape == (218, 178, 3)
    assert data.info(mnist).image_shape == (28, 28, 1)
    assert set(out["dry_run"]["stand_ins"]) == {"tfds:cifar10", "idx:mnist",
                                                "folder:/no/such/celeba?crop=celeba64"}
    with pytest.raises(ValueError, match="no synthetic stand-in"):
        dry_run.prepare({**config, "data": "tfds:imagenet2012"}, {})


def run(name, workdir, preset):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("ZOO_INCEPTION_GRAPH", None)
    return subprocess.run([sys.executable, "-m", f"recipes.{name}", f"--preset={preset}",
                           "--dry_run", f"--workdir={workdir}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=3600, env=env)


@pytest.mark.slow
def test_dry_run_reports_parameters_and_memory(tmp_path):
    result = run("affine_vae", tmp_path, "smoke")
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads((tmp_path / "results.json").read_text())["dry_run"]
    # Dense(d -> 2 kappa) encoder, Dense(kappa -> d) decoder, log gamma; d = 6 in `smoke`.
    assert facts["parameters"] == {f"kappa_{k}": 6 * 2 * k + 2 * k + k * 6 + 6 + 1
                                   for k in (2, 4)}
    assert facts["peak_memory_mb"] > 0
    assert "## Dry run" in (tmp_path / "results.md").read_text()
    assert "dry run: kappa_2 47 parameters" in result.stdout
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["epochs"] == 1 and config["num_points"] == 200


@pytest.mark.paper
@pytest.mark.parametrize("name", RECIPES)
def test_paper_preset_dry_runs(tmp_path, name):
    result = run(name, tmp_path, "paper")
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads((tmp_path / "results.json").read_text())["dry_run"]
    assert facts["peak_memory_mb"] > 0
    if name != "gamma_slices":  # the objective slices train no model
        assert facts["parameters"] and all(n > 0 for n in facts["parameters"].values())
