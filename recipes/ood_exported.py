r"""Out-of-distribution detection by exported models' `score`: VAE-OOD Table 1's question asked
of the published models, a two-stage model's density through both stages beside its first
stage's.

    python -m recipes.ood_exported --workdir=runs/ood_exported                    # CPU
    python -m recipes.ood_exported '--override=models={"mine": "path/to/export"}'

Each SavedModel of `models` with a `score` signature scores `eval_images` seeded random images
of every set of `recipes.ood`'s `cpu_fashion` table: Fashion-MNIST train and test (the
inliers; the published models were trained on Fashion-MNIST's training split) and the outlier
sets (MNIST test, flipped, inverted and noise images), all dequantized (x + u) / 256 as there.
Per model and set: the mean bits/dim and the AUROC of inlier test images against each outlier
set (higher nll = outlier; `sklearn.metrics.roc_auc_score`). A two-stage export's `score`
gives two rows: `nll`, the model's own density (the second stage's density as the prior of z,
importance-sampled inside each weight; a nested estimate, low in log p(x) so high in bits/dim),
and `first_stage_nll`, the same samples with the first stage's prior N(0, I).

The published models were trained on pixel / 255 images, not dequantized ones: the
dequantization noise (std 1 / (256 sqrt(12)) = 0.0011) is small beside their decoder's std
(gamma 0.007, std 0.08), so the BPDs are the models' on the standard 8-bit scale up to that.
Presets: `cpu` (the published fashion_vae and fashion_two_stage, 1,000 images a set), `smoke`
(no model of its own: a test passes one with --override=models=...). Writes results.md,
results.json, nll_hist.png and models/<model>/ (nll.npz).
"""

import os

import numpy as np

from recipes import ood
from zoo import experiment

BASE = {"seed": 0, "eval_images": 1000, "batch_size": 250}
OUTLIERS = {**ood.TRANSFORM_OUTLIERS, "vflip": "transform:vflip"}


def presets():
    """`cpu`: the published Fashion-MNIST models on the local IDX folders (read now)."""
    from zoo.data import locations

    fashion, mnist = locations.idx_spec("fashion_mnist"), locations.idx_spec("mnist")
    cpu = {**BASE, "data": fashion, "outliers": {"mnist": mnist, **OUTLIERS},
           "models": {name: f"savedmodels/{name}" for name in ("fashion_vae",
                                                               "fashion_two_stage")}}
    smoke = {**BASE, "data": "sklearn:digits", "outliers": OUTLIERS, "models": {},
             "eval_images": 60}
    return {"paper": cpu, "cpu": cpu, "smoke": smoke}


def model_row(config, name, path, sets):
    from sklearn.metrics import roc_auc_score

    import zoo
    from zoo import data, metrics
    from zoo.experiment import evaluation

    def evaluate(_, run):
        exported = zoo.load(path)
        if "score" not in exported.signatures:
            kind = exported.metadata.get("model_class")
            raise ValueError(f"{path} has no `score` signature (a {kind}): the OOD table "
                             "needs a likelihood")
        scored = {key: evaluation.exported_scores(exported, images, config["batch_size"])
                  for key, images in sets.items()}
        os.makedirs(run.directory, exist_ok=True)
        np.savez(os.path.join(run.directory, "nll.npz"),
                 **{f"{kind}/{key}": values[kind] for key, values in scored.items()
                    for kind in values})
        scaling = data.info(config["data"], dequantize=True).scaling
        dims = int(np.prod(sets["test"].shape[1:]))
        result = {"model_class": exported.metadata.get("model_class"),
                  "score": exported.metadata.get("score")}
        for kind in scored["test"]:
            row = {}
            for key, values in scored.items():
                row[f"{key}_bpd"] = float(np.mean(metrics.bits_per_dim(values[kind], dims,
                                                                       scaling)))
                if key not in ("train", "test"):
                    labels = np.r_[np.zeros(len(values[kind])), np.ones(len(values[kind]))]
                    row[f"{key}_auroc"] = float(roc_auc_score(
                        labels, np.r_[scored["test"][kind], values[kind]]))
            result[kind] = row
        return result

    return experiment.Row(name, build=None, evaluate=evaluate, export=False)


