r"""Two-stage VAE vs its first stage vs WAE-MMD: the two-stage VAE paper's FID table.

    python -m recipes.two_stage --data=idx:../shared/data/mnist --workdir=runs/two_stage  # CPU
    python -m recipes.two_stage --data=idx:../shared/data/fashion_mnist \
        --workdir=runs/two_stage_fashion                                   # CPU, Fashion-MNIST
    python -m recipes.two_stage --preset=paper --workdir=runs/two_stage_paper          # GPU
    python -m recipes.two_stage --override=seeds=0,1,2 --override=epochs.1=10

Dai & Wipf (ICLR 2019) train, with the InfoGAN-style network (`zoo.networks.infogan_*`, kappa =
64, learnable gamma, sigma_z = softplus(.) + 1e-6 as in the reference code; with `exp`
BatchNorm's training-mode spikes in the encoder head sent the KL to 1e9), a first-stage VAE on
the images and a second-stage VAE on its latents (3 x Dense(1024) with the concat skip;
`zoo.builders.two_stage_vae`), and compare the FID of 10k samples against 10k real images for:
the first stage alone (z ~ N(0, I) -> decoder), the two-stage VAE (u ~ N(0, I) -> z -> x) and
WAE-MMD with the same network (deterministic encoder, 7-scale IMQ MMD; `zoo.WAEMMD`, lambda =
`wae_mmd_weight`, reconstruction scale `wae_reconstruction_scale`), over several seeds (mean +-
std; the paper uses 10 trials).

FID (`zoo.metrics.fid`: the 2015 Inception network in Keras; needs the `fid` extra, or the frozen
graph via --override=inception_graph=PATH / $ZOO_INCEPTION_GRAPH) of `fid_samples` generated
images against the Inception statistics of `fid_train` training images (0: the whole training
split; cached across seeds and runs). The paper preset uses 10,000 samples against the whole
training set; the cpu preset fewer (FID is biased upwards at small sample sizes: compare only
numbers of equal sizes). Without the extra FID is not computed and results.md says so. An
`idx:` folder holding Fashion-MNIST (recognised by its checksums) is reported under
`fashion_mnist`, beside the paper's Fashion-MNIST column. Always reported:
NDB / K (Richardson & Weiss; K-means on training images, generated vs held-out queries) and,
for MNIST digits (not Fashion-MNIST), the Frechet distance in the project's MNIST classifier
features (`zoo.metrics.fd_mnist_classifier`; not FID, not comparable with the paper's
numbers).

Reference optimisation (SPEC): Adam, batch 64; stage 1 lr 1e-4 halved every 150 epochs for 400
epochs; stage 2 lr 1e-4 halved every 300 epochs for 800 epochs (WAE-MMD: stage 1's schedule).

Presets: `paper` (MNIST, Fashion-MNIST, CIFAR-10, CelebA 64; 10 seeds), `cpu` (MNIST, 2 seeds,
stage 1 3 epochs, stage 2 6 epochs, WAE 3 epochs at lr 5e-4: roughly 25-40 min on 2 busy cores),
`smoke` (sklearn:digits, tiny widths, seconds). Stage 1 learns gamma from `gamma_init`
(paper and reference code: 1); `cpu` starts at 0.01 because Adam moves log gamma by at most
about the learning rate per step, too little in 3 epochs.
Writes config.json, results.json, results.md
(the table with our numbers beside the paper's), samples_<dataset>.png (real, first stage,
two-stage, WAE-MMD) and models/<dataset>_seed<s>_<model>/ (checkpoints, TensorBoard,
SavedModel, metrics) into --workdir; re-running skips finished models.
"""

import functools
import os

import numpy as np
from absl import app

from recipes import paper_values
from zoo import experiment

ROWS = (("first_stage_only", "VAE (stage 1 only)"), ("two_stage_vae", "2-stage VAE"),
        ("wae_mmd", "WAE-MMD"))
Q_U_ROW = "two_stage_vae_q_u"  # the two-stage decoders on u ~ q(u) instead of N(0, I)
PAPER_COLUMNS = ("mnist", "fashion_mnist", "cifar10", "celeba")
NO_FID = ('FID: not computed (fid_samples is 0, or the fid extra is not installed: '
          'pip install -e ".[fid]"; see zoo.metrics.fid)')

