"""Shapes and channel plans of the `zoo.networks` builders."""

import pytest

from zoo import networks


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3)])
def test_depth_family_and_infogan_shapes(shape):
    for encoder, decoder in [
            (networks.depth_conv_encoder(shape, 6, convs_per_scale=2, base_channels=2),
             networks.depth_conv_decoder(3, shape, convs_per_scale=2, base_channels=2)),
            (networks.depth_residual_encoder(shape, 6, 2, 3, base_channels=2),
             networks.depth_residual_decoder(3, shape, 2, 3, base_channels=2)),
            (networks.infogan_encoder(shape, 6, width=0.0625),
             networks.infogan_decoder(3, shape, width=0.0625))]:
        assert encoder.output_shape == (None, 6)
        assert decoder.output_shape == (None, *shape)
    # The paper's channel plan: 64 at 32 x 32, doubling per halving, 512 at 4 x 4.
    encoder = networks.depth_conv_encoder((32, 32, 3), 128, convs_per_scale=1)
    assert [layer.filters for layer in encoder.layers if hasattr(layer, "filters")] == \
        [64, 128, 256, 512]
