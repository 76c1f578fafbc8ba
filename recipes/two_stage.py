r"""Two-stage VAE vs its first stage vs WAE-MMD: the two-stage VAE paper's FID table.

    python -m recipes.two_stage --data=idx:../shared/data/mnist --workdir=runs/two_stage  # CPU
    python -m recipes.two_stage --data=idx:../shared/data/fashion_mnist --workdir=runs/ts_fashion
    python -m recipes.two_stage --preset=paper --workdir=runs/two_stage_paper          # GPU
    python -m recipes.two_stage --override=seeds=0,1,2 --override=epochs.1=10

Dai & Wipf (ICLR 2019), rows: the first stage alone (z ~ N(0, I) -> decoder), the two-stage
VAE (u ~ N(0, I) -> z -> x; `zoo.builders.infogan_vae` then `two_stage_vae`: kappa 64, second
stage 3 x Dense(1024)) and WAE-MMD on the same network (`zoo.builders.infogan_wae`), over
`seeds` (mean ± std; the paper: 10 trials; --seed is not used). A fourth row decodes u ~ q(u),
the second stage's aggregate posterior (second-stage reconstructions of the last training
images): the part of the samples' gap that is q(u) != N(0, I). Reference optimisation: Adam,
batch 64, lr 1e-4 halved every 150 / 300 epochs for 400 / 800 epochs.

Measured (`zoo.experiment.measures`): FID of `fid_samples` samples against the Inception
statistics of `fid_train` images (0: all; the `fid` extra, or the frozen graph via
--override=inception_graph=PATH / $ZOO_INCEPTION_GRAPH) of the split `fid_reference` names: the
presets follow the reference code (`test`: shuffled test images, each generated image min-max
normalised, `normalize_samples`); `--override=fid_reference=train` and
`--override=normalize_samples=false` give the training-statistics protocol of the model cards.
FID grows as the sample count falls: a `real` row measures as many real images (outside the
reference) the same way, FID's bias at that count, the level a perfect sampler would reach;
NDB / K against held-out real images and, for MNIST digits, FD-MNIST (not FID). An `idx:`
folder of Fashion-MNIST (recognised by its checksums) goes in the paper's Fashion column.

Presets: `paper` (MNIST, Fashion-MNIST, CIFAR-10, CelebA 64; 10 seeds), `cpu` (MNIST, 2 seeds,
3 + 6 epochs, WAE 3, lr 5e-4: 25-40 min on 2 busy cores; gamma starts at 0.01, not the paper's
1, as measured in results/gamma_init_mnist: at 20 + 100 epochs from 1 no dimension was pruned
(64 active either way), the reconstruction was worse (3.03 against 2.01) and so were the
two-stage samples (FD-MNIST 66.9 against 42.7; one seed)), `smoke` (sklearn:digits,
seconds). Writes results.md, samples_<dataset>.png and models/<dataset>_seed<s>_<model>/.
"""

import dataclasses

import numpy as np

from recipes import paper_values
from zoo import experiment
from zoo.experiment import budgets, measures, sampling

ROWS = (("first_stage_only", "VAE (stage 1 only)"), ("two_stage_vae", "2-stage VAE"),
        ("wae_mmd", "WAE-MMD"))
LABELS = {"fid": "FID", "fd_mnist": "FD-MNIST"}
Q_U_ROW = "two_stage_vae_q_u"  # the two-stage decoders on u ~ q(u) instead of N(0, I)
PAPER_COLUMNS = (("mnist", "MNIST"), ("fashion_mnist", "Fashion"), ("cifar10", "CIFAR-10"),
                 ("celeba", "CelebA"))

PAPER = {
    "data": "tfds:mnist", "datasets": {"mnist": "tfds:mnist", "fashion_mnist": "tfds:fashion_mnist",
                                       "cifar10": "tfds:cifar10",
                                       "celeba": "folder:/path/to/img_align_celeba?crop=celeba64"},
    "seeds": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "latent_dim": 64, "width": 1.0, "second_units": 1024,
    "second_depth": 3, "batch_size": 64, "learning_rate": 1e-4, "gamma_init": 1.0,
    "epochs": {"1": 400, "2": 800}, "halve_every": {"1": 150, "2": 300}, "wae_epochs": 400,
    "wae_halve_every": 150, "wae_mmd_weight": 100.0, "wae_reconstruction_scale": 0.05,
    "fid_images": 10000, "fid_samples": 10000, "fid_train": 0, "fid_reference": "test",
    "normalize_samples": True, "ndb_bins": [100, 200, 300],
    "ndb_train": 50000, "ndb_queries": 10000, "ndb_n_init": 10, "inception_graph": "",
    "steps_per_execution": 10}
CPU = {**PAPER, "datasets": {"mnist": None}, "seeds": [0, 1], "learning_rate": 5e-4,
       "gamma_init": 0.01, "epochs": {"1": 3, "2": 6}, "halve_every": {"1": 2, "2": 4},
       "wae_epochs": 3, "wae_halve_every": 2, "fid_samples": 1000, "fid_train": 5000,
       "ndb_bins": [50, 100], "ndb_train": 20000, "ndb_queries": 5000, "ndb_n_init": 1,
       "steps_per_execution": 50}