PAPER = {
    "data": "tfds:mnist",
    "datasets": {"mnist": "tfds:mnist", "fashion_mnist": "tfds:fashion_mnist",
                 "cifar10": "tfds:cifar10",
                 "celeba": "folder:/path/to/img_align_celeba?crop=celeba64"},
    "seeds": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "latent_dim": 64, "width": 1.0,
    "second_units": 1024, "second_depth": 3, "batch_size": 64, "learning_rate": 1e-4,
    "gamma_init": 1.0,
    "epochs": {"1": 400, "2": 800}, "halve_every": {"1": 150, "2": 300},
    "wae_epochs": 400, "wae_halve_every": 150, "wae_mmd_weight": 100.0,
    "wae_reconstruction_scale": 0.05, "fid_images": 10000, "fid_samples": 10000,
    "fid_train": 0, "ndb_bins": [100, 200, 300],
    "ndb_train": 50000, "ndb_queries": 10000, "ndb_n_init": 10, "inception_graph": "",
    "steps_per_execution": 10,
}
CPU = {**PAPER, "datasets": {"mnist": None}, "seeds": [0, 1], "learning_rate": 5e-4,
       "gamma_init": 0.01, "epochs": {"1": 3, "2": 6}, "halve_every": {"1": 2, "2": 4},
       "wae_epochs": 3, "wae_halve_every": 2, "fid_samples": 1000, "fid_train": 5000,
       "ndb_bins": [50, 100], "ndb_train": 20000, "ndb_queries": 5000, "ndb_n_init": 1,
       "steps_per_execution": 50}
SMOKE = {**CPU, "data": "sklearn:digits", "datasets": {"digits": None}, "latent_dim": 4,
         "width": 0.0625, "second_units": 16, "second_depth": 1, "learning_rate": 2e-3,
         "gamma_init": 1.0, "epochs": {"1": 1, "2": 1}, "halve_every": {"1": 1, "2": 1},
         "wae_epochs": 1, "wae_halve_every": 1, "fid_images": 100, "fid_samples": 0,
         "fid_train": 0, "ndb_bins": [5, 10],
         "ndb_train": 500, "ndb_queries": 100, "steps_per_execution": 5}
PRESETS = {"paper": PAPER, "cpu": CPU, "smoke": SMOKE}
# --dry_run: one epoch of two steps per model and stage, small evaluations.
DRY_RUN = {"seeds": [0], "epochs": {"1": 1, "2": 1}, "halve_every": {"1": 1, "2": 1},
           "wae_epochs": 1, "wae_halve_every": 1, "fid_images": 100, "fid_samples": 10,
           "fid_train": 20, "ndb_bins": [5],
           "ndb_train": 200, "ndb_queries": 100, "ndb_n_init": 1}
experiment.define_flags(PRESETS, default_workdir="runs/two_stage", dry_run=DRY_RUN)


def build_two_stage(config, input_shape):
    import zoo
    from zoo import builders, networks

    k, width = config["latent_dim"], config["width"]
    first = zoo.GaussianVAE(networks.infogan_encoder(input_shape, 2 * k, width=width),
                            networks.infogan_decoder(k, input_shape, width=width),
                            gamma_init=config["gamma_init"], posterior_scale="softplus",
                            seed=config["seed"])
    return builders.two_stage_vae(first, units=config["second_units"],
                                  depth=config["second_depth"], seed=config["seed"])


def build_wae(config, input_shape):
    import zoo
    from zoo import networks

    k, width = config["latent_dim"], config["width"]
    return zoo.WAEMMD(networks.infogan_encoder(input_shape, k, width=width),
                      networks.infogan_decoder(k, input_shape, width=width),
                      mmd_weight=config["wae_mmd_weight"],
                      reconstruction_scale=config["wae_reconstruction_scale"],
                      seed=config["seed"])


def generate(fn, n, latent_dim, seed):
    import tensorflow as tf

    out = []
    for i, start in enumerate(range(0, n, 500)):
        m = min(500, n - start)
        out.append(np.asarray(fn(m, tf.random.stateless_normal([m, latent_dim],
                                                               seed=[seed, 7000 + i]), i)))
    return np.clip(np.concatenate(out), 0.0, 1.0)


def num_generated(config):
    """Images generated per model: enough for FID, FD-MNIST and NDB."""
    return max(config["fid_images"], config["fid_samples"], config["ndb_queries"])


