"""`tools.publish`: unknown names are refused before any recipe runs; the cards and the index
name each model's data set and FID, the cards its notes; publishes running at once all land, and
a failed one changes nothing."""

import os
import subprocess
import sys

import pytest

from tools.publish import cards, notes, runs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_an_unknown_model_name_is_refused_before_anything_runs(tmp_path):
    work, out = tmp_path / "runs", tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "tools.publish", "--models=mnist_vae,nope",
         f"--runs={work}", f"--out={out}", "--data=sklearn:digits"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "unknown model(s) ['nope']" in result.stderr
    assert not work.exists() and not out.exists()


INFO = {"description": "A model.", "signatures": ["decode", "score"], "packages": {"zoo": "0"},
        "score": {"num_importance_samples": 100}}
CONVENTION = "2015 Inception pool_3 (Keras port), 10000 generated vs 60000 training images"


def card(name, metrics_, data):
    record = {"name": name, "metrics": metrics_, "paper": runs.MODELS[name][4], "data": data,
              "recipe_command": "python -m recipes.x", "publish_command": "python -m tools.y",
              "training_seconds": 1.0, "data_sha256": {"t10k-images-idx3-ubyte.gz": "abc"}}
    return cards.card(record, INFO, 1e6)


@pytest.fixture(scope="module")
def written():
    row = {"model_class": "GaussianVAE", "latent_dim": 100, "bytes": 2e6, "score": None}
    return {
        "convention": CONVENTION, "no_fid": cards.NO_FID,
        "fashion": card("fashion_two_stage", {"reconstruction_error": 9.5, "ndb_100": 0.3,
                                              "fid": 41.25, "conventions": {"fid": CONVENTION}},
                        "idx:FASHION_DIR"),
        "mnist": card("mnist_two_stage", {"reconstruction_error": 2.0, "ndb_100": 0.5,
                                          "fd_mnist": 30.0, "conventions": {}}, "idx:MNIST_DIR"),
        "index": cards.index({
            "mnist_vae": {**row, "metrics": {"reconstruction_error": 4.0, "ndb_100": 0.6,
                                             "fd_mnist": 70.5}},
            "fashion_vae": {**row, "metrics": {"reconstruction_error": 9.0, "ndb_100": 0.4,
                                               "fid": 55.5}}})}


def test_a_fashion_card_names_its_data_and_fid_and_no_mnist_classifier_distance(written):
    card = written["fashion"]
    assert "Fashion-MNIST test set" in card and "`idx:FASHION_DIR`" in card
    assert "MNIST classifier" not in card and "`idx:MNIST_DIR`" not in card
    assert "The papers report no" not in card      # the paper's Fashion FID is on it
    # Our FID beside the paper's Fashion-MNIST two-stage value (29.3), its counts in the label.
    assert f"| FID ({written['convention']}) | 41.25 | 29.3 |" in card


def test_a_card_without_fid_says_why(written):
    card = written["mnist"]
    assert "MNIST test set" in card and "Fashion" not in card
    assert f"| {written['no_fid']} | — | 12.6 |" in card


def test_a_card_names_its_commands_and_carries_the_model_s_notes(written):
    card = written["mnist"]
    assert "- Publish command: `python -m tools.y`" in card
    assert "- Recipe command: `python -m recipes.x`" in card
    notes_section = card.split("\n## Notes\n\n", 1)[1]
    assert notes_section.splitlines() == [f"- {note}" for note in notes.NOTES["mnist_two_stage"]]


def test_the_index_has_a_data_and_a_fid_column(written):
    lines = written["index"].splitlines()
    header = next(line for line in lines if line.startswith("| model"))
    assert "| data |" in header and "| FID |" in header and "| FD-MNIST |" in header
    fashion = next(line for line in lines if line.startswith("| [fashion_vae]"))
    mnist = next(line for line in lines if line.startswith("| [mnist_vae]"))
    assert "| Fashion-MNIST |" in fashion and "| 55.5 |" in fashion
    assert "| MNIST |" in mnist and "| 70.5 |" in mnist


# Merges one staged model folder into OUT with tools.publish.merge.merge_published; the
# index rows are stand-ins (no SavedModel is loaded) and each takes DELAY seconds, so that two
# merges started together overlap. A row for "broken" raises.
_MERGE_SCRIPT = """
import json, os, sys, time
from tools.publish import merge
out, staged, name, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
os.makedirs(os.path.join(staged, name), exist_ok=True)
with open(os.path.join(staged, name, "card.json"), "w") as file:
    json.dump({"name": name}, file)


def row(folder):
    time.sleep(delay)
    if os.path.exists(os.path.join(folder, "broken")):
        raise RuntimeError("cannot summarize")
    return {"model_class": "GaussianVAE", "latent_dim": 2, "bytes": 1.0, "score": None,
            "metrics": {"reconstruction_error": 1.0, "ndb_100": 0.5}}


print(merge.merge_published(out, staged, summarize=row))
"""


def _start_merge(out, staged, name, delay):
    return subprocess.Popen([sys.executable, "-c", _MERGE_SCRIPT, str(out), str(staged), name,
                             str(delay)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _published(out):
    return sorted(n for n in os.listdir(out) if os.path.isdir(os.path.join(out, n)))


def test_two_publishes_at_once_both_land_and_keep_the_earlier_models(tmp_path):
    out = tmp_path / "savedmodels"
    (out / "mnist_vae").mkdir(parents=True)
    (out / "mnist_vae" / "card.json").write_text("{}")
    merges = [_start_merge(out, tmp_path / f"staged_{name}", name, 1.5)
              for name in ("mnist_ae", "fashion_vae")]
    for merge in merges:
        _, err = merge.communicate(timeout=300)
        assert merge.returncode == 0, err[-3000:]
    assert _published(out) == ["fashion_vae", "mnist_ae", "mnist_vae"]
    index = (out / "README.md").read_text()
    assert all(f"[{name}]({name}/README.md)" in index
               for name in ("fashion_vae", "mnist_ae", "mnist_vae"))
    # Nothing of the staging is left beside the folder (the lock file stays, by design).
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("savedmodels")) == [
        "savedmodels", "savedmodels.publish.lock"]


def test_a_failed_merge_leaves_the_published_folder_as_it_was(tmp_path):
    out = tmp_path / "savedmodels"
    (out / "mnist_vae").mkdir(parents=True)
    (out / "mnist_vae" / "card.json").write_text('{"old": true}')
    (out / "README.md").write_text("old index")
    staged = tmp_path / "staged"
    (staged / "mnist_ae").mkdir(parents=True)
    (staged / "mnist_ae" / "broken").write_text("")
    merge = _start_merge(out, staged, "mnist_ae", 0)
    _, err = merge.communicate(timeout=300)
    assert merge.returncode != 0 and "cannot summarize" in err
    assert _published(out) == ["mnist_vae"]
    assert (out / "README.md").read_text() == "old index"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