SMOKE = {**CPU, "data": "sklearn:digits", "datasets": {"digits": None}, "latent_dim": 4,
         "width": 0.0625, "second_units": 16, "second_depth": 1, "learning_rate": 2e-3,
         "gamma_init": 1.0, "epochs": {"1": 1, "2": 1}, "halve_every": {"1": 1, "2": 1},
         "wae_epochs": 1, "wae_halve_every": 1, "fid_images": 100, "fid_samples": 0,
         "fid_train": 0, "ndb_bins": [5, 10], "ndb_train": 500, "ndb_queries": 100,
         "steps_per_execution": 5}
PRESETS = {"paper": PAPER, "cpu": CPU, "smoke": SMOKE}
# --dry_run: one epoch of two steps per model and stage, small evaluations.
DRY_RUN = {"seeds": [0], "epochs": {"1": 1, "2": 1}, "halve_every": {"1": 1, "2": 1},
           "wae_epochs": 1, "wae_halve_every": 1, "fid_images": 100, "fid_samples": 10,
           "fid_train": 20, "ndb_bins": [5], "ndb_train": 200, "ndb_queries": 100,
           "ndb_n_init": 1}


def datasets(config):
    """[(column, spec)]: the preset's data sets; an idx: folder of Fashion-MNIST -> its column."""
    from zoo.data import idx

    return [(idx.identify_spec(spec or config["data"]) or key, spec or config["data"])
            for key, spec in config["datasets"].items()]


def rows(config):
    from zoo import data

    for key, spec in datasets(config):
        settings = measures.ImageSettings.from_config(config)
        count = measures.num_images(settings)
        reference = measures.image_reference(spec, settings, count)
        n_tail = min(count, data.info(spec).splits["train"])
        tail = data.load_numpy(spec, f"train[-{n_tail}:]")[0]  # outside NDB's first images
        if reference.fid_statistics is not None:
            yield fid_bias_row(key, reference, settings)
        for seed in config["seeds"]:
            yield from seed_rows(config, key, spec, seed, reference,
                                 dataclasses.replace(settings, seed=seed), count, tail)


def fid_bias_row(key, reference, settings):
    """FID of `fid_samples` real images outside the reference, measured as the samples are."""
    real = measures.fid_bias_images(reference, settings, settings.fid_samples)
    return experiment.Row(
        f"{key}_real", build=None, images=lambda _: {"fid_bias": real}, export=False,
        evaluate=lambda _, run: measures.measure_images(real, reference, settings, ("fid",)))


def seed_rows(config, key, spec, seed, reference, settings, count, tail):
    """The two-stage VAE (three table rows: stage 1 alone, both stages, u ~ q(u)) and WAE-MMD."""
    from zoo import builders, metrics

    shape, lr, k, width = (reference.test.shape[1:], config["learning_rate"],
                           config["latent_dim"], config["width"])

    def measure(images):
        return measures.measure_images(images, reference, settings)

    def evaluate_vae(vae, run):
        common = {"reconstruction_error": metrics.reconstruction_error(vae, reference.test),
                  "gamma_stage_1": float(vae.first.gamma),
                  "gamma_stage_2": float(vae.second.gamma),
                  "active_dims_stage_1": metrics.active_units(vae, reference.test)}
        result = {name: {**measure(run.images[name]), **common}
                  for name in ("first_stage_only", "two_stage_vae")}
        run.export(vae, experiment.export_metadata({**config, "data": spec},
                                                   result["two_stage_vae"]))
        return {**result, Q_U_ROW: measure(run.images[Q_U_ROW])}

    yield experiment.Row(
        f"{key}_seed{seed}_two_stage", data=spec, seed=seed, evaluate=evaluate_vae,
        build=lambda: builders.two_stage_vae(
            builders.infogan_vae(shape, k, width=width, gamma_init=config["gamma_init"],
                                 seed=seed),
            units=config["second_units"], depth=config["second_depth"], seed=seed),
        budget=budgets.halving(lr, config["halve_every"], config["epochs"]),
        images=lambda vae: {"real": reference.real[:10],
                            "first_stage_only": sampling.samples(vae.first, count, seed),
                            "two_stage_vae": sampling.samples(vae, count, seed),
                            Q_U_ROW: sampling.mapped(vae.second_stage_reconstruction, tail,
                                                     seed)})
    yield experiment.Row(
        f"{key}_seed{seed}_wae_mmd", data=spec, seed=seed,
        build=lambda: builders.infogan_wae(
            shape, k, width=width, mmd_weight=config["wae_mmd_weight"],
            reconstruction_scale=config["wae_reconstruction_scale"], seed=seed),
        budget=budgets.halving(lr, config["wae_halve_every"], config["wae_epochs"]),
        images=lambda wae: {"wae_mmd": sampling.samples(wae, count, seed)},
        evaluate=lambda wae, run: {**measure(run.images["wae_mmd"]), "reconstruction_error":
                                   metrics.reconstruction_error(wae, reference.test)})


