r"""Posterior collapse vs depth: usual-suspects Figures 1-2 (AE vs VAE vs VAE + KL warm-start).

    python -m recipes.collapse_depth --data=idx:/path/to/mnist --workdir=runs/collapse_depth
    python -m recipes.collapse_depth --preset=paper --workdir=runs/collapse_depth_paper  # GPU
    python -m recipes.collapse_depth --override=families.fc.depths=1,4,10 --override=steps=3000
    python -m recipes.collapse_depth --preset=cpu_fashion --workdir=runs/collapse_fashion   # CPU

The paper trains an unregularized AE, a Gaussian VAE (learnable gamma) and the same VAE with a
KL warm-start (`GaussianVAE(kl_warmup_steps=...)`) for a family of networks of growing depth and
plots the reconstruction error against depth (Figure 1); the histogram of the VAE's sigma_z
per depth shows more values near 1 (collapsed dimensions) as depth grows (Figure 2). Families
(Appendix A; latent 64 everywhere):

- `fc`: 1, 2, 4, 6, 8, 10 hidden layers of 512 ReLU units in encoder and decoder
  (`zoo.networks.mlp_encoder` / `mlp_decoder`); Fashion-MNIST.
- `conv`: t = 1..5 3x3 convs per scale, 2x2 max-pool, 64 channels at 32 x 32 doubling per
  halving, average pool at 4 x 4 (`zoo.networks.depth_conv_encoder` / `depth_conv_decoder`);
  CIFAR-100.
- `residual`: 1, 2, 4 residual blocks of 2-5 convs per scale (`depth_residual_*`); AE errors
  divided by the shallowest net's (1 block of 2 convs) on the same data, averaged over SVHN,
  CIFAR-10, CIFAR-100, CelebA.

Optimisation (paper): Adam (TF defaults), batch 64, 250K iterations, lr 2e-4 halved every
100K. The KL warm-start length is not given in the paper; we use a linear ramp over the first
20% of the steps (`kl_warmup_steps`). Reconstruction error = ||x - x_hat||^2 summed over pixels
in [0, 1], mean over images, on the first `eval_images` training images (the paper's Figure 1
is a training error: "because the reconstruction error on the training data is becoming
worse") and on test images; for VAEs x_hat is the decoder mean at the posterior mean.

Presets: `paper` (all three families; GPU, days), `cpu` (MNIST, the fully connected family
only, 6 depths x 3 models, 4,000 steps each with lr halved every 1,600: about 30-60 min on 2
busy cores), `cpu_fashion` (`cpu` on the paper's Fashion-MNIST, read from
$ZOO_FASHION_MNIST_DIR, else ../shared/data/fashion_mnist, so it runs offline), `smoke`
(sklearn:digits, tiny nets, seconds; the tests). The VAEs learn gamma from `gamma_init`
(paper: 1); `cpu` starts at 0.01 because Adam moves log sigma_x by at most about the
learning rate per step (4,000 x 2e-4 could not take gamma below ~0.2). Measured on the
two-stage first stage, not on these nets (results/gamma_init_mnist): from 1, 20 epochs
pruned no dimension and reconstructed worse (3.03 against 2.01).
Writes config.json, results.json, results.md (our errors beside the paper's quoted findings),
recon_vs_depth_<family>.png, sigma_z_<family>.png and models/<name>/ (checkpoints,
TensorBoard, SavedModel, metrics) into --workdir; re-running skips finished models.
"""

import os

import numpy as np

from recipes import paper_values
from zoo import experiment
from zoo.experiment import budgets

MODELS = ("ae", "vae", "vae_warmup")
MODEL_LABELS = {"ae": "AE", "vae": "VAE", "vae_warmup": "VAE + KL warm-start"}
SIGMA_BINS = np.linspace(0.0, 1.2, 49)

