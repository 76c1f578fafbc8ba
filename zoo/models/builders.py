"""Ready-made models of the papers, built from `zoo.networks`.

Each function returns an uncompiled model; the defaults are the papers' values.
"""

from zoo import networks
from zoo.models.ae import AE
from zoo.models.gaussian_vae import GaussianVAE
from zoo.models.two_stage_vae import TwoStageVAE
from zoo.models.vae_plus import VAEPlus
from zoo.models.wae_mmd import WAEMMD


def _check_latent(latent_dim):
    if not (isinstance(latent_dim, int) and latent_dim >= 1):
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}")


def mlp_vae(input_shape=(28, 28, 1), latent_dim=64, units=200, encoder_depth=6,
            decoder_blocks=3, affine_skip=True, **vae_kwargs):
    """The reg-balance MNIST MLP GaussianVAE (Table 1): 6 tanh dense layers in the encoder,
    3 residual blocks of 2 in the decoder, 200 units, learnable gamma, affine skip (eq. 5)."""
    _check_latent(latent_dim)
    return GaussianVAE(
        networks.mlp_encoder(input_shape, 2 * latent_dim, units=units, depth=encoder_depth),
        networks.residual_mlp_decoder(latent_dim, input_shape, units=units,
                                      blocks=decoder_blocks),
        affine_skip=affine_skip, **vae_kwargs)


def mlp_ae(input_shape=(28, 28, 1), latent_dim=64, units=200, encoder_depth=6,
           decoder_blocks=3, **ae_kwargs):
    """An unregularized AE with the MNIST MLP's encoder and decoder."""
    _check_latent(latent_dim)
    return AE(networks.mlp_encoder(input_shape, latent_dim, units=units, depth=encoder_depth),
              networks.residual_mlp_decoder(latent_dim, input_shape, units=units,
                                            blocks=decoder_blocks),
              **ae_kwargs)


def mlp_wae(input_shape=(28, 28, 1), latent_dim=64, units=200, encoder_depth=6,
            decoder_blocks=3, **wae_kwargs):
    """WAE-MMD with the MNIST MLP's encoder and decoder."""
    _check_latent(latent_dim)
    return WAEMMD(networks.mlp_encoder(input_shape, latent_dim, units=units,
                                       depth=encoder_depth),
                  networks.residual_mlp_decoder(latent_dim, input_shape, units=units,
                                                blocks=decoder_blocks),
                  **wae_kwargs)


def skip_vae(code_dim, latent_dim, units=1024, depth=3, affine_skip=True, **vae_kwargs):
    """A GaussianVAE on vectors with the two-stage VAE's second-stage network (3 x Dense(1024,
    ReLU) with the concat skip); with `affine_skip` it is VAE+'s small skip VAE."""
    _check_latent(latent_dim)
    return GaussianVAE(
        networks.second_stage_encoder(code_dim, 2 * latent_dim, units=units, depth=depth),
        networks.second_stage_decoder(latent_dim, code_dim, units=units, depth=depth),
        affine_skip=affine_skip, **vae_kwargs)


def two_stage_vae(first, units=1024, depth=3, **second_kwargs):
    """TwoStageVAE: `first`, then a second-stage VAE with u of the same size as z."""
    second = skip_vae(first.latent_dim, first.latent_dim, units=units, depth=depth,
                      affine_skip=False, **second_kwargs)
    return TwoStageVAE(first, second)


def vae_plus(ae, latent_dim=None, units=1024, depth=3, second_units=None, **vae_kwargs):
    """VAEPlus: `ae`, a skip VAE on its code (kappa = code size by default), a second stage
    (`second_units` wide; default `units`, the paper's same structure)."""
    latent_dim = ae.latent_dim if latent_dim is None else latent_dim
    first = skip_vae(ae.latent_dim, latent_dim, units=units, depth=depth, affine_skip=True,
                     **vae_kwargs)
    second = skip_vae(latent_dim, latent_dim, units=second_units or units, depth=depth,
                      affine_skip=False, **vae_kwargs)
    return VAEPlus(ae, first, second)


def wae_on_ae(ae, latent_dim, units=1024, depth=3, **wae_kwargs):
    """WAE-MMD in VAE+'s aggregate (reg-balance Tables 3-4): the frozen encoder of `ae`, a
    small network to z (`latent_dim`), a small network back to the code, the frozen decoder of
    `ae`; trained in pixel space. Freezes `ae`'s encoder and decoder."""
    import keras

    ae.encoder.trainable = ae.decoder.trainable = False
    code = ae.latent_dim
    encoder = keras.Sequential([keras.Input(ae.input_shape_), ae.encoder,
                                networks.second_stage_encoder(code, latent_dim, units=units,
                                                              depth=depth)], name="wae_encoder")
    decoder = keras.Sequential([keras.Input((latent_dim,)), networks.second_stage_decoder(
        latent_dim, code, units=units, depth=depth), ae.decoder], name="wae_decoder")
    return WAEMMD(encoder, decoder, **wae_kwargs)


def conv_vae(input_shape=(28, 28, 1), latent_dim=64, width=1.0, **vae_kwargs):
    """The VAE-OOD paper's conv VAE (Binkowski et al. baseline) with capacity multiplier
    `width` (alpha) and learnable gamma."""
    _check_latent(latent_dim)
    return GaussianVAE(networks.conv_encoder(input_shape, 2 * latent_dim, width=width),
                       networks.conv_decoder(latent_dim, input_shape, width=width),
                       **vae_kwargs)


def infogan_vae(input_shape=(28, 28, 1), latent_dim=64, width=1.0, **vae_kwargs):
    """The two-stage VAE paper's first stage: the InfoGAN-style conv network with channel
    multiplier `width`, learnable gamma and sigma_z = softplus(.) + 1e-6 as in the reference
    code (with `exp`, BatchNorm's training-mode spikes in the encoder head sent the KL to 1e9)."""
    _check_latent(latent_dim)
    return GaussianVAE(networks.infogan_encoder(input_shape, 2 * latent_dim, width=width),
                       networks.infogan_decoder(latent_dim, input_shape, width=width),
                       posterior_scale="softplus", **vae_kwargs)


def infogan_wae(input_shape=(28, 28, 1), latent_dim=64, width=1.0, **wae_kwargs):
    """WAE-MMD on `infogan_vae`'s network (a deterministic encoder of `latent_dim` outputs)."""
    _check_latent(latent_dim)
    return WAEMMD(networks.infogan_encoder(input_shape, latent_dim, width=width),
                  networks.infogan_decoder(latent_dim, input_shape, width=width), **wae_kwargs)


def celeba_ae(resolution=128):
    """The reg-balance supplement's CelebA AE (Figure 2): a 4 x 4 x 4 = 64-dim code."""
    return AE(networks.celeba_ae_encoder(resolution), networks.celeba_ae_decoder(resolution))
