r"""1D slices of the VAE objective as gamma shrinks: unbounded-gradients paper, Figure 3.

    python -m recipes.gamma_slices --workdir=runs/gamma_slices        # about 10 s, no training

The paper plots "1D slices through the objective function of a simple VAE model involving a
single layer for both encoder and decoder, applied to data from a random low-dimensional
subspace", for gamma in {1e-3, 1e-2, 1e-1, 1}, "designed such that there will exist an
optimal sparse representation at zero", and observes that disconnected local minima appear
only for small gamma. It gives no further detail; our construction (so the numbers are ours):

- Data: n points x = B y in R^d, B a random d x r orthonormal basis, y ~ N(0, I_r).
- Model (one layer each): mu_z = A x + a, log sigma_z = s (a vector, as in the paper's
  Lemma 2), mu_x = W z + b, latent size kappa > r, decoder variance gamma.
- Objective (3) of the paper (the loss of `zoo.GaussianVAE`), with the expectation over
  eps ~ N(0, I) in closed form because the decoder is affine:

```none
L = mean_i [ (||x_i - W mu_i - b||^2 + sum_k ||w_k||^2 sigma_k^2) / (2 gamma)
             + (d/2) log(2 pi gamma) + 1/2 sum_k (mu_ik^2 + sigma_k^2 - 1 - 2 log sigma_k) ]
```
- Slice: theta(t) = (1 - t) theta_sparse + t theta_dense over all parameters (A, a, W, b, s).
  theta_sparse (t = 0) is the optimal sparse representation: W = [B, 0], A = [B^T; 0], r active
  dims. theta_dense (t = 1) also reconstructs perfectly but spreads the r directions over all
  kappa dims: W = B M, A = M^+ B^T for a random r x kappa M. In both, sigma_k^2 =
  1 / (1 + ||w_k||^2 / gamma), the optimal posterior variance for that decoder. Slices (a) and
  (b) use two random draws (data, B, M).

The recipe counts the strict local minima of each slice on a grid of `grid` points in
[t_min, t_max], records the minimiser, and checks the closed form against a Monte Carlo
estimate of `zoo.GaussianVAE`'s own training loss at theta_sparse. Writes config.json,
results.json, results.md and gamma_slices.png.
"""

import os

import numpy as np

from recipes import paper_values
from zoo import experiment

PAPER = {"data": "synthetic:subspace", "gammas": list(paper_values.GAMMA_SLICES_GAMMAS),
         "data_dim": 10, "subspace_dim": 2, "latent_dim": 4, "num_points": 500,
         "slice_seeds": [0, 1], "t_min": -0.5, "t_max": 1.5, "grid": 2001,
         "mc_check_samples": 2000}
CPU = {**PAPER, "mc_check_samples": 1000}
SMOKE = {**CPU, "data_dim": 6, "latent_dim": 3, "num_points": 100, "grid": 401,
         "mc_check_samples": 50}
PRESETS = {"paper": PAPER, "cpu": CPU, "smoke": SMOKE}
# --dry_run: one epoch of two steps per model and stage, small evaluations.
DRY_RUN = {"grid": 101, "mc_check_samples": 2}

def vae_objective(x, params, gamma):
    """The closed-form objective L above for params (A, a, W, b, s); a float."""
    A, a, W, b, s = params
    mu = x @ A.T + a
    variance = np.exp(2.0 * s)
    rec = np.sum((x - mu @ W.T - b) ** 2, axis=1) + np.sum(np.sum(W ** 2, axis=0) * variance)
    kl = 0.5 * np.sum(mu ** 2 + variance - 1.0 - 2.0 * s, axis=1)
    d = x.shape[1]
    return float(np.mean(rec / (2.0 * gamma) + 0.5 * d * np.log(2.0 * np.pi * gamma) + kl))


def problem(config, seed):
    """(x [n, d], basis B [d, r], mixing M [r, kappa]) of one slice."""
    rng = np.random.default_rng(seed)
    d, r, kappa = config["data_dim"], config["subspace_dim"], config["latent_dim"]
    basis, _ = np.linalg.qr(rng.normal(size=(d, r)))
    x = rng.normal(size=(config["num_points"], r)) @ basis.T
    return x, basis, rng.normal(size=(r, kappa))


def anchors(basis, mixing, gamma):
    """(theta_sparse, theta_dense), each (A, a, W, b, s)."""
    d, r = basis.shape
    kappa = mixing.shape[1]

    def log_sigma(W):
        return -0.5 * np.log1p(np.sum(W ** 2, axis=0) / gamma)

    W = np.zeros((d, kappa))
    W[:, :r] = basis
    A = np.zeros((kappa, d))
    A[:r] = basis.T
    W_dense, A_dense = basis @ mixing, np.linalg.pinv(mixing) @ basis.T
    zeros_k, zeros_d = np.zeros(kappa), np.zeros(d)
    return ((A, zeros_k, W, zeros_d, log_sigma(W)),
            (A_dense, zeros_k, W_dense, zeros_d, log_sigma(W_dense)))


def interpolate(sparse, dense, t):
    return tuple((1.0 - t) * p + t * q for p, q in zip(sparse, dense))


def local_minima(values):
    """Indices of strict interior local minima of a sampled curve."""
    v = np.asarray(values)
    return np.flatnonzero((v[1:-1] < v[:-2]) & (v[1:-1] < v[2:])) + 1


