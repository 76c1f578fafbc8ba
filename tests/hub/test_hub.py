"""hf:// handles (`zoo.hub`), offline: a Hugging Face cache seeded by the test in the layout
`huggingface_hub` reads (`models--ORG--NAME/{blobs,snapshots/<commit>,refs/main}`), loads by
handle and by pinned commit with HF_HUB_OFFLINE; a corrupted or an extra cached file is refused;
an uncached handle fails at once; `push_to_hub` uploads the hub layout (HfApi mocked)."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

hub_lib = pytest.importorskip("huggingface_hub")
hub_constants = pytest.importorskip("huggingface_hub.constants")

import zoo  # noqa: E402
from tiny_models import tiny_images, tiny_model  # noqa: E402
from zoo import hub  # noqa: E402
from zoo.saved_model import keras_weights, manifest  # noqa: E402

COMMIT = "0123456789abcdef0123456789abcdef01234567"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def seed_cache(cache, repo_id, folder, commit=COMMIT, ref="main"):
    """Put `folder`'s files into the Hugging Face cache `cache` as a download of `repo_id` at
    `commit` would: content-addressed blobs, a snapshot of relative symlinks, refs/<ref>."""
    storage = os.path.join(cache, "models--" + repo_id.replace("/", "--"))
    snapshot = os.path.join(storage, "snapshots", commit)
    for root, _, names in os.walk(folder):
        for name in names:
            source = os.path.join(root, name)
            relative = os.path.relpath(source, folder)
            with open(source, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            blob = os.path.join(storage, "blobs", digest)
            os.makedirs(os.path.dirname(blob), exist_ok=True)
            shutil.copyfile(source, blob)
            link = os.path.join(snapshot, relative)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(os.path.relpath(blob, os.path.dirname(link)), link)
    os.makedirs(os.path.join(storage, "refs"), exist_ok=True)
    with open(os.path.join(storage, "refs", ref), "w") as f:
        f.write(commit)
    return snapshot


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A tiny exported GaussianVAE with its Keras weights, as a model folder."""
    folder = tmp_path_factory.mktemp("models") / "tiny_vae"
    zoo.export(tiny_model("GaussianVAE"), folder, num_importance_samples=4, importance_chunk=2)
    keras_weights.save(folder)
    return folder


