"""Command-line settings (`zoo.experiment.rules`, `zoo.experiment.process`, `zoo.experiment.reuse`,
the quickstart): bad values are named before anything is written, so the corrected command runs
without --restart; --restart replaces only a zoo workdir, and moves its run aside."""

import json
import math
import os
import sys

import keras
import pytest

from quickstart_runner import run_quickstart
from zoo.experiment import config as configs
from zoo.experiment import reuse, rules
from zoo.training import checks

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "recipes"))
from recipe_case import run_recipe  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures",
                       "resolved_presets.json")
ZOO_CONFIG = {"preset": "smoke", "data": "sklearn:digits", "seed": 0, "command": "python -m r"}


def fixture_configs():
    with open(FIXTURE) as file:
        recipes = json.load(file)["recipes"]
    return [config for environments in recipes.values() for presets in environments.values()
            for config in presets.values()]


# Item 1: --restart replaces only a zoo workdir, and moves the replaced run aside.

def test_restart_refuses_a_folder_of_other_files(tmp_path):
    (tmp_path / "thesis.tex").write_text("mine")
    with pytest.raises(ValueError, match=r"--restart: the folder .* is not a zoo workdir: it "
                                         r"holds files \(thesis.tex\) but no config.json"):
        reuse.record({**ZOO_CONFIG, "workdir": str(tmp_path)}, restart=True)
    assert (tmp_path / "thesis.tex").read_text() == "mine"
    assert not (tmp_path / "config.json").exists()


@pytest.mark.parametrize("restart", [False, True])
def test_another_programs_config_json_is_refused(tmp_path, restart):
    (tmp_path / "config.json").write_text('{"name": "my app", "port": 80}')
    (tmp_path / "data.csv").write_text("1,2")
    with pytest.raises(ValueError, match=r"is not a zoo workdir: its config.json has no "
                                         r"'command' or 'workdir' key"):
        reuse.record({**ZOO_CONFIG, "workdir": str(tmp_path)}, restart=restart)
    assert json.loads((tmp_path / "config.json").read_text())["name"] == "my app"
    assert (tmp_path / "data.csv").exists()


def test_restart_moves_the_replaced_run_beside_the_workdir(tmp_path, capsys):
    workdir = tmp_path / "run"
    reuse.record({**ZOO_CONFIG, "workdir": str(workdir)})
    (workdir / "checkpoints").mkdir()
    (workdir / "checkpoints" / "stage_0.weights.h5").write_text("x")
    reuse.record({**ZOO_CONFIG, "workdir": str(workdir), "seed": 1}, restart=True)
    assert sorted(os.listdir(workdir)) == [".lock", "config.json"]
    [replaced] = [p for p in tmp_path.iterdir() if p.name.startswith("run.replaced-")]
    assert (replaced / "checkpoints" / "stage_0.weights.h5").read_text() == "x"
    assert json.loads((replaced / "config.json").read_text())["seed"] == 0
    assert f"moved the workdir's previous contents to {replaced}" in capsys.readouterr().out


def test_restart_of_an_empty_folder_starts_there(tmp_path):
    reuse.record({**ZOO_CONFIG, "workdir": str(tmp_path / "w")}, restart=True)
    assert sorted(os.listdir(tmp_path)) == ["w"]
    assert sorted(os.listdir(tmp_path / "w")) == [".lock", "config.json"]