def second_stage_reconstructions(vae, images, seed):
    """`TwoStageVAE.second_stage_reconstruction` of `images` in batches of 500, in [0, 1]."""
    out = [np.asarray(vae.second_stage_reconstruction(images[start:start + 500],
                                                      seed=seed * 1000 + i))
           for i, start in enumerate(range(0, len(images), 500))]
    return np.clip(np.concatenate(out), 0.0, 1.0)


def inception_graph(config):
    """The user's frozen Inception graph (config or $ZOO_INCEPTION_GRAPH), or None."""
    from zoo.experiment import evaluation

    return evaluation.inception_graph(config["inception_graph"])


def fid_reference(config, spec):
    """Inception statistics of `fid_train` training images (0: all), cached; None when FID is
    off (fid_samples 0) or cannot be computed here (`zoo.experiment.evaluation.fid_reference`)."""
    from zoo.experiment import evaluation

    if not config["fid_samples"]:
        return None
    return evaluation.fid_reference(spec, config["fid_train"], inception_graph(config))


def image_metrics(config, real, train_ref, generated, seed, reference=None, fd_mnist=False):
    """FID (against the training statistics `reference`, if given), FD-MNIST (`fd_mnist`: digit
    images) and NDB / K."""
    from zoo import metrics

    result = {}
    if reference is not None:
        result["fid"] = metrics.fid_to_statistics(generated, reference,
                                                  num_images=config["fid_samples"],
                                                  inception_path=inception_graph(config))
    n = config["fid_images"]
    if fd_mnist:
        result["fd_mnist"] = metrics.fd_mnist_classifier(real[:n], generated[:n])
    for k in config["ndb_bins"]:
        q = config["ndb_queries"]
        out = metrics.ndb(train_ref, generated[:q], test_samples=real[:q], num_bins=k,
                          n_init=config["ndb_n_init"], seed=seed)
        result[f"ndb_{k}"] = out["ndb_over_k"]
        result[f"ndb_{k}_held_out_real"] = out["test_ndb_over_k"]
    return result


def run_seed(config, key, spec, seed, real, train_ref, x_test, reference, train_tail):
    """Train (resumable) the two-stage VAE and WAE-MMD with `seed`; cached metrics.
    `train_tail`: the training images whose second-stage reconstructions are measured."""
    import keras

    from zoo import data, metrics, training
    from zoo.experiment import evaluation

    seeded = {**config, "seed": seed}
    steps = experiment.batches_per_epoch(spec, config["batch_size"])
    train = functools.partial(data.load, spec, "train", batch_size=config["batch_size"],
                              shuffle=True, seed=seed)
    compile_kwargs = {"steps_per_execution": config["steps_per_execution"]}
    n_gen = num_generated(config)
    results, samples = {}, {}
    measure = functools.partial(image_metrics, config, real, train_ref, seed=seed,
                                reference=reference,
                                fd_mnist=evaluation.has_digit_images(spec, x_test.shape[1:]))

    keras.utils.set_random_seed(seed)
    vae = build_two_stage(seeded, x_test.shape[1:])
    vae_dir = experiment.model_dir(config, f"{key}_seed{seed}_two_stage")
    epochs = {int(s): e for s, e in config["epochs"].items()}
    rates = {s: training.halving_schedule(config["learning_rate"], steps,
                                          config["halve_every"][str(s)], e)
             for s, e in epochs.items()}
    training.train(vae, train, vae_dir, epochs=epochs, learning_rate=rates, verbose=2,
                   compile_kwargs=compile_kwargs)
    samples["first_stage_only"] = generate(lambda m, z, i: vae.first.generate(z), n_gen,
                                           vae.latent_dim, seed)
    samples["two_stage_vae"] = generate(lambda m, z, i: vae.sample(m, seed=seed * 1000 + i),
                                        n_gen, vae.latent_dim, seed)

    def evaluate_vae():
        common = {"reconstruction_error": metrics.reconstruction_error(vae, x_test),
                  "gamma_stage_1": float(vae.first.gamma),
                  "gamma_stage_2": float(vae.second.gamma),
                  "active_dims_stage_1": metrics.active_units(vae, x_test)}
        return {name: {**measure(samples[name]), **common}
                for name in ("first_stage_only", "two_stage_vae")}

    results.update(experiment.cached_json(os.path.join(vae_dir, "results.json"), evaluate_vae))
    samples[Q_U_ROW] = second_stage_reconstructions(vae, train_tail, seed)
    results[Q_U_ROW] = experiment.cached_json(os.path.join(vae_dir, "results_q_u.json"),
                                              lambda: measure(samples[Q_U_ROW]))
    experiment.export_once(vae, vae_dir, experiment.export_metadata(
        {**config, "data": spec}, results["two_stage_vae"]))

    keras.utils.set_random_seed(seed)
    wae = build_wae(seeded, x_test.shape[1:])
    wae_dir = experiment.model_dir(config, f"{key}_seed{seed}_wae_mmd")
    training.train(wae, train, wae_dir, epochs=config["wae_epochs"],
                   learning_rate=training.halving_schedule(
                       config["learning_rate"], steps, config["wae_halve_every"],
                       config["wae_epochs"]),
                   verbose=2, compile_kwargs=compile_kwargs)
    samples["wae_mmd"] = generate(lambda m, z, i: wae.generate(z), n_gen, wae.latent_dim, seed)
    results["wae_mmd"] = experiment.cached_json(
        os.path.join(wae_dir, "results.json"),
        lambda: {**measure(samples["wae_mmd"]),
                 "reconstruction_error": metrics.reconstruction_error(wae, x_test)})
    experiment.export_once(wae, wae_dir, experiment.export_metadata(
        {**config, "data": spec}, results["wae_mmd"]))
    return results, samples


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    if len(values) == 1:
        return f"{values[0]:.4g}"
    return f"{np.mean(values):.4g} ± {np.std(values, ddof=1):.2g}"


