"""--override items of zoo.experiment.flags: one key per item, typed by the preset's values."""

import pytest

from zoo import experiment

PRESET = {"kappas": [50, 100], "batch_size": 20, "learning_rate": 1e-3, "flag": False,
          "epochs": {"0": 1, "1": 2}, "data": "tfds:mnist", "families": {"fc": {"depths": [1]}},
          "options": {"a": 1}}


def resolve(*overrides):
    return experiment.resolve({"smoke": PRESET}, "smoke", overrides=list(overrides))


def test_one_key_per_item():
    config = resolve("kappas=5,6", "batch_size=64", "epochs.1=7", "families.fc.depths=1,4,10",
                     "data=folder:img?crop=celeba64&size=32", 'options={"a": 2, "b": [1, 2]}')
    assert config["kappas"] == [5, 6] and config["batch_size"] == 64
    assert config["epochs"] == {"0": 1, "1": 7}
    assert config["families"]["fc"]["depths"] == [1, 4, 10]
    assert config["data"] == "folder:img?crop=celeba64&size=32"
    assert config["options"] == {"a": 2, "b": [1, 2]}
    assert PRESET["kappas"] == [50, 100]  # the preset itself is not modified


def test_a_later_item_wins():
    assert resolve("batch_size=8", "batch_size=16")["batch_size"] == 16


def test_old_several_keys_per_item_still_work():
    # Commands recorded before one-key-per-item (model cards, config.json) keep working.
    assert experiment.split_overrides(["kappas=5,6,batch_size=64"], PRESET) == [
        ("kappas", "5,6"), ("batch_size", "64")]
    config = resolve("kappas=[5,6],batch_size=64,epochs.1=7")
    assert config["kappas"] == [5, 6] and config["batch_size"] == 64
    assert config["epochs"]["1"] == 7
    # Without the config nothing is split: the value is everything after the first '='.
    assert experiment.split_overrides(["kappas=5,6,batch_size=64"]) == [
        ("kappas", "5,6,batch_size=64")]


def test_a_comma_and_equals_sign_of_a_string_value_are_kept():
    # 'crop' is no key of the preset, so ',crop=' stays part of the data spec.
    config = resolve("data=folder:a,crop=celeba64")
    assert config["data"] == "folder:a,crop=celeba64"


def test_clear_errors():
    with pytest.raises(ValueError, match="unknown key 'kapas'"):
        resolve("kapas=1")
    with pytest.raises(ValueError, match="expected key=value"):
        resolve("batch_size")
    with pytest.raises(ValueError, match="expected key=value"):
        resolve("=3")
    with pytest.raises(ValueError, match="batch_size"):
        resolve("batch_size=big")
    with pytest.raises(ValueError, match="one key per --override item"):
        resolve("kappas=5,kapas=6")  # a misspelt second key is not split off
    with pytest.raises(ValueError, match="not a dict"):
        resolve("batch_size.x=1")
