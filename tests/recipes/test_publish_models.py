"""`recipes.publish_savedmodels --models`: unknown names are refused before any recipe runs."""

import subprocess
import sys

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


def _publish_module():
    """recipes.publish_savedmodels with its flags parsed (the data specs the cards name)."""
    from recipes import publish_savedmodels

    publish_savedmodels.FLAGS(["publish", "--data=idx:MNIST_DIR", "--fashion_data=idx:FASHION_DIR"])
    return publish_savedmodels


def _card(publish, name, metrics_):
    info = {"description": "A model.", "signatures": ["decode", "score"],
            "packages": {"zoo": "0"}, "score": {"num_importance_samples": 100}}
    return publish.card(name, publish.dataset_of(name), info, metrics_,
                        publish.MODELS[name][4], {"command": "python -m recipes.x"}, 1.0,
                        {"t10k-images-idx3-ubyte.gz": "abc"}, 1e6)


def test_a_fashion_card_names_its_data_and_fid_and_no_mnist_classifier_distance():
    publish = _publish_module()
    convention = "2015 Inception pool_3 (Keras port), 10000 generated vs 60000 training images"
    card = _card(publish, "fashion_two_stage",
                 {"reconstruction_error": 9.5, "ndb_100": 0.3, "fid": 41.25,
                  "conventions": {"fid": convention}})
    assert "Fashion-MNIST test set" in card and "`idx:FASHION_DIR`" in card
    assert "MNIST classifier" not in card and "`idx:MNIST_DIR`" not in card
    # Our FID beside the paper's Fashion-MNIST two-stage value (29.3), its counts in the label.
    assert f"| FID ({convention}) | 41.25 | 29.3 |" in card


def test_a_card_without_fid_says_why():
    publish = _publish_module()
    card = _card(publish, "mnist_two_stage",
                 {"reconstruction_error": 2.0, "ndb_100": 0.5, "fd_mnist": 30.0,
                  "conventions": {}})
    assert "MNIST test set" in card and "Fashion" not in card
    assert f"| {publish.NO_FID} | — | 12.6 |" in card


def test_the_index_has_a_data_and_a_fid_column():
    publish = _publish_module()
    row = {"model_class": "GaussianVAE", "latent_dim": 100, "bytes": 2e6, "score": None}
    summaries = {"mnist_vae": {**row, "metrics": {"reconstruction_error": 4.0, "ndb_100": 0.6,
                                                  "fd_mnist": 70.5}},
                 "fashion_vae": {**row, "metrics": {"reconstruction_error": 9.0, "ndb_100": 0.4,
                                                    "fid": 55.5}}}
    lines = publish.index(summaries).splitlines()
    header = next(line for line in lines if line.startswith("| model"))
    assert "| data |" in header and "| FID |" in header and "| FD-MNIST |" in header
    fashion = next(line for line in lines if line.startswith("| [fashion_vae]"))
    mnist = next(line for line in lines if line.startswith("| [mnist_vae]"))
    assert "| Fashion-MNIST |" in fashion and "| 55.5 |" in fashion
    assert "| MNIST |" in mnist and "| 70.5 |" in mnist
