"""Network builders of the papers; each returns a functional `keras.Model`.

Encoders map inputs to a vector of `output_dim` (2 * latent_dim for a Gaussian VAE: the posterior
mean and log standard deviation); decoders map a latent vector to the output's shape.
"""

from zoo.networks.celeba_ae import celeba_ae_decoder, celeba_ae_encoder
from zoo.networks.conv import conv_decoder, conv_encoder
from zoo.networks.depth_family import (depth_conv_decoder, depth_conv_encoder,
                                      depth_residual_decoder, depth_residual_encoder)
from zoo.networks.infogan import infogan_decoder, infogan_encoder
from zoo.networks.mlp import mlp_decoder, mlp_encoder, residual_mlp_decoder
from zoo.networks.second_stage import second_stage_decoder, second_stage_encoder

__all__ = [
    "celeba_ae_decoder", "celeba_ae_encoder", "conv_decoder", "conv_encoder",
    "depth_conv_decoder", "depth_conv_encoder", "depth_residual_decoder",
    "depth_residual_encoder", "infogan_decoder", "infogan_encoder", "mlp_decoder", "mlp_encoder",
    "residual_mlp_decoder", "second_stage_decoder", "second_stage_encoder",
]