def run_dataset(config, key, spec):
    from zoo import data, plots

    splits = data.info(spec).splits
    x_test, _ = data.load_numpy(spec, "test" if "test" in splits else "train")
    n_train = min(config["ndb_train"], splits["train"])
    train_ref, _ = data.load_numpy(spec, f"train[:{n_train}]")
    # The last training images: outside NDB's reference where the split is large enough.
    train_tail, _ = data.load_numpy(
        spec, f"train[-{min(num_generated(config), splits['train'])}:]")
    real = experiment.held_out(x_test, max(config["fid_images"], config["ndb_queries"]))
    reference = fid_reference(config, spec)
    per_seed = {}
    for seed in config["seeds"]:
        per_seed[seed], samples = run_seed(config, key, spec, seed, real, train_ref, x_test,
                                           reference, train_tail)
        if seed == config["seeds"][0]:
            grid = np.concatenate([real[:10]] + [samples[name][:10] for name, _ in ROWS])
            plots.save_image_grid(grid, os.path.join(config["workdir"], f"samples_{key}.png"),
                                  columns=10, scale=4 if real.shape[1] < 16 else 2)
    metric_keys = sorted({m for r in per_seed.values() for row in r.values() for m in row})
    summary = {name: {m: mean_std([per_seed[s][name].get(m) for s in config["seeds"]])
                      for m in metric_keys} for name in [row for row, _ in ROWS] + [Q_U_ROW]}
    return {"per_seed": {str(s): r for s, r in per_seed.items()}, "summary": summary}


