"""VAEPlus: the shared model case (stages 0, 1, 2) and the shape check of the skip VAE."""

import pytest

import zoo
from zoo import builders

from model_case import run_model_test
from tiny_models import tiny_images

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def batch():
    return tiny_images(16, image_shape=SHAPE)


def vae_plus_kwargs():
    return {"ae": builders.mlp_ae(SHAPE, latent_dim=6, units=32, encoder_depth=2,
                                  decoder_blocks=1),
            "first": builders.skip_vae(6, 4, units=16, affine_skip=True),
            "second": builders.skip_vae(4, 4, units=16, affine_skip=False)}


def test_model_case(batch, tmp_path):
    run_model_test(zoo.VAEPlus, vae_plus_kwargs, batch, tmp_path, steps=20)


def test_a_skip_vae_of_the_wrong_size_is_refused():
    kwargs = vae_plus_kwargs()
    with pytest.raises(ValueError, match=r"must map AE codes \[N, 6\]"):
        zoo.VAEPlus(kwargs["ae"], builders.skip_vae(5, 4, units=8), kwargs["second"])


def test_the_builder_widens_only_the_second_stage():
    def hidden_widths(vae):  # the hidden Dense layers' widths (the heads map to 2 k or d)
        return {tuple(w.shape)[1] for w in vae.weights if w.path.endswith("dense_0/kernel")}

    ae = builders.mlp_ae(SHAPE, latent_dim=6, units=32, encoder_depth=2, decoder_blocks=1)
    for second_units, expected in ((24, 24), (None, 16)):
        model = builders.vae_plus(ae, latent_dim=4, units=16, depth=1,
                                  second_units=second_units)
        model(tiny_images(2, image_shape=SHAPE))
        assert hidden_widths(model.first) == {16}
        assert hidden_widths(model.second) == {expected}
