"""WAEMMD: the shared model case and its weight checks."""

import pytest

import zoo
from zoo import networks

from model_case import run_model_test
from tiny_models import tiny_images

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def batch():
    return tiny_images(16, image_shape=SHAPE)


def wae_kwargs():
    return {"encoder": networks.mlp_encoder(SHAPE, 4, units=32, depth=2),
            "decoder": networks.residual_mlp_decoder(4, SHAPE, units=32, blocks=1),
            "mmd_weight": 10.0, "reconstruction_scale": 1.0}


def test_model_case(batch, tmp_path):
    run_model_test(zoo.WAEMMD, wae_kwargs, batch, tmp_path)


def test_bad_weights_are_refused():
    with pytest.raises(ValueError, match="mmd_weight >= 0 and reconstruction_scale > 0"):
        zoo.WAEMMD(**{**wae_kwargs(), "mmd_weight": -1.0})