def report(config, results):
    from zoo import plots

    out, sections = {}, []
    for key, spec in datasets(config):
        per_seed = {s: {**results[f"{key}_seed{s}_two_stage"].metrics,
                        "wae_mmd": results[f"{key}_seed{s}_wae_mmd"].metrics}
                    for s in config["seeds"]}
        first = config["seeds"][0]
        images = {**results[f"{key}_seed{first}_two_stage"].images,
                  **results[f"{key}_seed{first}_wae_mmd"].images}
        grid = np.concatenate([images["real"]] + [images[r][:10] for r, _ in ROWS])
        plots.save_image_grid(grid, f"{config['workdir']}/samples_{key}.png", columns=10,
                              scale=4 if grid.shape[1] < 16 else 2)
        summary = experiment.seed_summary(per_seed, [r for r, _ in ROWS] + [Q_U_ROW])
        out[key] = {"per_seed": {str(s): r for s, r in per_seed.items()}, "summary": summary}
        bias = results[f"{key}_real"].metrics.get("fid") if f"{key}_real" in results else None
        out[key]["fid_real_images"] = bias
        sections += dataset_sections(config, key, spec, summary, bias)
    paper = paper_values.TWO_STAGE_FID
    return {"datasets": out}, sections + [
        "## The paper's table (FID, InfoGAN-style network, kappa 64, 10 trials)",
        experiment.metrics_table(ROWS, PAPER_COLUMNS, paper),
        f"Ours: Adam, batch {config['batch_size']}, lr {config['learning_rate']}, epochs per "
        f"stage {config['epochs']} halved every {config['halve_every']}, WAE-MMD "
        f"{config['wae_epochs']} (lambda {config['wae_mmd_weight']}); kappa "
        f"{config['latent_dim']}, width x{config['width']:g}. Paper: 400 / 800 epochs at lr "
        "1e-4, halved every 150 / 300."]


def fid_protocol(config, bias):
    """What the FID column compares, and FID's bias at its sample count (`fid_bias_row`);
    None when no FID is computed (fid_samples 0)."""
    if not config["fid_samples"]:
        return None
    split = "training" if config["fid_reference"] == "train" else "shuffled test"
    count = f"{config['fid_train']:,}" if config["fid_train"] else "all"
    text = (f"FID: {config['fid_samples']:,} samples"
            + (", each min-max normalised," if config["normalize_samples"] else "")
            + f" against the Inception statistics of {count} {split} images"
            + (" (the two-stage reference code's protocol)" if split != "training"
               and config["normalize_samples"] else "") + "; the paper: 10,000 samples.")
    if bias is None:
        return text
    return text + (f" {config['fid_samples']:,} real images outside the reference score FID "
                   f"{bias:.2f} the same way: FID's bias at this count, the level of a perfect "
                   "sampler.")


def dataset_sections(config, key, spec, summary, bias=None):
    samples, q_u = summary["two_stage_vae"], summary[Q_U_ROW]
    paper = {row: {"fid": values.get(key)} for row, values in paper_values.TWO_STAGE_FID.items()}
    out = [f"## {key} (`{spec}`): mean ± std over {len(config['seeds'])} seed(s) "
           f"{config['seeds']} (the --seed flag is not used)",
           *experiment.image_sections(config, ROWS, summary, paper, "two_stage_vae"),
           *filter(None, [fid_protocol(config, bias)]),
           experiment.stage_table(ROWS, summary, without_stage_2=("first_stage_only",)),
           "Stage 1 only and the two-stage VAE share the first stage (same reconstructions).",
           f"Samples (seed {config['seeds'][0]}; rows: real, stage 1 only, 2-stage, "
           f"WAE-MMD): ![samples](samples_{key}.png)"]
    if all(v is None for v in q_u.values()):
        return out
    return out + [
        "Where the samples lose quality: the two-stage decoders on u ~ N(0, I) (the samples) "
        "and on u ~ q(u), the second stage's aggregate posterior (second-stage reconstructions "
        "of the last training images, as many as samples). The gap between the columns is "
        "what is left of q(u)'s mismatch with N(0, I); the q(u) column bounds these decoders.",
        experiment.markdown_table(["", "u ~ N(0, I) (samples)", "u ~ q(u)"],
                                  [[LABELS.get(m, m.replace("ndb_", "NDB / K, K=")),
                                    samples.get(m), v] for m, v in sorted(q_u.items())
                                   if v is not None and "held_out" not in m])]


RECIPE = experiment.Recipe(
    "two_stage", "Two-stage VAE vs stage 1 vs WAE-MMD (two-stage VAE FID table)", PRESETS,
    "runs/two_stage", rows, report, dry_run=DRY_RUN,
    batch_norm=True)  # the InfoGAN networks: float32 in the CPU plan (zoo.runtime.cpu)

if __name__ == "__main__":
    experiment.main(RECIPE)
