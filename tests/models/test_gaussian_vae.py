"""GaussianVAE: the shared model case, input checks, gamma, KL warm-up, posterior scale."""

import numpy as np
import keras
import pytest

import zoo
from zoo import builders, networks

from model_case import run_model_test
from tiny_models import tiny_images

SHAPE = (8, 8, 1)


def vae_kwargs():
    return {"encoder": networks.mlp_encoder(SHAPE, 8, units=32, depth=2),
            "decoder": networks.residual_mlp_decoder(4, SHAPE, units=32, blocks=1),
            "affine_skip": True, "kl_warmup_steps": 5, "seed": 1}


@pytest.fixture(scope="module")
def batch():
    return tiny_images(16, image_shape=SHAPE)


def test_model_case(batch, tmp_path):
    run_model_test(zoo.GaussianVAE, vae_kwargs, batch, tmp_path)


def test_encoder_decoder_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="2 \\* latent_dim = 8"):
        zoo.GaussianVAE(networks.mlp_encoder(SHAPE, 5), networks.mlp_decoder(4, SHAPE))
    with pytest.raises(ValueError, match="gamma must be"):
        builders.mlp_vae(SHAPE, latent_dim=2, gamma=-1.0)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer"):
        builders.mlp_vae(SHAPE, latent_dim=0)


def test_fixed_gamma_is_not_trained(batch):
    model = builders.mlp_vae(SHAPE, latent_dim=2, units=16, encoder_depth=1, decoder_blocks=1,
                             gamma=0.25)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(batch, batch_size=8, epochs=2, verbose=0)
    np.testing.assert_allclose(float(model.gamma), 0.25, rtol=1e-6)
    assert all("log_gamma" not in w.path for w in model.trainable_weights)


def test_kl_warmup_weight_rises_linearly_to_one():
    model = builders.mlp_vae(SHAPE, latent_dim=2, units=8, encoder_depth=1, decoder_blocks=1,
                             kl_warmup_steps=4)
    weights = [float(model.kl_weight(training=True)) for _ in range(6)]
    np.testing.assert_allclose(weights, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0])
    assert float(model.kl_weight(training=False)) == 1.0


def test_softplus_posterior_scale_is_linear_in_the_encoder_head():
    keras.utils.set_random_seed(0)
    encoder = networks.mlp_encoder(SHAPE, 4, units=8, depth=1)
    model = zoo.GaussianVAE(encoder, networks.mlp_decoder(2, SHAPE, units=8),
                            posterior_scale="softplus")
    x = np.random.RandomState(1).uniform(size=(5, *SHAPE)).astype("float32")
    head = np.asarray(encoder(x))[:, 2:].astype("float64")
    _, log_scale = model.encode(x)
    np.testing.assert_allclose(np.exp(log_scale), np.log1p(np.exp(head)) + 1e-6, rtol=1e-5)
    clone = zoo.GaussianVAE.from_config(model.get_config())
    assert clone.posterior_scale == "softplus"
    with pytest.raises(ValueError, match="posterior_scale must be one of"):
        zoo.GaussianVAE(encoder, networks.mlp_decoder(2, SHAPE), posterior_scale="relu")
