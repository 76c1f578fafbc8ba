"""TwoStageVAE: the shared model case (stage by stage) and the stage checks."""

import pytest

import zoo
from zoo import builders

from model_case import run_model_test
from tiny_models import tiny_images

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
