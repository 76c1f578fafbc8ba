"""The papers' published numbers, in one place (transcribed from /shared/papers/SPEC.md).

Plain dicts keyed the way the recipes key their own results, so a results table can put our
number and the paper's side by side. Papers:

- reg-balance: Dai, Wang, Wipf et al., "On the Regularization Balance in Autoencoder-Based
  Generative Models" (and its supplement).
- unbounded-gradients: Dai, Wipf et al., on learnable gamma and unbounded gradients.
- two-stage: Dai & Wipf, "Diagnosing and Enhancing VAE Models", ICLR 2019.
- vae-ood: "When VAEs know what they don't know" (Fashion-MNIST / CIFAR-10 inliers).
"""

# reg-balance Table 1: MNIST, test reconstruction error (sum of squares over pixels in [0, 1]),
# test NLL (IWAE, nats; negative because the density of continuous data is unbounded) and
# active dims (Burda et al.), by latent size kappa. Paper MLP with skip connections.
MNIST_KAPPA_SWEEP = {
    50: {"reconstruction_error": 4.98, "nll": -315.0, "active_dims": 10},
    100: {"reconstruction_error": 3.42, "nll": -580.0, "active_dims": 15},
    200: {"reconstruction_error": 2.74, "nll": -718.0, "active_dims": 20},
    400: {"reconstruction_error": 2.57, "nll": -743.0, "active_dims": 22},
    784: {"reconstruction_error": 2.78, "nll": -806.0, "active_dims": 22},
}
# Same section, text only: without skip connections the deep model over-regularizes completely.
MNIST_NO_SKIP_ACTIVE_DIMS = 0

# reg-balance Table 2 (= unbounded-gradients Figure 4a): reconstruction error and
# MMD(q(z), N(0, I)), learnable gamma vs gamma fixed at the learned gamma*.
LEARNABLE_VS_FIXED_GAMMA = {
    "celeba64": {"learnable": {"reconstruction_error": 60.5, "mmd": 20.24},
                 "fixed": {"reconstruction_error": 59.6, "mmd": 69.59}},
    "celeba128": {"learnable": {"reconstruction_error": 352.8, "mmd": 93.3},
                  "fixed": {"reconstruction_error": 349.9, "mmd": 291.8}},
}

# reg-balance Table 3: FID of reconstructions and of generated samples, CelebA 128 x 128.
# "downsample": the original images against their 64 x 64 downsampled versions.
CELEBA128_FID = {
    "downsample": {"reconstruction_fid": 39.2, "generation_fid": 39.2},
    "wae_mmd": {"reconstruction_fid": 59.8, "generation_fid": 66.9},
    "vae": {"reconstruction_fid": 45.9, "generation_fid": 64.8},
    "vae_plus": {"reconstruction_fid": 45.6, "generation_fid": 47.5},
}

# reg-balance Table 4: NDB / K on CelebA 128 x 128 for K = 100, 200, 300 bins.
CELEBA128_NDB = {
    "downsample": {100: 0.05, 200: 0.06, 300: 0.04},
    "wae_mmd": {100: 0.64, 200: 0.62, 300: 0.58},
    "vae": {100: 0.88, 200: 0.85, 300: 0.81},
    "vae_plus": {100: 0.29, 200: 0.28, 300: 0.24},
}

# unbounded-gradients Figure 3: 1D slices of the VAE objective for these gamma (the text lists
# 10^-2, 10^-2, 10^-4, 1; the figure legend reads 1e-3 ... 1). Qualitative: disconnected local
# minima appear only for small gamma; the minimiser moves to the optimal sparse solution (0).
GAMMA_SLICES_GAMMAS = (1e-3, 1e-2, 1e-1, 1.0)

# reg-balance Theorem 1 (qualitative): an affine VAE with learnable gamma on data in an
# r-dimensional affine subspace has, at any local minimum as gamma -> 0, exactly r active dims
# whose decoder columns span the principal (PCA) subspace: principal angles 0.
THEOREM_1 = {"active_dims": "r", "max_principal_angle": 0.0, "gamma": 0.0}

# two-stage Table (FID, InfoGAN-style net, kappa 64, 10 trials).
TWO_STAGE_FID = {
    "two_stage_vae": {"mnist": 12.6, "fashion_mnist": 29.3, "cifar10": 72.9, "celeba": 44.4},
    "first_stage_only": {"mnist": 54.5, "fashion_mnist": 60.0, "cifar10": 76.7,
                         "celeba": 60.5},
    "wae_mmd": {"mnist": 115.0, "fashion_mnist": 101.7, "cifar10": 80.9, "celeba": 62.9},
}

