"""AE: the shared model case and the code-size check."""

import pytest

import zoo
from zoo import networks

from model_case import run_model_test
from tiny_models import tiny_images

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def batch():
    return tiny_images(16, image_shape=SHAPE)


def ae_kwargs():
    return {"encoder": networks.mlp_encoder(SHAPE, 6, units=32, depth=2),
            "decoder": networks.residual_mlp_decoder(6, SHAPE, units=32, blocks=1)}


def test_model_case(batch, tmp_path):
    run_model_test(zoo.AE, ae_kwargs, batch, tmp_path)


def test_code_size_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="the encoder outputs 5 values but the decoder takes 4"):
        zoo.AE(networks.mlp_encoder(SHAPE, 5), networks.mlp_decoder(4, SHAPE))