PAPER = {
    "data": "tfds:fashion_mnist",
    "families": {
        "fc": {"data": None, "depths": [1, 2, 4, 6, 8, 10], "models": list(MODELS)},
        "conv": {"data": "tfds:cifar100", "depths": [1, 2, 3, 4, 5], "models": list(MODELS)},
        "residual": {"data": ["tfds:svhn_cropped", "tfds:cifar10", "tfds:cifar100",
                              "folder:/path/to/img_align_celeba?crop=celeba64"],
                     "blocks": [1, 2, 4], "block_depths": [2, 3, 4, 5], "models": ["ae"]},
    },
    "latent_dim": 64, "fc_units": 512, "base_channels": 64, "batch_size": 64,
    "learning_rate": 2e-4, "steps": 250000, "halve_every": 100000,
    "kl_warmup_steps": 50000, "gamma_init": 1.0, "eval_images": 10000,
    "steps_per_execution": 10,
}
CPU = {**PAPER, "data": "tfds:mnist",
       "families": {"fc": {"data": None, "depths": [1, 2, 4, 6, 8, 10], "models": list(MODELS)}},
       "steps": 4000, "halve_every": 1600, "kl_warmup_steps": 800, "gamma_init": 0.01,
       "eval_images": 5000, "steps_per_execution": 50}
SMOKE = {**CPU, "data": "sklearn:digits",
         "families": {
             "fc": {"data": None, "depths": [1, 2], "models": list(MODELS)},
             "conv": {"data": None, "depths": [1], "models": ["vae"]},
             "residual": {"data": None, "blocks": [1], "block_depths": [2], "models": ["ae"]},
         },
         "latent_dim": 4, "fc_units": 16, "base_channels": 1, "learning_rate": 2e-3,
         "steps": 10, "halve_every": 5, "kl_warmup_steps": 5, "gamma_init": 1.0,
         "eval_images": 200, "steps_per_execution": 5}
# --dry_run: one epoch of two steps per model and stage, small evaluations.
DRY_RUN = {"steps": 2, "halve_every": 1, "kl_warmup_steps": 1, "eval_images": 100}


def presets():
    """The presets; `cpu_fashion` trains the fully connected family on the paper's data, the
    local Fashion-MNIST IDX folder (`zoo.data.locations`, read now), so it runs offline."""
    from zoo.data import locations

    return {"paper": PAPER, "cpu": CPU, "smoke": SMOKE,
            "cpu_fashion": {**CPU, "data": locations.idx_spec("fashion_mnist")}}


def dataset_key(spec):
    """A short name for a data spec: 'tfds:cifar10' -> 'cifar10', 'idx:/d/mnist' -> 'mnist'."""
    from zoo import data

    return os.path.basename(data.argument_of(spec).rstrip("/")).replace("-", "_") or "data"


def family_points(config, family):
    """[(point name, depth label, data spec, network kwargs)] of one family, in plot order."""
    spec = config["families"][family]
    if family == "residual":
        datas = spec["data"] or [config["data"]]
        datas = [datas] if isinstance(datas, str) else datas
        return [(f"{dataset_key(d)}_b{b}_k{k}", (b, k), d,
                 {"blocks_per_scale": b, "block_depth": k})
                for d in datas for b in spec["blocks"] for k in spec["block_depths"]]
    data_spec = spec["data"] or config["data"]
    key = "depth" if family == "fc" else "convs_per_scale"
    prefix = "d" if family == "fc" else "t"
    return [(f"{prefix}{d}", d, data_spec, {key: d}) for d in spec["depths"]]