# vae-ood Table 1 (Fashion-MNIST inlier, capacity x1, kappa 16 .. 512) and Table 2 (CIFAR-10
# inlier, kappa 32, capacity x1/4 .. x4): SPEC.md gives only the two ends of each range,
# (first setting, last setting); bits per dim, gamma the learned decoder variance.
VAE_OOD_FASHION_KAPPA_ENDS = {
    "fashion_train_bpd": (2.375, 2.020), "fashion_test_bpd": (2.805, 2.301),
    "mnist_test_bpd": (9.598, 4.351), "gamma": (0.0055, 0.0024),
}
VAE_OOD_GLOW_BPD = {"fashion_train": 2.902, "fashion_test": 2.958, "mnist_test": 1.833}
VAE_OOD_CIFAR_CAPACITY_ENDS = {
    "cifar_test_bpd": (2.824, 1.726), "svhn_bpd": (2.404, 3.367),
    "celeba_bpd": (2.844, 6.424), "gamma": (0.0110, 0.0024),
}

# vae-ood Tables 1-2 in full (the paper's text). Table 1: Fashion-MNIST inlier, capacity x1, by
# kappa. Table 2: CIFAR-10 inlier, kappa 32, by capacity multiplier alpha. Bits per dim of the
# dequantized 8-bit data; gamma the learned decoder variance.
VAE_OOD_FASHION_BY_KAPPA = {
    16: {"train_bpd": 2.375, "test_bpd": 2.805, "mnist_bpd": 9.598, "gamma": 0.0055},
    32: {"train_bpd": 2.208, "test_bpd": 2.690, "mnist_bpd": 8.618, "gamma": 0.0040},
    64: {"train_bpd": 2.084, "test_bpd": 2.562, "mnist_bpd": 6.294, "gamma": 0.0030},
    128: {"train_bpd": 2.009, "test_bpd": 2.424, "mnist_bpd": 4.958, "gamma": 0.0024},
    256: {"train_bpd": 2.054, "test_bpd": 2.397, "mnist_bpd": 4.578, "gamma": 0.0023},
    512: {"train_bpd": 2.020, "test_bpd": 2.301, "mnist_bpd": 4.351, "gamma": 0.0024},
}
VAE_OOD_CIFAR_BY_CAPACITY = {
    0.25: {"train_bpd": 2.828, "test_bpd": 2.824, "svhn_bpd": 2.404, "celeba_bpd": 2.844,
           "gamma": 0.0110},
    0.5: {"train_bpd": 2.766, "test_bpd": 2.761, "svhn_bpd": 2.394, "celeba_bpd": 2.882,
          "gamma": 0.0101},
    1.0: {"train_bpd": 2.602, "test_bpd": 2.598, "svhn_bpd": 2.406, "celeba_bpd": 3.106,
          "gamma": 0.0082},
    2.0: {"train_bpd": 2.275, "test_bpd": 2.272, "svhn_bpd": 2.579, "celeba_bpd": 3.965,
          "gamma": 0.0051},
    3.0: {"train_bpd": 1.981, "test_bpd": 1.978, "svhn_bpd": 2.890, "celeba_bpd": 5.053,
          "gamma": 0.0035},
    4.0: {"train_bpd": 1.728, "test_bpd": 1.726, "svhn_bpd": 3.367, "celeba_bpd": 6.424,
          "gamma": 0.0024},
}
VAE_OOD_GLOW_CIFAR_BPD = {"train_bpd": 3.386, "test_bpd": 3.464, "svhn_bpd": 2.389}

# usual-suspects Figures 1-2 (posterior collapse vs depth): figures, no tables. The settings and
# the paper's qualitative findings, quoted from section 6.
USUAL_SUSPECTS_DEPTHS = {
    "fc": (1, 2, 4, 6, 8, 10),           # hidden layers of 512, ReLU; Fashion-MNIST
    "conv": (1, 2, 3, 4, 5),             # t 3x3 convs per scale; CIFAR-100
    "residual": {"blocks": (1, 2, 4), "block_depths": (2, 3, 4, 5)},  # SVHN/CIFAR/CelebA
}
USUAL_SUSPECTS_FINDINGS = {
    "fc": ("As the depth of the network increases, the reconstruction error of the AE model "
           "first decreases because of the increased capacity. However, when the network becomes "
           "too deep, the error starts to increase, indicating convergence to a bad local minima "
           "(or at least stable stationary point/plateau) that is unrelated to KL-divergence "
           "regularization. The reconstruction error of a VAE model is always worse than that of "
           "the corresponding AE model as expected. Moreover, while KL warm-start/annealing can "
           "help to improve the VAE reconstructions to some extent, performance is still worse "
           "than the AE as expected."),
    "conv": "Again, the trend is similar to the fully-connected network results.",
    "residual": ("adding more convolution layers inside each residual block can increase the "
                 "reconstruction error when the network is too deep. Moreover, adding more "
                 "residual blocks can also lead to higher reconstruction errors."),
    "figure_1": ("In all plots, once the encoder/decoder complexity is sufficiently high, the "
                 "reconstruction errors begin to increase."),
    "figure_2": ("As depth increases, the reconstruction error grows and more sigma_z values are "
                 "near 1, indicative of impending posterior collapse."),
}
