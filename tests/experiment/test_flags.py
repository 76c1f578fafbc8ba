"""The preset and `--override` handling of `zoo.experiment`."""

import pytest

from zoo import experiment


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