def test_recipe_restart_in_a_folder_of_other_files_keeps_them(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run_recipe("mnist_balance", tmp_path, "--restart")
    assert result.returncode != 0
    assert "is not a zoo workdir" in result.stderr, result.stderr[-2000:]
    assert sorted(os.listdir(tmp_path)) == [".lock", "notes.txt"]


@pytest.mark.slow
def test_quickstart_restart_in_a_folder_of_other_files_keeps_them(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run_quickstart(tmp_path, "--epochs=1,1,1", "--restart")
    assert result.returncode != 0
    assert "is not a zoo workdir" in result.stderr, result.stderr[-2000:]
    assert (tmp_path / "notes.txt").read_text() == "mine"


# Item 3: a run stopped by a bad value records nothing; the corrected command needs no --restart.

@pytest.mark.parametrize("flags, named", [
    (["--override=learning_rate=nan"], "learning_rate must be a positive finite number, got nan"),
    (["--override=batch_size=100000"], "batch_size 100000 is larger than the training split"),
    (["--override=epochs_per_round=-1,1"], "epochs_per_round must be an integer >= 0, got -1"),
    (["--override=units=0"], "units must be an integer >= 1, got 0"),
    (["--override=steps_per_execution=0"], "steps_per_execution must be an integer >= 1, got 0"),
    (["--data=sklearn:nope"], "unknown scikit-learn data set 'nope'"),
    (["--data=some/folder/of/images"], "--data=some/folder/of/images: bad data spec"),
])
def test_a_bad_value_stops_the_run_before_anything_is_written(tmp_path, flags, named):
    result = run_recipe("mnist_balance", tmp_path / "w", *flags)
    assert result.returncode != 0
    assert named in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "w").exists() or os.listdir(tmp_path / "w") == []


def test_the_corrected_command_runs_without_restart(tmp_path):
    small = ["--override=kappas=4", "--override=ablations=[]",
             "--override=epochs_per_round=[1]", "--override=rounds=1"]
    failed = run_recipe("mnist_balance", tmp_path, *small, "--override=decoder_blocks=-1")
    assert failed.returncode != 0 and "decoder_blocks must be an integer >= 0, got -1" in (
        failed.stderr), failed.stderr[-2000:]
    corrected = run_recipe("mnist_balance", tmp_path, *small)
    assert corrected.returncode == 0, corrected.stderr[-3000:]
    assert json.loads((tmp_path / "config.json").read_text())["decoder_blocks"] == 1


# Item 4: one typed check per preset key.

def test_every_preset_of_every_recipe_passes_the_rules():
    found = fixture_configs()
    assert len(found) > 20
    for config in found:
        rules.check_config(config)


def test_every_numeric_preset_key_has_a_rule():
    """A new key that holds numbers gets a rule (type and range) or is named here."""
    finite_only = {"t_min", "t_max"}  # gamma_slices' grid bounds: any finite number
    unruled = set()
    for config in fixture_configs():
        for path, value in rules._leaves(config):
            items = value if isinstance(value, list) else [value]
            numeric = any(rules._is_number(item) for item in items)
            if numeric and rules._rule_of_path(path) is None and path[-1] not in finite_only:
                unruled.add(".".join(map(str, path)))
    assert not unruled


@pytest.mark.parametrize("key, value, message", [
    ("learning_rate", -1e-3, "learning_rate must be a positive finite number, got -0.001"),
    ("learning_rate", math.nan, "learning_rate must be a positive finite number, got nan"),
    ("learning_rates", [0.01, 0.0], "learning_rates must be a positive finite number, got 0.0"),
    ("encoder_depth", 0, "encoder_depth must be an integer >= 1, got 0"),
    ("decoder_blocks", -1, "decoder_blocks must be an integer >= 0, got -1"),
    ("eval_images", -3, "eval_images must be an integer >= 1, got -3"),
    ("seed", -3, "seed must be an integer >= 0, got -3"),
    ("batch_size", 2.5, "batch_size must be an integer >= 1, got 2.5"),
    ("epochs", {"0": 1, "1": -2}, "epochs.1 must be an integer >= 0, got -2"),
    ("kappas", [4, "x"], "kappas must be an integer >= 1, got 'x'"),
    ("t_min", math.inf, "t_min must be a finite number, got inf"),
    ("wae_mmd_weight", -1.0, "wae_mmd_weight must be a finite number >= 0, got -1.0"),
])
def test_a_value_against_its_rule_is_named(key, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rules.check_config({"data": "sklearn:digits", "seed": 0, key: value})


def test_none_and_auto_pass():
    rules.check_config({"epochs_per_round": None, "parallel_batches": "auto", "seed": 0})


def test_parse_value_refuses_a_fraction_for_an_integer():
    with pytest.raises(ValueError, match=r"expected an integer .*got '2.5'"):
        configs.parse_value("2.5", 100)
    with pytest.raises(ValueError, match=r"--override batch_size=2.5e0: expected an integer"):
        configs.apply_overrides({"batch_size": 100}, ["batch_size=2.5e0"])
    assert configs.parse_value("1e3", 100) == 1000
    assert configs.parse_value("-3", 0) == -3  # the range is the rules' job


def test_two_stage_negative_seed_is_named(tmp_path):
    result = run_recipe("two_stage", tmp_path / "w", "--seed=-3")
    assert result.returncode != 0
    assert "seed must be an integer >= 0, got -3" in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "w" / "config.json").exists()


def test_learning_rate_schedules_are_checked():
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([10], [1e-3, math.nan])
    with pytest.raises(ValueError, match=r"learning_rate \(the schedule's values\[1\]\) must be "
                                         r"a positive finite number, got nan"):
        checks.check_learning_rate(schedule)
    decay = keras.optimizers.schedules.ExponentialDecay(-1.0, 10, 0.5)
    with pytest.raises(ValueError, match=r"initial_learning_rate\) must be a positive"):
        checks.check_learning_rate(decay)
    fine = keras.optimizers.schedules.PiecewiseConstantDecay([10], [1e-3, 1e-4])
    assert checks.check_learning_rate(fine) is fine


# Item 14: clear errors name the argument, the value and what was expected.

def test_an_infinite_integer_override_is_named():
    with pytest.raises(ValueError, match=r"--override batch_size=1e400: expected an integer"):
        configs.apply_overrides({"batch_size": 100}, ["batch_size=1e400"])


def test_an_empty_workdir_is_named(tmp_path):
    result = run_recipe("mnist_balance", "")
    assert result.returncode != 0
    assert "--workdir is empty (got '')" in result.stderr, result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("epochs", ["a,b,c", "1.5,1,1"])
def test_quickstart_epochs_that_are_no_whole_numbers_are_named(tmp_path, epochs):
    result = run_quickstart(tmp_path / "w", f"--epochs={epochs}")
    assert result.returncode != 0
    assert "--epochs needs 3 comma-separated values, whole numbers >= 0" in result.stderr
    assert f"--epochs={epochs}" in result.stderr
    assert "invalid literal" not in result.stderr
    assert not (tmp_path / "w").exists()


@pytest.mark.slow
def test_quickstart_bad_values_record_nothing(tmp_path):
    for flags, named in ([["--workdir="], "--workdir is empty"],
                         [["--batch_size=100000"], "batch_size 100000 is larger"],
                         [["--learning_rate=nan"], "--learning_rate must be a positive"]):
        result = run_quickstart(tmp_path / "w", "--epochs=1,1,1", *flags)
        assert result.returncode != 0 and named in result.stderr, result.stderr[-2000:]
        assert not (tmp_path / "w" / "config.json").exists()