def build_model(config, family, kind, input_shape, kwargs):
    import zoo
    from zoo import networks

    latent = config["latent_dim"]
    out = latent if kind == "ae" else 2 * latent
    if family == "fc":
        units = config["fc_units"]
        encoder = networks.mlp_encoder(input_shape, out, units=units, depth=kwargs["depth"],
                                       activation="relu")
        decoder = networks.mlp_decoder(latent, input_shape, units=units, depth=kwargs["depth"],
                                       activation="relu")
    elif family == "conv":
        encoder = networks.depth_conv_encoder(input_shape, out, base_channels=config[
            "base_channels"], **kwargs)
        decoder = networks.depth_conv_decoder(latent, input_shape, base_channels=config[
            "base_channels"], **kwargs)
    elif family == "residual":
        encoder = networks.depth_residual_encoder(input_shape, out, base_channels=config[
            "base_channels"], **kwargs)
        decoder = networks.depth_residual_decoder(latent, input_shape, base_channels=config[
            "base_channels"], **kwargs)
    else:
        raise ValueError(f"unknown family {family!r}; choose fc, conv, residual")
    if kind == "ae":
        return zoo.AE(encoder, decoder, seed=config["seed"])
    warmup = config["kl_warmup_steps"] if kind == "vae_warmup" else 0
    if kind not in ("vae", "vae_warmup"):
        raise ValueError(f"unknown model {kind!r}; choose {MODELS}")
    return zoo.GaussianVAE(encoder, decoder, gamma_init=config["gamma_init"],
                           kl_warmup_steps=warmup, seed=config["seed"])


def model_row(config, family, point, depth, spec, kwargs, kind, arrays):
    """One model of a family: `steps` steps (whole epochs), lr halved every `halve_every`."""
    from zoo import metrics
    from zoo.metrics._batching import posterior_moments

    name = f"{family}_{point}_{kind}"
    x_train, x_test = arrays
    budget = budgets.steps(config["steps"], config["learning_rate"], config["halve_every"])
    steps = experiment.batches_per_epoch(spec, config["batch_size"])
    epochs = budget(steps)[0]

    def evaluate(model, run):
        result = {
            "model": name, "family": family, "kind": kind, "data": spec,
            "depth": list(depth) if isinstance(depth, tuple) else depth,
            "train_reconstruction_error": metrics.reconstruction_error(model, x_train),
            "test_reconstruction_error": metrics.reconstruction_error(model, x_test),
            "steps": epochs * steps, "epochs": epochs, "train_seconds": run.train_seconds,
            "parameters": int(model.count_params()),
        }
        if kind != "ae":
            _, log_scales = posterior_moments(model, x_test)
            sigma = np.exp(log_scales).ravel()
            result.update({
                "gamma": float(model.gamma),
                "active_dims": metrics.active_units(model, x_test),
                "mean_kl": float(np.sum(metrics.kl_per_dimension(model, x_test))),
                "sigma_z_near_1": float(np.mean(sigma > 0.9)),
                "sigma_z_histogram": np.histogram(np.clip(sigma, 0, SIGMA_BINS[-1]),
                                                  SIGMA_BINS)[0].tolist(),
            })
        run.export(model, experiment.export_metadata(
            {**config, "data": spec}, {k: v for k, v in result.items()
                                       if k != "sigma_z_histogram"}))
        return result

    return experiment.Row(
        name, build=lambda: build_model(config, family, kind, x_train.shape[1:], kwargs),
        evaluate=evaluate, data=spec, budget=budget)


def load_arrays(config, spec, cache):
    from zoo import data

    if spec not in cache:
        x_train, _ = data.load_numpy(spec, f"train[:{config['eval_images']}]")
        x_test, _ = data.load_numpy(spec, data.held_out_split(spec))
        cache[spec] = (x_train, experiment.held_out(x_test, config["eval_images"]))
    return cache[spec]


def trend(errors, depths):
    """A sentence: where the error is smallest and whether it rises past that depth."""
    best = int(np.argmin(errors))
    if best == len(errors) - 1:
        return (f"lowest at the deepest net ({depths[best]}): no rise within the depths tried")
    rise = errors[-1] / errors[best] - 1
    verdict = "rises" if rise > 0.05 else "stays within 5%"
    return (f"lowest at depth {depths[best]} ({errors[best]:.4g}); past it the error {verdict} "
            f"(deepest {depths[-1]}: {errors[-1]:.4g}, {100 * rise:+.0f}%)")


