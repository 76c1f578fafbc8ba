"""TwoStageVAE: the shared model case (stage by stage), the stage checks, and stage 2 on
precomputed posterior moments (`stage_data`)."""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import builders, training

from model_case import run_model_test
from tiny_models import tiny_images, tiny_model

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def batch():
    return tiny_images(16, image_shape=SHAPE)


def two_stage_kwargs():
    return {"first": builders.mlp_vae(SHAPE, latent_dim=4, units=32, encoder_depth=2,
                                      decoder_blocks=1),
            "second": builders.skip_vae(4, 4, units=16, affine_skip=False)}


def test_model_case(batch, tmp_path):
    run_model_test(zoo.TwoStageVAE, two_stage_kwargs, batch, tmp_path, steps=20)


def test_stage_errors_name_the_stages():
    with pytest.raises(ValueError, match=r"stages \[1, 2\]"):
        zoo.TwoStageVAE(**two_stage_kwargs()).set_stage(0)


def test_stages_that_do_not_fit_together_are_refused():
    with pytest.raises(ValueError, match=r"must map \[N, 4\] vectors"):
        zoo.TwoStageVAE(two_stage_kwargs()["first"], builders.skip_vae(3, 3, units=8))


def moments_and_images(kind="TwoStageVAE", num=20, batch_size=8):
    """A tiny model of `kind` at stage 2, a make_dataset of `num` images in batches, and its
    stage-2 data function."""
    model = tiny_model(kind)
    model.set_stage(2)
    images = tiny_images(num, seed=1)

    def make_dataset():
        return tf.data.Dataset.from_tensor_slices(images).batch(batch_size)

    return model, images, make_dataset, model.stage_data(2, make_dataset)


@pytest.mark.parametrize("kind", ["TwoStageVAE", "VAEPlus"])
def test_stage_2_data_are_the_posterior_moments_of_every_image_once(kind):
    model, images, make_dataset, make_moments = moments_and_images(kind)
    mean, log_scale = model.encode(images)
    batches = list(make_moments())
    assert [len(b["z_mean"]) for b in batches] == [len(b) for b in make_dataset()]  # 8, 8, 4
    got = {name: np.concatenate([b[name] for b in batches]) for name in batches[0]}
    order = np.argsort(got["z_mean"][:, 0])
    expected_order = np.argsort(np.asarray(mean)[:, 0])
    np.testing.assert_allclose(got["z_mean"][order], np.asarray(mean)[expected_order],
                               atol=1e-5)
    np.testing.assert_allclose(got["z_log_scale"][order],
                               np.asarray(log_scale)[expected_order], atol=1e-5)


def test_stage_2_data_reshuffle_each_epoch_and_replay_from_a_fresh_dataset():
    _, _, _, make_moments = moments_and_images()
    data = make_moments()
    first, second = ([b["z_mean"][:, 0] for b in data] for _ in range(2))
    replay = [b["z_mean"][:, 0] for b in make_moments()]
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(replay))


def test_equal_batches_stay_equal_and_other_stages_keep_the_images():
    model, _, make_dataset, make_moments = moments_and_images(num=16, batch_size=8)
    assert [len(b["z_mean"]) for b in make_moments()] == [8, 8]
    assert model.stage_data(1, make_dataset) is make_dataset


@pytest.mark.parametrize("kind", ["TwoStageVAE", "VAEPlus"])
def test_stage_2_loss_on_moments_is_the_loss_on_images(kind):
    """Same seed-generator state -> same eps -> the same z and the same loss terms."""
    model, images, _, _ = moments_and_images(kind)
    mean, log_scale = model.encode(images)
    generators = [model.first.seed_generator, model.second.seed_generator]
    states = [g.state.numpy() for g in generators]

    def rewind():
        for generator, state in zip(generators, states):
            generator.state.assign(state)

    on_images = model.loss_terms(images, training=False)
    rewind()
    on_moments = model.loss_terms({"z_mean": mean, "z_log_scale": log_scale}, training=False)
    for name, value in on_images.items():
        np.testing.assert_allclose(float(on_moments[name]), float(value), rtol=1e-5, atol=1e-4)
    rewind()
    shifted = model.loss_terms({"z_mean": mean + 3.0, "z_log_scale": log_scale})
    assert abs(float(shifted["loss"]) - float(on_images["loss"])) > 1e-2  # the moments count


def test_train_runs_stage_2_on_the_moments(tmp_path):
    """`zoo.training.train` trains stage 2 from `stage_data`: the first stage is untouched, the
    second learns (its loss on the images falls), and a re-run loads both stages."""
    model = tiny_model("TwoStageVAE")
    images = tiny_images(64, seed=2)
    first_before = [w.numpy().copy() for w in model.first.weights]
    model.set_stage(2)
    before = float(model.loss_terms(images)["loss"])
    make_dataset = lambda: tf.data.Dataset.from_tensor_slices(images).batch(16)  # noqa: E731
    training.train(model, make_dataset, str(tmp_path), epochs={1: 0, 2: 30},
                   learning_rate=1e-2, verbose=0)
    model.set_stage(2)
    after = float(model.loss_terms(images)["loss"])
    assert after < before - 1.0
    for old, new in zip(first_before, model.first.weights):
        np.testing.assert_array_equal(old, new.numpy())


def test_stage_2_keeps_the_images_under_a_distribution_strategy():
    """Keras' distributed fit cannot split dict batches per replica (the multi-worker run)."""
    with tf.distribute.OneDeviceStrategy("/cpu:0").scope():
        model = tiny_model("TwoStageVAE")

    def make_dataset():
        return tf.data.Dataset.from_tensor_slices(tiny_images(8)).batch(4)

    assert model.stage_data(2, make_dataset) is make_dataset


@pytest.mark.parametrize("kind", ["TwoStageVAE", "VAEPlus"])
def test_second_stage_reconstruction_decodes_a_draw_of_the_aggregate_posterior(kind):
    """z ~ q(z|x) (VAE+: of the AE code), u ~ q(u|z), then `sample`'s path from u."""
    model, images, _, _ = moments_and_images(kind)
    got = np.asarray(model.second_stage_reconstruction(images, seed=5))

    def normal(shape, stream):
        return tf.random.stateless_normal(shape, seed=tf.constant([5, stream], tf.int64))

    z_mean, z_log_scale = model.encode(images)
    z = z_mean + tf.exp(z_log_scale) * normal(z_mean.shape, 2)
    u_mean, u_log_scale = model.second.encode(z)
    u = u_mean + tf.exp(u_log_scale) * normal(u_mean.shape, 3)
    z_hat = model.second.decode(u) + tf.sqrt(model.second.gamma) * normal(z_mean.shape, 1)
    np.testing.assert_allclose(got, model.decode(z_hat), atol=1e-5)
    assert got.shape == images.shape
    np.testing.assert_array_equal(got, model.second_stage_reconstruction(images, seed=5))
    assert not np.allclose(got, model.second_stage_reconstruction(images, seed=6), atol=1e-3)
    # From u ~ N(0, I) instead, the same path is `sample`.
    noise = model.sample_noise(len(images), 5)
    z_hat = model.second.decode(noise) + tf.sqrt(model.second.gamma) * normal(z_mean.shape, 1)
    np.testing.assert_allclose(model.sample(len(images), seed=5), model.decode(z_hat), atol=1e-5)
