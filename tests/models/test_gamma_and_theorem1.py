"""The two facts about learnable gamma that the papers build on.

1. With encoder and decoder fixed, the loss is minimised over gamma at the per-dimension MSE
   (VAE-OOD paper, footnote 2): d/d(log gamma) [sq / (2 gamma) + d/2 log gamma] = 0
   <=> gamma* = E||x - mu_x||^2 / d.
2. Theorem 1 (regularization-balance paper): an affine VAE with learnable gamma, trained on data
   from an r-dimensional linear subspace, recovers the principal subspace with r active dims.
"""

import numpy as np
import keras
import scipy.linalg

import zoo


def affine_vae(data_dim, latent_dim, **kwargs):
    encoder = keras.Sequential([keras.Input((data_dim,)), keras.layers.Dense(2 * latent_dim)])
    decoder = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(data_dim)])
    return zoo.GaussianVAE(encoder, decoder, **kwargs)


def test_learning_only_gamma_converges_to_the_per_dimension_mse():
    keras.utils.set_random_seed(0)
    x = np.random.RandomState(0).normal(size=(64, 10)).astype("float32")
    model = affine_vae(10, 3, gamma_init=1.0)
    kernel, bias = model.encoder.layers[-1].get_weights()
    kernel[:, 3:] = 0.0
    bias[3:] = -12.0  # sigma_z = 6e-6: z equals the posterior mean to float precision
    model.encoder.layers[-1].set_weights([kernel, bias])
    model.encoder.trainable = False
    model.decoder.trainable = False
    assert [w.path for w in model.trainable_weights] == [model.decoder_scale.path]
    model.compile(optimizer=keras.optimizers.SGD(0.02))
    model.fit(x, batch_size=64, epochs=300, verbose=0)
    mse = np.mean(np.sum((x - model.reconstruct(x).numpy()) ** 2, axis=1)) / 10
    np.testing.assert_allclose(float(model.gamma), mse, rtol=1e-3)


def test_affine_vae_recovers_the_principal_subspace_with_r_active_dims():
    keras.utils.set_random_seed(1)
    rng = np.random.RandomState(1)
    d, r, kappa, n = 10, 3, 6, 1000
    basis, _ = np.linalg.qr(rng.normal(size=(d, r)))
    x = (rng.normal(size=(n, r)) * [3.0, 2.0, 1.0]) @ basis.T + rng.normal(size=d)
    x = x.astype("float32")
    model = affine_vae(d, kappa)
    # 5,000 Adam steps; gamma falls from 1 to ~1e-5. (With other seeds a run can sit near
    # gamma ~ 1 for longer than this budget: the slow early phase of the homotopy.)
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([4000], [1e-2, 1e-3])
    model.compile(optimizer=keras.optimizers.Adam(schedule), steps_per_execution=50)
    model.fit(x, batch_size=100, epochs=500, verbose=0)

    z_mean, _ = model.encode(x)
    active = np.var(z_mean.numpy(), axis=0) > 0.01
    assert active.sum() == r, f"{active.sum()} active dims, expected {r}"
    assert float(model.gamma) < 1e-3
    w = model.decoder.layers[-1].get_weights()[0].T  # [d, kappa]: x = W z + b
    angles = scipy.linalg.subspace_angles(w[:, active], basis)
    assert np.max(angles) < 0.05, f"principal angles {angles}"
