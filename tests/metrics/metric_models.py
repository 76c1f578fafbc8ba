"""Affine (linear-Gaussian) VAEs whose metrics have closed forms, for the metric tests."""

import keras
import numpy as np

import zoo


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


