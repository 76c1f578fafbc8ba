"""Samplers exported beside a model: `sample_<name>` signatures, listed in the metadata, drawn by
name through `zoo.load` with the same images as in Python."""

import numpy as np
import pytest

import zoo
from zoo import builders, data, samplers


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = builders.mlp_vae((8, 8, 1), latent_dim=3, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    images, _ = data.load_numpy("sklearn:digits", "train[:300]")
    codes = samplers.latent_codes(model, images)
    fitted = {"gmm": samplers.GaussianMixture(components=2).fit(codes),
              "flow": samplers.MaskedAutoregressiveFlow(layers=1, hidden_units=(8,),
                                                        epochs=1).fit(codes)}
    path = tmp_path_factory.mktemp("export") / "vae"
    zoo.export(model, str(path), samplers=fitted)
    return model, fitted, zoo.load(str(path))


def test_samplers_are_signatures_listed_in_the_metadata(exported):
    _, _, loaded = exported
    assert {"sample", "sample_gmm", "sample_flow"} <= set(loaded.signatures)
    assert loaded.samplers["gmm"]["class"] == "GaussianMixture"
    assert loaded.samplers["gmm"]["components"] == 2
    assert loaded.samplers["flow"]["class"] == "MaskedAutoregressiveFlow"


@pytest.mark.parametrize("name", ["gmm", "flow"])
def test_an_exported_sampler_draws_what_it_draws_in_python(exported, name):
    model, fitted, loaded = exported
    expected = np.clip(np.asarray(model.decode(fitted[name].sample(5, seed=7))), 0, 1)
    np.testing.assert_allclose(loaded.sample(5, seed=7, sampler=name), expected, atol=1e-5)
    assert not np.allclose(loaded.sample(5, seed=7, sampler=name), loaded.sample(5, seed=7))


def test_an_unknown_sampler_and_a_bad_name_are_refused(exported, tmp_path):
    model, fitted, loaded = exported
    with pytest.raises(ValueError, match=r"no sampler 'mixture' in this export; it has"):
        loaded.sample(2, sampler="mixture")
    with pytest.raises(ValueError, match="sampler name 'Big-GMM'"):
        zoo.export(model, str(tmp_path / "bad"), samplers={"Big-GMM": fitted["gmm"]})
    other = samplers.FullGaussian().fit(np.zeros((5, 4), np.float32) + np.eye(5, 4))
    with pytest.raises(ValueError, match="draws 4-dim codes; the model's latent size is 3"):
        zoo.export(model, str(tmp_path / "bad"), samplers={"gaussian": other})
