"""`tools.publish --attach_samplers`: a published model re-exported with latent samplers keeps
every signature it had (same outputs, same metadata) and gains `sample_<name>`; a re-export whose
model computes anything else is refused; the card lists a row per sampler, own first."""

import numpy as np
import pytest

import zoo
from tests.tiny_models import tiny_images, tiny_model
from tools.publish import cards, samplers
from zoo import samplers as zoo_samplers
from zoo.saved_model import keras_weights

METADATA = {"preprocessing": "pixels / 255", "training_command": "python -m recipes.x",
            "metrics": {"ndb_100": 0.5}, "pixel_divisor": 255, "note": "kept"}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A two-stage export, rebuilt, and two samplers fitted to its codes."""
    folder = tmp_path_factory.mktemp("published") / "model"
    zoo.export(tiny_model("TwoStageVAE"), str(folder), version=1, metadata=METADATA,
               num_importance_samples=7, importance_chunk=7)
    rebuilt = keras_weights.rebuild(str(folder))
    codes = zoo_samplers.latent_codes(rebuilt.model, tiny_images(64))
    fitted = {"gmm": zoo_samplers.GaussianMixture(components=2).fit(codes),
              "flow": zoo_samplers.MaskedAutoregressiveFlow(layers=1, hidden_units=(8,),
                                                            epochs=1).fit(codes)}
    return folder, rebuilt, fitted


def test_the_re_export_keeps_every_signature_and_the_metadata_and_adds_the_samplers(
        published, tmp_path):
    folder, rebuilt, fitted = published
    difference = samplers.reexport(rebuilt, fitted, str(tmp_path / "new"))
    assert difference <= keras_weights.TOLERANCE
    old, new = zoo.load(str(folder)), zoo.load(str(tmp_path / "new"))
    assert set(new.signatures) == set(old.signatures) | {"sample_gmm", "sample_flow"}
    for key in ("preprocessing", "training_command", "metrics", "score", "bits_per_dim",
                "extra", "config", "model_class"):
        assert new.metadata[key] == old.metadata[key], key
    np.testing.assert_array_equal(new.sample(4, seed=3), old.sample(4, seed=3))
    assert not np.allclose(new.sample(4, seed=3, sampler="gmm"), new.sample(4, seed=3))


def test_the_training_command_is_never_this_process_command_line():
    assert samplers.carried_metadata({"training_command": None}, "python -m recipes.x")[
        "training_command"] == "python -m recipes.x"
    assert samplers.carried_metadata({"training_command": "python -m a"}, "python -m b")[
        "training_command"] == "python -m a"
    assert samplers.carried_metadata({})["training_command"] is None


def test_a_re_export_that_computes_anything_else_is_refused(published, tmp_path):
    folder, rebuilt, fitted = published
    moved = keras_weights.rebuild(str(folder))
    kernel = next(v for v in moved.model.weights if v.path.endswith("kernel"))
    kernel.assign(kernel.numpy() + 0.1)
    with pytest.raises(ValueError, match="differs from the export's"):
        samplers.reexport(moved, fitted, str(tmp_path / "new"))


def test_the_attached_samplers_depend_on_the_model_s_own_prior():
    assert "normal" not in samplers.chosen("GaussianVAE")
    assert {"normal", "gaussian", "gmm", "flow"} <= set(samplers.chosen("TwoStageVAE"))
    assert {"gaussian", "gmm", "flow"} <= set(samplers.chosen("AE"))


def test_the_card_has_a_row_per_sampler_own_first_in_the_recipe_s_order():
    entry = {"description": {"class": "X"}, "fit_seconds": 1.5}
    record = {"metrics": {"ndb_100": 0.8, "fd_mnist": 117.0},
              "samplers": {"gmm": {**entry, "ndb_100": 0.3, "fd_mnist": 25.5},
                           "flow": {**entry, "ndb_100": 0.4, "fd_mnist": 28.0},
                           "gaussian": {**entry, "ndb_100": 0.7, "fd_mnist": 88.5}},
              "samplers_fit": {"codes": "encoder means", "images": 20000, "command": "cmd"}}
    text = "\n".join(cards.sampler_section(record, "MNIST", "AE"))
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`sample" in line]
    assert [row.split(" | ")[1] for row in rows] == [
        "`sample`", "`sample_gaussian`", "`sample_gmm`", "`sample_flow`"]
    assert rows[0] == "| own (N(0, I); an AE has no prior) | `sample` | 0.8 | 117 | — |"
    assert "| gmm (X) | `sample_gmm` | 0.3 | 25.5 | 1.5 |" in rows
    assert 'sampler="gmm"' in text
    assert cards.sampler_section({"metrics": {}}, "MNIST") == []