def sections_for(config, key, spec, result):
    summary = result["summary"]
    n_seeds = len(config["seeds"])
    has_fid = summary["two_stage_vae"].get("fid") is not None
    paper = paper_values.TWO_STAGE_FID
    in_paper = key in PAPER_COLUMNS
    table = experiment.markdown_table(
        ["", "FID (ours)", f"FID (paper, {key})" if in_paper else "FID (paper)"],
        [[name, summary[row].get("fid") if has_fid else "not computed",
          paper[row][key] if in_paper else "—"] for row, name in ROWS])
    n_train = config["fid_train"] or "all"
    out = [f"## {key} (`{spec}`): FID of {config['fid_samples']} samples vs the Inception "
           f"statistics of {n_train} training images, mean ± std over {n_seeds} seed(s) "
           f"{config['seeds']} (the --seed flag is not used; paper: 10,000 samples)", table]
    if not has_fid:
        out.append(f"**{NO_FID}.**")
    if summary["two_stage_vae"].get("fd_mnist") is not None:
        out += ["Frechet distance in the MNIST classifier's features (`fd_mnist_classifier`, "
                f"**not FID**; {config['fid_images']} generated vs held-out test images; "
                "smaller is better):",
                experiment.markdown_table(["", "FD-MNIST"],
                                          [[name, summary[row]["fd_mnist"]]
                                           for row, name in ROWS])]
    bins = config["ndb_bins"]
    out += [f"NDB / K (K-means on {config['ndb_train']} training images or all, "
            f"{config['ndb_queries']} queries, z-test at 0.05; the held-out real row is the level "
            "of a perfect model at this sample size):",
            experiment.markdown_table(
                [""] + [f"K={k}" for k in bins],
                [[name] + [summary[row][f"ndb_{k}"] for k in bins] for row, name in ROWS]
                + [["held-out real"] + [summary["two_stage_vae"][f"ndb_{k}_held_out_real"]
                                        for k in bins]]),
            experiment.markdown_table(
                ["", "Rec. err. (test)", "gamma stage 1", "gamma stage 2",
                 "active dims stage 1"],
                [[name, summary[row].get("reconstruction_error"),
                  summary[row].get("gamma_stage_1"), summary[row].get("gamma_stage_2")
                  if row == "two_stage_vae" else None, summary[row].get("active_dims_stage_1")]
                 for row, name in ROWS]),
            "Stage 1 only and the two-stage VAE share the first stage (same reconstructions).",
            f"Samples (seed {config['seeds'][0]}; rows: real, stage 1 only, 2-stage, "
            f"WAE-MMD): ![samples](samples_{key}.png)"]
    return out + second_stage_gap(config, summary)


def second_stage_gap(config, summary):
    """The two-stage samples beside the same decoders fed u ~ q(u) (`Q_U_ROW`)."""
    samples, q_u = summary["two_stage_vae"], summary.get(Q_U_ROW)
    if not q_u:
        return []
    metrics_ = [("fid", "FID")] * (samples.get("fid") is not None)
    metrics_ += [("fd_mnist", "FD-MNIST")] * (samples.get("fd_mnist") is not None)
    metrics_ += [(f"ndb_{k}", f"NDB / K, K={k}") for k in config["ndb_bins"]]
    return [f"Where the samples lose quality: the two-stage decoders on u ~ N(0, I) (the "
            f"samples) and on u ~ q(u), the second stage's aggregate posterior (second-stage "
            f"reconstructions of the last {num_generated(config)} training images, "
            f"`TwoStageVAE.second_stage_reconstruction`; same counts as above). The second "
            f"stage is trained to make q(u) match N(0, I); the gap between the columns is what "
            f"is left of that mismatch, and the q(u) column bounds the samples of these "
            f"decoders (as reconstruction FID does in the VAE+ paper).",
            experiment.markdown_table(["", "u ~ N(0, I) (samples)", "u ~ q(u)"],
                                      [[name, samples.get(m), q_u.get(m)]
                                       for m, name in metrics_])]


def main(argv):
    from zoo.data import idx

    del argv
    config = experiment.configure(PRESETS)
    results, sections = {}, []
    for key, spec in config["datasets"].items():
        spec = spec or config["data"]
        key = idx.identify_spec(spec) or key   # an idx: folder of Fashion-MNIST -> its column
        results[key] = run_dataset(config, key, spec)
        sections += sections_for(config, key, spec, results[key])
    paper = paper_values.TWO_STAGE_FID
    sections += [
        "## The paper's table (FID, InfoGAN-style network, kappa 64, 10 trials)",
        experiment.markdown_table(["", "MNIST", "Fashion", "CIFAR-10", "CelebA"],
                                  [[name] + [paper[row][c] for c in PAPER_COLUMNS]
                                   for row, name in ROWS]),
        f"Ours: Adam, batch {config['batch_size']}, lr {config['learning_rate']}; stage 1 "
        f"{config['epochs']['1']} epochs (halved every {config['halve_every']['1']}), stage 2 "
        f"{config['epochs']['2']} epochs (halved every {config['halve_every']['2']}), WAE-MMD "
        f"{config['wae_epochs']} epochs (lambda {config['wae_mmd_weight']}, reconstruction "
        f"scale {config['wae_reconstruction_scale']}); kappa {config['latent_dim']}, width "
        f"x{config['width']:g}. Paper: 400 / 800 epochs at lr 1e-4, halved every 150 / 300."]
    experiment.write_results(config, {"datasets": results},
                             "Two-stage VAE vs stage 1 vs WAE-MMD (two-stage VAE FID table)",
                             sections)


if __name__ == "__main__":
    app.run(main)
