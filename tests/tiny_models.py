"""The tests' one factory of tiny models of every zoo class (8 x 8 x 1 images, 16 units).

`tiny_model(kind)` perturbs the weights randomly (biases and log gamma included), so that no
test can pass by returning a constant of the initial weights; `tiny_vae` is a freshly
initialised, seeded GaussianVAE for training tests.
"""

import keras
import numpy as np

from zoo import builders

IMAGE_SHAPE = (8, 8, 1)
SMALL = {"units": 16, "encoder_depth": 2, "decoder_blocks": 1}


def perturb(model, seed=0, scale=0.05):
    """Add N(0, scale^2) noise to every float weight, so none keeps its initial value."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        if "float" in str(variable.dtype):
            value = np.asarray(variable.numpy())
            variable.assign((value + scale * rng.normal(size=value.shape)).astype(value.dtype))
    return model


def tiny_model(kind, image_shape=IMAGE_SHAPE, latent_dim=4, seed=0):
    """A small built model of class `kind` with non-trivial (perturbed) weights."""
    keras.utils.set_random_seed(seed)
    if kind == "AE":
        model = builders.mlp_ae(image_shape, latent_dim=latent_dim, **SMALL)
    elif kind == "GaussianVAE":
        model = builders.mlp_vae(image_shape, latent_dim=latent_dim, **SMALL)
    elif kind == "WAEMMD":
        model = builders.mlp_wae(image_shape, latent_dim=latent_dim, **SMALL)
    elif kind == "TwoStageVAE":
        model = builders.two_stage_vae(builders.mlp_vae(image_shape, latent_dim=latent_dim,
                                                        **SMALL), units=16, depth=1)
    elif kind == "VAEPlus":
        ae = builders.mlp_ae(image_shape, latent_dim=2 * latent_dim, **SMALL)
        model = builders.vae_plus(ae, latent_dim=latent_dim - 1, units=16, depth=1)
    else:
        raise ValueError(kind)
    return perturb(model, seed=seed)


def tiny_vae(latent_dim=3, seed=0, image_shape=IMAGE_SHAPE, **vae_kwargs):
    """A seeded, freshly initialised MLP GaussianVAE (`builders.mlp_vae` with `SMALL` sizes)."""
    keras.utils.set_random_seed(seed)
    return builders.mlp_vae(image_shape, latent_dim=latent_dim, **SMALL, **vae_kwargs)


def tiny_images(num=16, seed=0, image_shape=IMAGE_SHAPE):
    """`num` uniform [0, 1) float32 images."""
    return np.random.default_rng(seed).uniform(size=(num, *image_shape)).astype(np.float32)


KINDS = ("AE", "GaussianVAE", "WAEMMD", "TwoStageVAE", "VAEPlus")
VAE_FAMILY = ("GaussianVAE", "TwoStageVAE", "VAEPlus")