def monte_carlo_check(x, params, gamma, samples, seed):
    """Relative difference between `vae_objective` and the mean of `zoo.GaussianVAE`'s
    training loss (one eps per example per draw) over `samples` draws, at `params`."""
    import keras

    import zoo

    A, a, W, b, s = params
    d, kappa = W.shape
    encoder = keras.Sequential([keras.Input((d,)), keras.layers.Dense(2 * kappa)])
    decoder = keras.Sequential([keras.Input((kappa,)), keras.layers.Dense(d)])
    encoder.layers[-1].set_weights([np.concatenate([A.T, np.zeros((d, kappa))], axis=1),
                                    np.concatenate([a, s])])
    decoder.layers[-1].set_weights([W.T, b])
    model = zoo.GaussianVAE(encoder, decoder, gamma=float(gamma), seed=seed)
    xs = np.asarray(x, np.float32)
    losses = [float(model.loss_terms(xs, training=False)["loss"]) for _ in range(samples)]
    closed = vae_objective(x, params, gamma)
    return {"closed_form": closed, "monte_carlo": float(np.mean(losses)),
            "relative_difference": abs(float(np.mean(losses)) - closed) / abs(closed),
            "draws": samples}


def report(config, done):
    """The slices, the closed form's check, the figure and the tables (no model is trained)."""
    del done
    ts = np.linspace(config["t_min"], config["t_max"], config["grid"])
    gammas = [float(g) for g in config["gammas"]]
    slices, curves = {}, {}
    for index, slice_seed in enumerate(config["slice_seeds"]):
        x, basis, mixing = problem(config, config["seed"] * 1000 + slice_seed)
        name = "abcdefgh"[index] if index < 8 else str(index)
        slices[name], curves[name] = {}, {}
        for gamma in gammas:
            sparse, dense = anchors(basis, mixing, gamma)
            values = np.array([vae_objective(x, interpolate(sparse, dense, t), gamma)
                               for t in ts])
            minima = local_minima(values)
            curves[name][gamma] = values
            slices[name][str(gamma)] = {
                "num_local_minima": int(len(minima)),
                "local_minima_t": [float(ts[i]) for i in minima],
                "argmin_t": float(ts[np.argmin(values)]),
                "loss_at_sparse": float(vae_objective(x, sparse, gamma)),
                "loss_at_dense": float(vae_objective(x, dense, gamma)),
            }
    x, basis, mixing = problem(config, config["seed"] * 1000 + config["slice_seeds"][0])
    check = monte_carlo_check(x, anchors(basis, mixing, 0.1)[0], 0.1,
                              config["mc_check_samples"], config["seed"])

    plt = experiment.pyplot()
    fig, axes = plt.subplots(1, len(curves), figsize=(5.5 * len(curves), 4), squeeze=False)
    for ax, (name, by_gamma) in zip(axes[0], curves.items()):
        for color, (gamma, values) in zip(("C0", "C1", "C2", "C3", "C4"), by_gamma.items()):
            scaled = (values - values.min()) / (values.max() - values.min())
            count = slices[name][str(gamma)]["num_local_minima"]
            ax.plot(ts, scaled, color=color,
                    label=f"gamma = {gamma:g} ({count} local min.)")
            ax.axvline(ts[np.argmin(values)], color=color, ls="--", lw=1)
        ax.set_xlabel("t  (0: optimal sparse representation, 1: dense one)")
        ax.set_ylabel("VAE objective (rescaled to [0, 1] per gamma)")
        ax.set_title(f"({name}) 1D slice, seed {config['slice_seeds'][ord(name) - 97]}")
        ax.legend(fontsize=8)
    fig.suptitle(f"Unbounded-gradients Figure 3: d = {config['data_dim']}, "
                 f"r = {config['subspace_dim']}, kappa = {config['latent_dim']}; dashed: minimiser")
    experiment.save_figure(fig, os.path.join(config["workdir"], "gamma_slices.png"))

    rows = []
    for name, by_gamma in slices.items():
        for gamma in gammas:
            entry = by_gamma[str(gamma)]
            rows.append([name, gamma, entry["num_local_minima"],
                         ", ".join(f"{t:.3f}" for t in entry["local_minima_t"]),
                         entry["argmin_t"]])
    paper_rows = [[gamma, "1 (smooth)" if gamma >= 1.0 else
                   ("several (disconnected minima)" if gamma <= 1e-2 else "—"),
                   "away from 0" if gamma >= 1.0 else "-> 0 as gamma -> 0"]
                  for gamma in paper_values.GAMMA_SLICES_GAMMAS]
    sections = [
        "## Local minima per slice and gamma (ours)",
        experiment.markdown_table(["slice", "gamma", "# local minima", "at t",
                                   "global minimiser t"], rows),
        "## The paper (Figure 3, qualitative)",
        experiment.markdown_table(["gamma", "local minima", "minimiser"], paper_rows),
        "The paper: \"as gamma is reduced the energy is less smooth and disconnected local "
        "minima appear in both 1D slices\", and the minimiser approaches the optimal sparse "
        "representation at 0. Construction: see `recipes/gamma_slices.py` (the paper gives no "
        "details); t = 0 is the optimal sparse representation, t = 1 a dense one.",
        f"Check of the closed form against `zoo.GaussianVAE`'s training loss at t = 0, "
        f"gamma = 0.1: closed form {check['closed_form']:.4f}, Monte Carlo mean over "
        f"{check['draws']} draws {check['monte_carlo']:.4f} (relative difference "
        f"{check['relative_difference']:.2e}).",
        "![gamma slices](gamma_slices.png)",
    ]
    return {"slices": slices, "closed_form_check": check}, sections


RECIPE = experiment.Recipe(
    "gamma_slices", "VAE objective slices vs gamma (unbounded-gradients Figure 3)", PRESETS,
    "runs/gamma_slices", None, report, dry_run=DRY_RUN, workload="dense")

if __name__ == "__main__":
    experiment.main(RECIPE)
