"""`recipes.publish_savedmodels`: unknown names are refused before any recipe runs; the cards
and the index name each model's data set and FID."""

import json
import subprocess
import sys

import pytest

from recipe_case import ROOT


def test_an_unknown_model_name_is_refused_before_anything_runs(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "recipes.publish_savedmodels", "--models=mnist_vae,nope",
         f"--runs={runs}", f"--out={out}", "--data=sklearn:digits"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "unknown model(s) ['nope']" in result.stderr
    assert not runs.exists() and not out.exists()


# Builds two cards and an index with recipes.publish_savedmodels' own code, in a subprocess
# (tests import no recipe's flags: another recipe's --data would clash), and prints them.
_CARDS_SCRIPT = """
import json
from recipes import publish_savedmodels as publish
publish.FLAGS(["publish", "--data=idx:MNIST_DIR", "--fashion_data=idx:FASHION_DIR"])
info = {"description": "A model.", "signatures": ["decode", "score"],
        "packages": {"zoo": "0"}, "score": {"num_importance_samples": 100}}
convention = "2015 Inception pool_3 (Keras port), 10000 generated vs 60000 training images"


def card(name, metrics_):
    return publish.card(name, publish.dataset_of(name), info, metrics_, publish.MODELS[name][4],
                        {"command": "python -m recipes.x"}, 1.0,
                        {"t10k-images-idx3-ubyte.gz": "abc"}, 1e6)


row = {"model_class": "GaussianVAE", "latent_dim": 100, "bytes": 2e6, "score": None}
print(json.dumps({
    "convention": convention, "no_fid": publish.NO_FID,
    "fashion": card("fashion_two_stage", {"reconstruction_error": 9.5, "ndb_100": 0.3,
                                          "fid": 41.25, "conventions": {"fid": convention}}),
    "mnist": card("mnist_two_stage", {"reconstruction_error": 2.0, "ndb_100": 0.5,
                                      "fd_mnist": 30.0, "conventions": {}}),
    "index": publish.index({
        "mnist_vae": {**row, "metrics": {"reconstruction_error": 4.0, "ndb_100": 0.6,
                                         "fd_mnist": 70.5}},
        "fashion_vae": {**row, "metrics": {"reconstruction_error": 9.0, "ndb_100": 0.4,
                                           "fid": 55.5}}})}))
"""


@pytest.fixture(scope="module")
def written():
    result = subprocess.run([sys.executable, "-c", _CARDS_SCRIPT], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


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


def test_the_index_has_a_data_and_a_fid_column(written):
    lines = written["index"].splitlines()
    header = next(line for line in lines if line.startswith("| model"))
    assert "| data |" in header and "| FID |" in header and "| FD-MNIST |" in header
    fashion = next(line for line in lines if line.startswith("| [fashion_vae]"))
    mnist = next(line for line in lines if line.startswith("| [mnist_vae]"))
    assert "| Fashion-MNIST |" in fashion and "| 55.5 |" in fashion
    assert "| MNIST |" in mnist and "| 70.5 |" in mnist