def plot_family(config, family, rows, path):
    plt = experiment.pyplot()
    spec = config["families"][family]
    fig, ax = plt.subplots(figsize=(5, 3.6))
    if family == "residual":
        for b in spec["blocks"]:
            ks = spec["block_depths"]
            ax.plot(ks, [rows["normalised"][(b, k)] for k in ks], "o-", label=f"{b} block(s)")
        ax.set_xlabel("convolutions per residual block")
        ax.set_ylabel("train rec. error / shallowest net's")
        ax.set_title("Residual nets (AE): normalised error, averaged over data")
    else:
        depths = spec["depths"]
        for kind in spec["models"]:
            ax.plot(depths, [rows[(d, kind)]["train_reconstruction_error"] for d in depths],
                    "o-", label=MODEL_LABELS[kind])
        ax.set_xlabel("hidden layers" if family == "fc" else "convolutions per scale (t)")
        ax.set_ylabel("train reconstruction error")
        ax.set_title(f"{family} nets on {dataset_key(spec['data'] or config['data'])}")
    ax.legend()
    experiment.save_figure(fig, path)


def plot_sigma(config, family, rows, path):
    plt = experiment.pyplot()
    depths = config["families"][family]["depths"]
    fig, axes = plt.subplots(1, len(depths), figsize=(2.6 * len(depths), 2.6), squeeze=False)
    centres = (SIGMA_BINS[:-1] + SIGMA_BINS[1:]) / 2
    for ax, d in zip(axes[0], depths):
        r = rows[(d, "vae")]
        ax.bar(centres, r["sigma_z_histogram"], width=SIGMA_BINS[1] - SIGMA_BINS[0])
        ax.set_title(f"depth {d}: rec {r['train_reconstruction_error']:.3g}", fontsize=9)
        ax.set_xlabel("sigma_z")
    fig.suptitle(f"VAE sigma_z over test images and latent dims ({family} family; "
                 f"Figure 2; values > {SIGMA_BINS[-1]:g} in the last bin)", fontsize=10, y=1.06)
    experiment.save_figure(fig, path)


def rows(config):
    arrays = {}
    for family, spec in config["families"].items():
        for point, depth, data_spec, kwargs in family_points(config, family):
            for kind in spec["models"]:
                yield model_row(config, family, point, depth, data_spec, kwargs, kind,
                                load_arrays(config, data_spec, arrays))


