"""sha256 manifests (written at export, checked by zoo.load), models by name (ZOO_MODELS_DIR and
the published savedmodels/), and the metadata a model card needs."""

import datetime
import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path

import pytest

import zoo
from tiny_models import tiny_model
from zoo.saved_model import catalog, manifest

PUBLISHED = Path(__file__).resolve().parents[2] / "savedmodels"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = tiny_model("AE")
    base = tmp_path_factory.mktemp("models") / "tiny_ae"
    zoo.export(model, base, metadata={"license": "CC-BY-4.0"})
    return model, base


def copy_of(base, tmp_path):
    target = tmp_path / base.name
    shutil.copytree(base, target)
    return target / "1"


def load_quietly(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = zoo.load(path)
    return model, [str(w.message) for w in caught]


def test_manifest_lists_every_file_with_its_sha256(exported):
    _, base = exported
    folder = base / "1"
    listed = json.loads((folder / manifest.MANIFEST_FILE).read_text())["files"]
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                     if p.is_file() and p.name != manifest.MANIFEST_FILE)
    assert sorted(listed) == on_disk
    assert {"saved_model.pb", "assets/zoo_metadata.json"} <= set(listed)
    for name, digest in listed.items():
        assert digest == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    _, messages = load_quietly(base)
    assert messages == []


def test_changed_file_is_named(exported, tmp_path):
    _, base = exported
    folder = copy_of(base, tmp_path)
    data = next((folder / "variables").glob("variables.data-*"))
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    with pytest.raises(manifest.ManifestMismatch, match=f"{data.name} does not match"):
        zoo.load(folder.parent)


def test_missing_file_is_named(exported, tmp_path):
    _, base = exported
    folder = copy_of(base, tmp_path)
    (folder / "assets" / "zoo_metadata.json").unlink()
    with pytest.raises(ValueError, match="zoo_metadata.json is listed .* but missing"):
        zoo.load(folder)


def test_export_without_manifest_loads_with_a_warning(exported, tmp_path):
    model, base = exported
    folder = copy_of(base, tmp_path)
    (folder / manifest.MANIFEST_FILE).unlink()
    loaded, messages = load_quietly(folder)
    assert any("no zoo_manifest.json" in m for m in messages)
    assert loaded.metadata["model_class"] == "AE"


def test_metadata_has_card_fields(exported):
    model, base = exported
    meta = zoo.load(base).metadata
    assert meta["license"] == "CC-BY-4.0"
    assert meta["parameter_count"] == model.count_params() > 0
    stamp = datetime.datetime.fromisoformat(meta["exported_at"])
    assert abs((datetime.datetime.now(datetime.timezone.utc) - stamp).days) <= 1
    assert meta["packages"]["tensorflow"] and meta["python"].count(".") == 2


def test_models_by_name_from_zoo_models_dir(exported, monkeypatch, tmp_path):
    _, base = exported
    monkeypatch.setenv(catalog.ENV_VAR, str(base.parent))
    assert "tiny_ae" in zoo.list_models()
    by_name, by_path = zoo.load("tiny_ae"), zoo.load(str(base))
    assert by_name.path == by_path.path == str(base / "1")
    with pytest.raises(FileNotFoundError, match="ZOO_MODELS_DIR"):
        zoo.load("no_such_model")
    # A relative path that does not exist is not looked up by name.
    with pytest.raises(FileNotFoundError, match="does not exist"):
        zoo.load(os.path.join("nowhere", "tiny_ae"))


def test_published_models_by_name():
    names = {"mnist_vae", "mnist_two_stage", "mnist_vaeplus", "mnist_wae_mmd", "mnist_ae"}
    assert names <= set(zoo.list_models())
    for name in names:  # sealed against their goldens by tools.manifest_savedmodels
        assert manifest.verify(str(PUBLISHED / name / "1")) is not None, name
    model, messages = load_quietly("mnist_vae")
    assert model.path == str(PUBLISHED / "mnist_vae" / "1") and messages == []
