"""Every model: shapes, config and .keras round trips, training and evaluation behaviour."""

import numpy as np
import keras
import pytest

import zoo
from zoo import builders

from model_case import (changed, check_config_round_trip, check_keras_file_round_trip,
                        check_shapes, check_training_step, state_weights)

SHAPE = (8, 8, 1)


def tiny_ae():
    return builders.mlp_ae(SHAPE, latent_dim=6, units=32, encoder_depth=2, decoder_blocks=1)


def make(name):
    keras.utils.set_random_seed(0)
    if name == "AE":
        return tiny_ae()
    if name == "GaussianVAE":
        return builders.mlp_vae(SHAPE, latent_dim=4, units=32, encoder_depth=2,
                                decoder_blocks=1, kl_warmup_steps=5, seed=1)
    if name == "WAEMMD":
        return builders.mlp_wae(SHAPE, latent_dim=4, units=32, encoder_depth=2,
                                decoder_blocks=1, mmd_weight=10.0, reconstruction_scale=1.0)
    if name == "TwoStageVAE":
        first = builders.mlp_vae(SHAPE, latent_dim=4, units=32, encoder_depth=2, decoder_blocks=1)
        return builders.two_stage_vae(first, units=16)
    if name == "VAEPlus":
        return builders.vae_plus(tiny_ae(), latent_dim=4, units=16)
    raise ValueError(name)


NAMES = ["AE", "GaussianVAE", "WAEMMD", "TwoStageVAE", "VAEPlus"]


@pytest.fixture(scope="module")
def batch():
    return np.random.RandomState(0).uniform(size=(16, *SHAPE)).astype("float32")


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_seeded_sampling(name, batch):
    check_shapes(make(name), batch)


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name, batch):
    check_config_round_trip(make(name), batch)


@pytest.mark.parametrize("name", NAMES)
def test_keras_file_round_trip(name, batch, tmp_path):
    check_keras_file_round_trip(make(name), batch, tmp_path)


@pytest.mark.parametrize("name", ["AE", "GaussianVAE", "WAEMMD"])
def test_training_lowers_loss_and_evaluation_changes_nothing(name, batch):
    check_training_step(make(name), batch)


@pytest.mark.parametrize("name", ["TwoStageVAE", "VAEPlus"])
def test_each_stage_trains_only_its_own_weights(name, batch):
    model = make(name)
    owned = {number: {id(w) for w in sub.weights}
             for number, sub in model.stage_models().items()}
    for stage in model.stages:
        before = state_weights(model)
        model.set_stage(stage)
        check_training_step(model, batch, steps=20)
        moved = changed(before, state_weights(model))
        assert moved, f"stage {stage} changed nothing"
        assert moved <= owned[stage], f"stage {stage} changed weights of other stages"


def test_stage_errors_name_the_stages():
    with pytest.raises(ValueError, match=r"stages \[1, 2\]"):
        make("TwoStageVAE").set_stage(0)


def test_encoder_decoder_mismatch_is_a_clear_error():
    from zoo import networks
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
    from zoo import networks
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