def rows(config):
    _, sets = ood.load_sets(config, {"inlier": None, "outliers": config["outliers"]})
    for name, path in config["models"].items():
        yield model_row(config, name, path, sets)


ROW_KINDS = (("nll", "own density"), ("first_stage_nll", "first stage, prior N(0, I)"))


def plot_histograms(config, results, path):
    plt = experiment.pyplot()
    panels = [(name, kind) for name in results for kind, _ in ROW_KINDS
              if kind in results[name]]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.8 * len(panels), 3.0), squeeze=False)
    for ax, (name, kind) in zip(axes[0], panels):
        nll = np.load(os.path.join(experiment.model_dir(config, name), "nll.npz"))
        keys = [key for key in nll.files if key.startswith(f"{kind}/")]
        finite = np.concatenate([nll[key][np.isfinite(nll[key])] for key in keys])
        low, high = np.percentile(finite, [0.5, 99.5])
        bins = np.linspace(low, high, 50)
        for key in keys:
            label = key.split("/", 1)[1]
            ax.hist(np.clip(nll[key], low, high), bins=bins, alpha=0.5, density=True,
                    label=label + (" (inlier)" if label in ("train", "test") else ""))
        ax.set_title(f"{name}: {dict(ROW_KINDS)[kind]}", fontsize=9)
        ax.set_xlabel("NLL (nats)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"NLL histograms, inlier {config['data']}", fontsize=10, y=1.04)
    experiment.save_figure(fig, path)


def report(config, done):
    results = {name: done[name].metrics for name in config["models"]}
    sections = []
    if not results:
        return {"models": {}}, ["No models (`models` is empty)."]
    outliers = list(config["outliers"])
    table_rows, flat = [], {}
    for name, r in results.items():
        for kind, label in ROW_KINDS:
            if kind in r:
                table_rows.append((f"{name}/{kind}", f"{name}, {label}"))
                flat[f"{name}/{kind}"] = r[kind]
    bpd = [("train_bpd", "train BPD"), ("test_bpd", "test BPD")] + [
        (f"{o}_bpd", f"{o} BPD") for o in outliers]
    auroc = [(f"{o}_auroc", f"AUROC {o}") for o in outliers]
    plot_histograms(config, results, os.path.join(config["workdir"], "nll_hist.png"))
    described = ", ".join(f"`{o}` = {s}" for o, s in config["outliers"].items())
    sections += [
        f"## Inlier `{config['data']}`; outliers {described}",
        experiment.metrics_table(table_rows, bpd, flat, row_label="model, score"),
        f"BPD: mean over a seeded random subset of {config['eval_images']} images of each set, "
        "dequantized (x + u) / 256, BPD = (nll + D ln 256) / (D ln 2), nll from the export's "
        "`score` (K and, for two-stage models, M in results.json). The paper's Table 1 is of "
        "its conv VAE (`recipes.ood`); its claim to compare: the outlier sets get a higher BPD "
        "than the inlier test set.",
        "AUROC of inlier test vs each outlier set by the `score` nll (higher nll = outlier; "
        "0.5 = chance, 1 = perfect):",
        experiment.metrics_table(table_rows, auroc, flat, row_label="model, score"),
        "![NLL histograms](nll_hist.png)"]
    return {"models": results}, sections


RECIPE = experiment.Recipe(
    "ood_exported", "Out-of-distribution detection by exported models' score (VAE-OOD Table 1)",
    presets, "runs/ood_exported", rows, report, dry_run={"eval_images": 50}, workload="dense")

if __name__ == "__main__":
    experiment.main(RECIPE)