@pytest.fixture(scope="module")
def staged(model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("staged")
    hub.stage(model_dir, folder)
    return folder


@pytest.fixture
def offline_cache(tmp_path, monkeypatch):
    """An empty cache, HF_HUB_OFFLINE on (huggingface_hub reads both from its constants)."""
    cache = str(tmp_path / "hf_cache")
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", cache)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    return cache


def test_loads_by_handle_and_by_pinned_commit_from_an_offline_cache(staged, model_dir,
                                                                     offline_cache):
    seed_cache(offline_cache, "org/tiny_vae", staged)
    x = tiny_images(4, seed=1)
    expected = zoo.load(model_dir).reconstruct(x)
    for handle in ("hf://org/tiny_vae", f"hf://org/tiny_vae@{COMMIT}", "hf://org/tiny_vae@main"):
        model = zoo.load(handle)
        assert COMMIT in model.path
        np.testing.assert_array_equal(model.reconstruct(x), expected)
    keras_model = zoo.load_keras("hf://org/tiny_vae")
    np.testing.assert_allclose(np.clip(keras_model.reconstruct(x), 0, 1), expected, atol=1e-6)


def test_an_uncached_handle_fails_at_once_naming_it(offline_cache):
    start = time.perf_counter()
    with pytest.raises(FileNotFoundError, match=r"hf://org/missing@v2 is not in the Hugging "
                                                r"Face cache .* HF_HUB_OFFLINE is set"):
        zoo.load("hf://org/missing@v2")
    assert time.perf_counter() - start < 2.0


def test_a_corrupted_cached_file_fails_its_checksum(staged, offline_cache):
    snapshot = seed_cache(offline_cache, "org/tiny_vae", staged)
    blob = os.path.realpath(os.path.join(snapshot, "1", "variables", "variables.index"))
    with open(blob, "r+b") as f:
        f.seek(10)
        byte = f.read(1)
        f.seek(10)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(manifest.ManifestMismatch, match=r"variables.index does not match"):
        zoo.load("hf://org/tiny_vae")


def test_a_file_the_manifest_does_not_list_is_refused(staged, tmp_path, offline_cache):
    tampered = tmp_path / "tampered"
    shutil.copytree(staged, tampered)
    shutil.copytree(tampered / "1", tampered / "2")  # a stray version would be the one loaded
    seed_cache(offline_cache, "org/tiny_vae", tampered)
    with pytest.raises(manifest.ManifestMismatch, match=r"files not in its zoo_manifest.json"):
        zoo.load("hf://org/tiny_vae")


def test_a_repository_without_a_manifest_is_not_a_zoo_model(model_dir, offline_cache):
    seed_cache(offline_cache, "org/plain", model_dir)
    with pytest.raises(manifest.ManifestMismatch, match="not a zoo model repository"):
        zoo.load("hf://org/plain")


@pytest.mark.parametrize("handle", ["hf://", "hf://org", "hf://org/name@", "hf://a/b/c"])
def test_a_malformed_handle_says_the_form(handle):
    with pytest.raises(ValueError, match=r"use hf://ORG/NAME or hf://ORG/NAME@REVISION"):
        hub.parse_handle(handle)


def test_the_staged_layout(staged, model_dir):
    names = sorted(os.path.relpath(os.path.join(r, n), staged).replace(os.sep, "/")
                   for r, _, ns in os.walk(staged) for n in ns)
    assert {"metadata.json", "README.md", "zoo_manifest.json", "tiny_vae.keras",
            "keras_weights.json", "1/saved_model.pb", "1/zoo_manifest.json",
            "1/assets/zoo_metadata.json"} <= set(names)
    listed = manifest.verify(str(staged))
    assert sorted(listed) == [n for n in names if n != "zoo_manifest.json"]
    metadata = json.loads((staged / "metadata.json").read_text())
    assert metadata["library"] == "vae-zoo" and metadata["model_class"] == "GaussianVAE"
    assert metadata["versions"] == [1] and metadata["keras_file"] == "tiny_vae.keras"
    assert (staged / "README.md").read_text().startswith("---\nlibrary_name: vae-zoo\n")


def test_push_to_hub_uploads_the_hub_layout(model_dir, monkeypatch):
    calls = {}

    class FakeApi:
        def __init__(self, token=None, **kwargs):
            calls["token"] = token

        def create_repo(self, repo_id, private=None, exist_ok=False):
            calls["create"] = (repo_id, private, exist_ok)

        def upload_folder(self, repo_id, folder_path, **kwargs):
            calls["upload"] = dict(repo_id=repo_id, **kwargs)
            calls["files"] = manifest.verify(folder_path)
            calls["metadata"] = json.loads(open(os.path.join(folder_path,
                                                             "metadata.json")).read())
            url = f"https://huggingface.co/org/tiny_vae/commit/{COMMIT}"  # parsed, not fetched
            return hub_lib.CommitInfo(commit_url=url, commit_message="m",
                                      commit_description="", oid=COMMIT)

    monkeypatch.setattr(hub_lib, "HfApi", FakeApi)
    info = zoo.push_to_hub(model_dir, "org/tiny_vae", token="t", private=True)
    assert info.oid == COMMIT
    assert calls["create"] == ("org/tiny_vae", True, True) and calls["token"] == "t"
    assert calls["upload"]["repo_id"] == "org/tiny_vae"
    assert calls["upload"]["delete_patterns"] == "*"  # no stale file of an earlier push stays
    assert "tiny_vae.keras" in calls["files"] and "1/saved_model.pb" in calls["files"]
    assert calls["metadata"]["name"] == "tiny_vae"
    with pytest.raises(ValueError, match="not a model folder"):
        zoo.push_to_hub(model_dir / "1" / "variables", "org/x")


def test_offline_load_by_handle_in_a_fresh_process(staged, tmp_path):
    """The real environment variables, read by huggingface_hub at import, in a new process:
    the seeded handle loads and an uncached one fails in under 2 s."""
    cache = tmp_path / "hf_home" / "hub"
    seed_cache(str(cache), "org/tiny_vae", staged)
    script = (
        "import time, zoo\n"
        "m = zoo.load('hf://org/tiny_vae')\n"
        "print('LOADED', m.metadata['model_class'], m.sample(2, seed=0).shape)\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    zoo.load('hf://org/other')\n"
        "except FileNotFoundError as e:\n"
        "    print('FAILED_IN', time.perf_counter() - t, str(e).splitlines()[0][:60])\n")
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf_home"), "HF_HUB_OFFLINE": "1"}
    env.pop("HF_HUB_CACHE", None)
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED GaussianVAE (2, 8, 8, 1)" in result.stdout
    seconds = float(result.stdout.split("FAILED_IN ")[1].split()[0])
    assert seconds < 2.0
