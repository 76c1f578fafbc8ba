"""The recipe runner (`zoo.experiment.runner`): rows trained, measured, cached and exported in
their folders; later rows built on earlier rows' results; the budgets and the one seed scheme."""

import json

import numpy as np
import pytest

from zoo import builders, experiment, layout
from zoo.experiment import budgets, sampling

CONFIG = {"batch_size": 16, "steps_per_execution": 1, "seed": 0, "data": "sklearn:digits",
          "command": "test"}


def tiny(latent_dim=2):
    return builders.mlp_vae((8, 8, 1), latent_dim=latent_dim, units=8, encoder_depth=1,
                            decoder_blocks=1)


def test_rows_are_trained_cached_and_receive_earlier_results(tmp_path):
    config = {**CONFIG, "workdir": str(tmp_path)}
    calls = []

    def evaluate(model, run):
        calls.append(run.directory)
        return {"latent_dim": int(model.latent_dim), "seconds": run.train_seconds}

    def rows(config):
        first = yield experiment.Row("first", build=tiny, evaluate=evaluate,
                                     data="sklearn:digits", budget=budgets.constant(1, 1e-3),
                                     batch_size=32)
        # the second row is built from the first's measured result, as learnable_gamma's
        # fixed-gamma row is from the learnable one's gamma
        yield experiment.Row("second", build=lambda: tiny(first.metrics["latent_dim"] + 1),
                             evaluate=evaluate, data="sklearn:digits",
                             budget=budgets.constant(1, 1e-3),
                             images=lambda model: {"samples": sampling.samples(model, 3, 0)})

    results = experiment.run_rows(config, rows(config))
    assert results["second"].metrics["latent_dim"] == 3
    assert results["second"].images["samples"].shape == (3, 8, 8, 1)
    folder = layout.Workdir(str(tmp_path)).model("second")
    assert json.loads(open(folder.results).read())["latent_dim"] == 3
    assert list((tmp_path / "models" / "first" / "saved_model").glob("*/saved_model.pb"))
    assert len(calls) == 2
    # Each row's training time is recorded (the first draws no images, so it is trained only
    # when measured); the first row trained at its own batch of 32, the second at the config's.
    assert all(results[name].metrics["seconds"] > 0 for name in ("first", "second"))
    steps = {name: json.loads((tmp_path / "models" / name / "checkpoints" / "model.json")
                              .read_text())["steps_per_epoch"] for name in ("first", "second")}
    assert steps["second"] == 2 * steps["first"] or steps["second"] == 2 * steps["first"] - 1

    again = experiment.run_rows(config, rows(config))   # cached: nothing measured again
    assert len(calls) == 2 and again["second"].metrics == results["second"].metrics
    np.testing.assert_array_equal(again["second"].images["samples"],
                                  results["second"].images["samples"])  # same weights, seed
    assert again["first"].model.latent_dim == 2  # built and loaded when first asked for


def test_a_row_without_a_model_and_a_repeated_name(tmp_path):
    config = {**CONFIG, "workdir": str(tmp_path)}
    row = experiment.Row("baseline", build=None, images=lambda model: {"x": np.zeros((2, 1))},
                         evaluate=lambda model, run: {"none": model is None,
                                                      "images": len(run.images["x"])})
    assert experiment.run_rows(config, [row])["baseline"].metrics == {"none": True,
                                                                            "images": 2}
    with pytest.raises(ValueError, match="this row trains no model"):
        experiment.run_rows(config, [row])["baseline"].model
    with pytest.raises(ValueError, match="two rows are named 'baseline'"):
        experiment.run_rows(config, [row, row])


def test_a_sub_workdir_row_name():
    folder = layout.Workdir("w").model("learnable_std_e8/kappa_100")
    assert folder.path == "w/learnable_std_e8/models/kappa_100"
    assert folder.checkpoint("stage_1") == "w/learnable_std_e8/models/kappa_100/checkpoints/" \
                                           "stage_1.weights.h5"


def test_budgets():
    assert budgets.constant({1: 3, 2: 4}, 1e-3)(10) == ({1: 3, 2: 4}, 1e-3)
    epochs, rates = budgets.halving(1e-3, {"1": 2, "2": 0}, {"1": 4, "2": 3})(10)
    assert epochs == {1: 4, 2: 3} and rates[2] == 1e-3
    assert float(rates[1](19)) == pytest.approx(1e-3) and float(rates[1](21)) == \
        pytest.approx(5e-4)
    epochs, rate = budgets.steps(25, 1e-3)(10)
    assert (epochs, rate) == (3, 1e-3)  # 25 steps rounded up to whole epochs of 10
    epochs, schedule = budgets.steps(25, 1e-3, halve_every_steps=10)(10)
    assert epochs == 3 and float(schedule(15)) == pytest.approx(5e-4)
    assert budgets.iwae(2, [1, 2], 1e-3)(10)[0] == 3


def test_one_seed_scheme():
    seen = []
    out = sampling.draw(lambda m, s: seen.append((m, s)) or np.full((m, 1), 2.0), 1200, seed=3)
    assert seen == [(500, 3000), (500, 3001), (200, 3002)]
    assert out.shape == (1200, 1) and out.max() == 1.0  # clipped to [0, 1]
    with pytest.raises(ValueError, match="at most 1000 chunks"):
        sampling.chunk_seed(0, 1000)
    model = tiny()
    np.testing.assert_array_equal(sampling.samples(model, 600, 1)[500:],
                                  np.clip(model.sample(100, seed=1001), 0, 1))


def test_a_finished_rows_images_are_drawn_only_when_read(tmp_path):
    """A report can read a finished row from its results.json alone: its model is built (and
    its checkpoints loaded) only once its images are read, and then only once."""
    config = {**CONFIG, "workdir": str(tmp_path)}
    builds, draws = [], []

    def build():
        builds.append(1)
        return tiny()

    def draw(model):
        draws.append(1)
        return {"samples": sampling.samples(model, 3, 0)}

    row = experiment.Row("row", build=build, data="sklearn:digits",
                         budget=budgets.constant(1, 1e-3), images=draw,
                         evaluate=lambda model, run: {"n": len(run.images["samples"])})
    first = experiment.run_rows(config, [row])["row"]
    assert first.metrics == {"n": 3} and len(builds) == 1 and len(draws) == 1
    again = experiment.run_rows(config, [row])["row"]
    assert again.metrics == {"n": 3} and len(builds) == 1 and len(draws) == 1  # not built
    np.testing.assert_array_equal(again.images["samples"], first.images["samples"])
    assert sorted(again.images) == ["samples"] and len(builds) == 2 and len(draws) == 2
    assert len(again.images) == 1 and len(draws) == 2  # drawn once, then kept