def report(config, done):
    results, sections = {}, []
    finding = paper_values.USUAL_SUSPECTS_FINDINGS
    for family, spec in config["families"].items():
        rows, table = {}, []
        for point, depth, data_spec, kwargs in family_points(config, family):
            for kind in spec["models"]:
                r = done[f"{family}_{point}_{kind}"].metrics
                results[r["model"]] = r
                rows[(depth, kind)] = r
                if family == "residual":
                    rows[(dataset_key(data_spec), depth, kind)] = r
        png = f"recon_vs_depth_{family}.png"
        if family == "residual":
            kind, datas = spec["models"][0], family_points(config, family)
            keys = sorted({dataset_key(d) for _, _, d, _ in datas})
            base = (spec["blocks"][0], spec["block_depths"][0])
            rows["normalised"] = {
                (b, k): float(np.mean([rows[(key, (b, k), kind)]["train_reconstruction_error"]
                                       / rows[(key, base, kind)]["train_reconstruction_error"]
                                       for key in keys]))
                for b in spec["blocks"] for k in spec["block_depths"]}
            table = experiment.markdown_table(
                ["blocks per scale"] + [f"{k} convs/block" for k in spec["block_depths"]],
                [[b] + [rows["normalised"][(b, k)] for k in spec["block_depths"]]
                 for b in spec["blocks"]])
            summary = "; ".join(
                f"{b} block(s): " + trend([rows["normalised"][(b, k)]
                                          for k in spec["block_depths"]], spec["block_depths"])
                for b in spec["blocks"])
            sections += [
                f"## Residual family (Figure 1 right): {MODEL_LABELS[kind]} train reconstruction "
                f"error / that of {base[0]} block of {base[1]} convs, mean over {keys}", table,
                f"Ours: {summary}.", f"Paper: \"{finding['residual']}\"", f"![{png}]({png})"]
        else:
            depths = spec["depths"]
            headers = ["depth"]
            for kind in spec["models"]:
                headers += [f"{MODEL_LABELS[kind]} train", f"{MODEL_LABELS[kind]} test"]
            if "vae" in spec["models"]:
                headers += ["VAE gamma", "VAE active dims", "VAE sigma_z > 0.9"]
            for d in depths:
                line = [d]
                for kind in spec["models"]:
                    line += [rows[(d, kind)]["train_reconstruction_error"],
                             rows[(d, kind)]["test_reconstruction_error"]]
                if "vae" in spec["models"]:
                    v = rows[(d, "vae")]
                    line += [v["gamma"], v["active_dims"], v["sigma_z_near_1"]]
                table.append(line)
            summary = "\n".join(
                f"- {MODEL_LABELS[kind]}: " + trend(
                    [rows[(d, kind)]["train_reconstruction_error"] for d in depths], depths)
                for kind in spec["models"])
            data_name = spec["data"] or config["data"]
            title = ("hidden layers of " + str(config["fc_units"]) if family == "fc"
                     else "convolutions per scale (t)")
            paper_depths = paper_values.USUAL_SUSPECTS_DEPTHS[family]
            sections += [
                f"## {family} family (Figure 1 {'left' if family == 'fc' else 'middle'}): "
                f"reconstruction error vs {title}, `{data_name}`",
                experiment.markdown_table(headers, table),
                f"Ours (train error, first {config['eval_images']} training images):\n"
                f"{summary}",
                f"Paper ({'Fashion-MNIST' if family == 'fc' else 'CIFAR-100'}, depths "
                f"{list(paper_depths)}, no table): \"{finding[family]}\"",
                f"![{png}]({png})"]
            if "vae" in spec["models"]:
                sigma_png = f"sigma_z_{family}.png"
                plot_sigma(config, family, rows, os.path.join(config["workdir"], sigma_png))
                sections += [f"Figure 2 analogue (VAE sigma_z histograms per depth). Paper "
                             f"(CelebA, 2/4/5 convs per scale): \"{finding['figure_2']}\"",
                             f"![{sigma_png}]({sigma_png})"]
        plot_family(config, family, rows, os.path.join(config["workdir"], png))
    sections += [
        f"Paper, Figure 1: \"{finding['figure_1']}\"",
        f"Budget: {config['steps']} steps (rounded up to whole epochs), batch "
        f"{config['batch_size']}, Adam lr {config['learning_rate']} halved every "
        f"{config['halve_every']} steps, KL warm-start over {config['kl_warmup_steps']} steps, "
        f"latent {config['latent_dim']}. Paper: 250K steps, lr 2e-4 halved every 100K. "
        "Reconstruction error: sum of squares over pixels in [0, 1], mean over images; VAE "
        "active dims: Cov(E_q[z]) > 0.01 on the test images (ddof 0)."]
    return {"models": results}, sections


RECIPE = experiment.Recipe(
    "collapse_depth", "Posterior collapse vs depth (usual-suspects Figures 1-2)", presets,
    "runs/collapse_depth", rows, report, dry_run=DRY_RUN,
    workload=lambda config: "dense" if set(config["families"]) == {"fc"} else "conv")

if __name__ == "__main__":
    experiment.main(RECIPE)
