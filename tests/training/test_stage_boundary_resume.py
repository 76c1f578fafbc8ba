"""A multi-stage model killed at a stage boundary (a stage's checkpoint written, the next stage
not begun) resumes to the weights of an uninterrupted run: every stage starts its noise from a
state of its own (`zoo.training.backup.restart_seed_states`), not from wherever the earlier
stages left the SeedGenerators."""

import os
import shutil

import keras
import numpy as np
import pytest

from zoo import builders, data, training


def two_stage():
    keras.utils.set_random_seed(0)
    first = builders.mlp_vae((8, 8, 1), latent_dim=3, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    return builders.two_stage_vae(first, units=8, depth=1, seed=0)


def vae_plus():
    keras.utils.set_random_seed(0)
    ae = builders.mlp_ae((8, 8, 1), latent_dim=4, units=8, encoder_depth=1, decoder_blocks=1)
    return builders.vae_plus(ae, latent_dim=2, units=8, depth=1, seed=0)


def train(build, workdir, epochs):
    model = build()
    dataset = lambda: data.load("sklearn:digits", "train[:256]", batch_size=32,  # noqa: E731
                                shuffle=True, seed=0)  # a function: the exact-resume form
    training.train(model, dataset, workdir, epochs=epochs, learning_rate=1e-3, verbose=0)
    return [np.asarray(v) for v in model.weights]


@pytest.mark.parametrize("build,epochs,boundary", [
    (two_stage, {1: 1, 2: 1}, "stage_1"),
    (vae_plus, {0: 1, 1: 1, 2: 1}, "stage_1")])
def test_a_kill_at_a_stage_boundary_resumes_to_the_uninterrupted_weights(tmp_path, build, epochs,
                                                                         boundary):
    whole = train(build, tmp_path / "whole", epochs)
    killed = tmp_path / "killed"
    train(build, killed, epochs)
    # Undo every stage after `boundary`, as a kill right after its checkpoint leaves the folder.
    names = [f"stage_{s}" for s in sorted(epochs)]
    for later in names[names.index(boundary) + 1:]:
        for suffix in (".weights.h5", ".json"):
            os.remove(killed / "checkpoints" / f"{later}{suffix}")
        shutil.rmtree(killed / "backup" / later, ignore_errors=True)
    resumed = train(build, killed, epochs)
    for a, b in zip(whole, resumed):
        np.testing.assert_array_equal(a, b)
