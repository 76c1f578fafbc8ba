"""The tests' one factory of tiny models of every zoo class (8 x 8 x 1 images, 16 units).

`tiny_model(kind)` perturbs the weights randomly (biases and log gamma included), so that no
test can pass by returning a constant of the initial weights; `tiny_vae` is a freshly
initialised, seeded GaussianVAE for training tests; `affine_vae` is a linear-Gaussian VAE whose
metrics have closed forms (with `exact_posterior_encoder`, its exact posterior).
"""

import keras
import numpy as np

import zoo
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


def _dense_model(in_dim, out_dim, kernel, bias):
    model = keras.Sequential([keras.Input((in_dim,)), keras.layers.Dense(out_dim)])
    model.layers[-1].set_weights([np.asarray(kernel, np.float32), np.asarray(bias, np.float32)])
    return model


def affine_vae(decoder_weight, decoder_bias, gamma, encoder_kernel, encoder_bias):
    """GaussianVAE with x_mean = W z + b (W [D, L]) and encoder stats = x K + c (K [D, 2L]).

    Fixed gamma (a variance): the linear-Gaussian model x = W z + b + n, z ~ N(0, I),
    n ~ N(0, gamma I), i.e. x ~ N(b, W W^T + gamma I) (probabilistic PCA).
    """
    w = np.asarray(decoder_weight, np.float64)
    d, latent = w.shape
    encoder = _dense_model(d, 2 * latent, encoder_kernel, encoder_bias)
    decoder = _dense_model(latent, d, w.T, decoder_bias)
    return zoo.GaussianVAE(encoder, decoder, gamma=float(gamma))


def exact_posterior_encoder(w, b, gamma):
    """(kernel, bias) of the encoder that outputs the exact posterior of the affine model.

    With orthogonal columns of W (W^T W = diag(s^2)) the posterior is
    q(z|x) = N(S W^T (x - b) / gamma, S),  S = diag(1 / (1 + s^2 / gamma)),
    diagonal, with a constant log std 0.5 log S.
    """
    w = np.asarray(w, np.float64)
    gram = w.T @ w
    assert np.allclose(gram, np.diag(np.diag(gram))), "columns of W must be orthogonal"
    s = 1.0 / (1.0 + np.diag(gram) / gamma)
    mean_kernel = w * s / gamma                                   # [D, L]
    kernel = np.concatenate([mean_kernel, np.zeros_like(mean_kernel)], axis=1)
    bias = np.concatenate([-np.asarray(b) @ mean_kernel, 0.5 * np.log(s)])
    return kernel, bias


def affine_two_stage(first_weight, first_bias, first_gamma, second_scale, second_bias,
                     second_gamma):
    """A linear-Gaussian TwoStageVAE whose encoders are the exact posteriors of the model

    ```none
    u ~ N(0, I),  z = diag(a) u + m + n_2,  x = W z + b + n_1,  n_i ~ N(0, gamma_i I)
    ```
    (W [D, L] with orthogonal columns, a = `second_scale`, m = `second_bias`), so that every
    importance weight of both stages equals its marginal: the second stage's prior of z is
    N(m, C), C = diag(a^2) + gamma_2 I, and x ~ N(W m + b, W C W^T + gamma_1 I). The first
    encoder is the posterior under N(m, C) (not N(0, I)), precision P = C^-1 + W^T W / gamma_1.
    Returns (model, mean of x, covariance of x).
    """
    w = np.asarray(first_weight, np.float64)
    a, m = np.asarray(second_scale, np.float64), np.asarray(second_bias, np.float64)
    second = affine_vae(np.diag(a), m, second_gamma,
                        *exact_posterior_encoder(np.diag(a), m, second_gamma))
    c = a ** 2 + second_gamma
    gram = w.T @ w
    assert np.allclose(gram, np.diag(np.diag(gram))), "columns of W must be orthogonal"
    precision = 1.0 / c + np.diag(gram) / first_gamma
    mean_kernel = w / precision / first_gamma                     # [D, L]
    kernel = np.concatenate([mean_kernel, np.zeros_like(mean_kernel)], axis=1)
    bias = np.concatenate([m / c / precision - np.asarray(first_bias) @ mean_kernel,
                           -0.5 * np.log(precision)])
    first = affine_vae(w, first_bias, first_gamma, kernel, bias)
    model = zoo.TwoStageVAE(first, second)
    return model, w @ m + first_bias, w @ np.diag(c) @ w.T + first_gamma * np.eye(len(w))
