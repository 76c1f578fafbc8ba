r"""VAE+ against a plain VAE and WAE-MMD in the same AE + VAE aggregate: reg-balance Tables 3-4.

    # The paper's experiment (GPU): CelebA 128 x 128 (and 64 x 64) center crops.
    ZOO_INCEPTION_GRAPH=/path/to/classify_image_graph_def.pb python -m recipes.celeba_vaeplus \
        --preset=paper --data=folder:/data/img_align_celeba --workdir=runs/celeba_vaeplus
    # The same pipeline on MNIST (2 CPU cores, about 20-30 min):
    python -m recipes.celeba_vaeplus --data=idx:/path/to/mnist --workdir=runs/mnist_vaeplus

Models, all sharing one unregularized AE (stage 0, trained first, then frozen):

- VAE+  : AE, a small skip VAE on the AE code (kappa = code size, reconstruction measured in
          pixel space through the frozen AE decoder), a second-stage VAE on its z; samples
          u ~ N(0, I) -> z -> code -> image (`zoo.VAEPlus`).
- VAE   : the same AE + skip VAE without the second stage: samples z ~ N(0, I) -> code ->
          image. (It is VAE+'s first two stages, so its reconstructions are VAE+'s; the paper
          trained it separately.)
- WAE-MMD: the frozen AE's encoder and decoder wrapped around a small deterministic network
          pair of the skip VAE's shape, trained with the WAE-MMD loss in pixel space
          (`zoo.WAEMMD`: lambda = 100, reconstruction scale 0.05, 7-scale IMQ kernel).
- Downsample: test images downsampled by 2 and upsampled back (bilinear), no model.

Metrics: reconstruction and generation FID of `fid_samples` images (reconstructions of held-out
test images; samples) against the Inception statistics of `fid_train` training images (0: all;
`zoo.metrics.fid`: the Keras port of the 2015 FID network, installed with the `fid` extra, or
the original graph from --override=inception_graph=PATH or $ZOO_INCEPTION_GRAPH), NDB / K for
K = 100, 200, 300 (`zoo.metrics.ndb`, with held-out real images as the reference level) and, for
MNIST digits, the Frechet distance in the project's MNIST classifier features
(`zoo.metrics.fd_mnist_classifier`, not FID). Writes results.md (Tables 3-4, ours beside the
paper's), samples.png (real, downsampled and every model's samples side by side, like the
supplement's Figure 1), reconstructions.png, samples_<model>.png, models/ (checkpoints,
TensorBoard, SavedModels: data_vae_plus, data_wae_mmd and data_ae, the AE of stage 0 alone)
into --workdir. Re-running resumes and skips finished models.
"""

import functools
import os

import numpy as np
from absl import app

from recipes import paper_values
from zoo import experiment

PAPER = {"data": "folder:/path/to/img_align_celeba", "crops": ["celeba128", "celeba64"],
         "ae": "celeba", "code_dim": 64, "latent_dim": 64, "units": 1024, "depth": 3,
         "second_units": 1024, "ae_units": 0, "batch_size": 128, "learning_rate": 1e-4,
         "epochs": {"0": 400, "1": 400, "2": 400}, "halve_every": {"0": 0, "1": 0, "2": 0},
         "wae_epochs": 400,
         "wae_mmd_weight": 100.0, "wae_reconstruction_scale": 0.05,
         "ndb_bins": [100, 200, 300], "ndb_train": 80000, "ndb_queries": 20000,
         "ndb_standardize": True, "ndb_n_init": 10, "fid_images": 10000,
         "fid_samples": 10000, "fid_train": 0,
         "inception_graph": "", "grid_scale": 1, "steps_per_execution": 1}
CPU = {**PAPER, "data": "tfds:mnist", "crops": [], "ae": "mlp", "code_dim": 32,
       "latent_dim": 32, "units": 512, "second_units": 512, "ae_units": 500, "batch_size": 100,
       "learning_rate": 1e-3, "epochs": {"0": 30, "1": 30, "2": 30}, "wae_epochs": 30,
       "ndb_train": 20000, "ndb_queries": 5000, "ndb_standardize": False, "ndb_n_init": 1,
       "fid_samples": 1000, "fid_train": 5000,
       "grid_scale": 2, "steps_per_execution": 20}
SMOKE = {**CPU, "data": "sklearn:digits", "code_dim": 6, "latent_dim": 4, "units": 16,
         "second_units": 16,
         "depth": 1, "ae_units": 16, "epochs": {"0": 1, "1": 1, "2": 1}, "wae_epochs": 1,
         "ndb_bins": [5, 10, 20], "ndb_train": 500, "ndb_queries": 100, "fid_images": 100,
         "fid_samples": 0, "fid_train": 0,
         "grid_scale": 4, "steps_per_execution": 5}
PRESETS = {"paper": PAPER, "cpu": CPU, "smoke": SMOKE}
# --dry_run: one epoch of two steps per model and stage, small evaluations.
DRY_RUN = {"epochs": {"0": 1, "1": 1, "2": 1}, "wae_epochs": 1, "ndb_bins": [5],
           "ndb_train": 200, "ndb_queries": 100, "ndb_n_init": 1, "fid_images": 100,
           "fid_samples": 10, "fid_train": 20}
experiment.define_flags(PRESETS, default_workdir="runs/celeba_vaeplus", dry_run=DRY_RUN,
                         workload=lambda config: "conv" if config["ae"] == "celeba"
                         else "dense")
ROWS = (("downsample", "Downsample"), ("wae_mmd", "WAE-MMD"), ("vae", "VAE"),
        ("vae_plus", "VAE+"))
NO_FID = ("FID: not computed (fid_samples 0, or neither the `fid` extra nor an Inception "
          "graph; see zoo.metrics.fid)")


def variants(config):
    if not config["crops"]:
        return [("data", config["data"])]
    sep = "&" if "?" in config["data"] else "?"
    return [(crop, f"{config['data']}{sep}crop={crop}") for crop in config["crops"]]


def build_vae_plus(config, input_shape):
    from zoo import builders

    if config["ae"] == "celeba":
        ae = builders.celeba_ae(input_shape[0])
    else:
        ae = builders.mlp_ae(input_shape, latent_dim=config["code_dim"],
                             units=config["ae_units"], encoder_depth=3, decoder_blocks=2)
    return builders.vae_plus(ae, latent_dim=config["latent_dim"], units=config["units"],
                             depth=config["depth"], second_units=config["second_units"],
                             seed=config["seed"])


def build_wae(config, ae):
    """WAE-MMD in the aggregate: frozen AE encoder -> small net -> z -> small net -> frozen AE
    decoder, trained in pixel space."""
    import keras

    import zoo
    from zoo import networks

    ae.encoder.trainable = False
    ae.decoder.trainable = False
    code, kappa = ae.latent_dim, config["latent_dim"]
    encoder = keras.Sequential([keras.Input(ae.input_shape_), ae.encoder,
                                networks.second_stage_encoder(code, kappa, units=config["units"],
                                                              depth=config["depth"])],
                               name="wae_encoder")
    decoder = keras.Sequential([keras.Input((kappa,)),
                                networks.second_stage_decoder(kappa, code, units=config["units"],
                                                              depth=config["depth"]),
                                ae.decoder], name="wae_decoder")
    return zoo.WAEMMD(encoder, decoder, mmd_weight=config["wae_mmd_weight"],
                      reconstruction_scale=config["wae_reconstruction_scale"],
                      seed=config["seed"])


def downsample(images):
    """Down by 2 (antialiased bilinear) and back up (bilinear): the paper's "Downsample" row."""
    import tensorflow as tf

    h, w = images.shape[1:3]
    small = tf.image.resize(images, (h // 2, w // 2), method="bilinear", antialias=True)
    return np.clip(tf.image.resize(small, (h, w), method="bilinear").numpy(), 0.0, 1.0)


def batched_numpy(fn, x, batch_size=500):
    return np.concatenate([np.asarray(fn(x[i:i + batch_size]))
                           for i in range(0, len(x), batch_size)])


def sample(model, n, seed, prior_on_z=False):
    """n samples: VAE+ through both stages, or (prior_on_z) the plain VAE: z ~ N(0, I)."""
    import tensorflow as tf

    out = []
    for i, start in enumerate(range(0, n, 500)):
        m = min(500, n - start)
        if prior_on_z:
            z = tf.random.stateless_normal([m, model.latent_dim], seed=[seed, 1000 + i])
            out.append(np.asarray(model.decode(z)))
        else:
            out.append(np.asarray(model.sample(m, seed=seed * 1000 + i)))
    return np.clip(np.concatenate(out), 0.0, 1.0)


def image_metrics(config, real_test, train_ref, recon, generated, reference=None,
                  fd_mnist=False):
    """FID of reconstructions and samples (against the training statistics `reference`, if
    given), the MNIST-classifier FD (`fd_mnist`: digit images), NDB / K for every K. `recon`
    None: no reconstruction metrics; one array passed as both is measured once (Downsample)."""
    from zoo import metrics
    from zoo.experiment import evaluation

    graph = evaluation.inception_graph(config["inception_graph"])
    measures = []
    if reference is not None:
        measures.append(("fid", lambda images: metrics.fid_to_statistics(
            images, reference, num_images=config["fid_samples"], inception_path=graph)))
    if fd_mnist:
        measures.append(("fd_mnist",
                         lambda images: metrics.fd_mnist_classifier(real_test, images)))
    result = {}
    for name, measure in measures:
        if recon is not None:
            result[f"reconstruction_{name}"] = measure(recon)
        result[f"generation_{name}"] = (result[f"reconstruction_{name}"] if generated is recon
                                        else measure(generated))
    for k in config["ndb_bins"]:
        out = metrics.ndb(train_ref, generated[:config["ndb_queries"]],
                          test_samples=real_test[:config["ndb_queries"]], num_bins=k,
                          standardize=config["ndb_standardize"], n_init=config["ndb_n_init"],
                          seed=config["seed"])
        result[f"ndb_{k}"] = out["ndb_over_k"]
        result[f"ndb_{k}_held_out_real"] = out["test_ndb_over_k"]
    return result


def run_variant(config, variant, spec):
    import keras

    from zoo import data, metrics, plots, training
    from zoo.experiment import evaluation

    x_test, _ = data.load_numpy(spec, "test" if "test" in data.info(spec).splits else "train")
    n_train = min(config["ndb_train"], data.info(spec).splits["train"])
    train_ref, _ = data.load_numpy(spec, f"train[:{n_train}]")
    real_test = experiment.held_out(x_test, max(config["ndb_queries"], config["fid_images"],
                                                config["fid_samples"]))
    train = functools.partial(data.load, spec, "train", batch_size=config["batch_size"],
                              shuffle=True, seed=config["seed"])
    compile_kwargs = {"steps_per_execution": config["steps_per_execution"]}
    n_gen = max(config["ndb_queries"], config["fid_samples"],
                min(config["fid_images"], len(real_test)))
    reference = None
    if config["fid_samples"]:
        reference = evaluation.fid_reference(
            spec, config["fid_train"], evaluation.inception_graph(config["inception_graph"]))

    keras.utils.set_random_seed(config["seed"])
    vae_plus = build_vae_plus(config, x_test.shape[1:])
    vp_dir = experiment.model_dir(config, f"{variant}_vae_plus")
    steps = experiment.batches_per_epoch(spec, config["batch_size"])
    epochs = {int(k): v for k, v in config["epochs"].items()}
    rates = {s: training.halving_schedule(config["learning_rate"], steps,
                                          config["halve_every"][str(s)], e)
             for s, e in epochs.items()}
    training.train(vae_plus, train, vp_dir, epochs=epochs, learning_rate=rates, verbose=2,
                   compile_kwargs=compile_kwargs)
    wae = build_wae(config, vae_plus.ae)
    wae_dir = experiment.model_dir(config, f"{variant}_wae_mmd")
    training.train(wae, train, wae_dir, epochs=config["wae_epochs"],
                   learning_rate=config["learning_rate"], verbose=2,
                   compile_kwargs=compile_kwargs)

    recon_vae = batched_numpy(vae_plus.reconstruct, real_test)
    recon_wae = batched_numpy(wae.reconstruct, real_test)
    samples = {"vae_plus": sample(vae_plus, n_gen, config["seed"]),
               "vae": sample(vae_plus, n_gen, config["seed"], prior_on_z=True),
               "wae_mmd": sample(wae, n_gen, config["seed"])}
    down = downsample(real_test)
    measure = functools.partial(image_metrics, config, real_test, train_ref, reference=reference,
                                fd_mnist=evaluation.has_digit_images(spec, x_test.shape[1:]))

    def evaluate_vae_plus():
        # The VAE is VAE+'s first two stages: the same reconstructions, measured once.
        out = {"vae_plus": measure(recon_vae, samples["vae_plus"]),
               "vae": measure(None, samples["vae"])}
        out["vae"].update({k: v for k, v in out["vae_plus"].items()
                           if k.startswith("reconstruction_")})
        common = {"reconstruction_error": metrics.reconstruction_error(vae_plus, x_test),
                  "gamma_stage_1": float(vae_plus.first.gamma),
                  "gamma_stage_2": float(vae_plus.second.gamma),
                  "active_dims_stage_1": metrics.active_units(vae_plus, x_test)}
        for name in out:
            out[name].update(common)
        return out

    def evaluate_wae():
        return {"wae_mmd": {**measure(recon_wae, samples["wae_mmd"]),
                            "reconstruction_error": metrics.reconstruction_error(wae, x_test)}}

    results = {
        **experiment.cached_json(os.path.join(vp_dir, "results.json"), evaluate_vae_plus),
        **experiment.cached_json(os.path.join(wae_dir, "results.json"), evaluate_wae),
        "downsample": experiment.cached_json(
            os.path.join(experiment.model_dir(config, f"{variant}_downsample"), "results.json"),
            lambda: {**measure(down, down),
                     "reconstruction_error": float(np.mean(np.sum(
                         (down - real_test) ** 2, axis=(1, 2, 3))))}),
    }
    metadata = experiment.export_metadata({**config, "data": spec}, results["vae_plus"])
    experiment.export_once(vae_plus, vp_dir, metadata)
    experiment.export_once(wae, wae_dir, experiment.export_metadata(
        {**config, "data": spec}, results["wae_mmd"]))
    experiment.export_once(vae_plus.ae, experiment.model_dir(config, f"{variant}_ae"),
                           experiment.export_metadata({**config, "data": spec}, {}))

    prefix = "" if variant == "data" else f"{variant}_"
    scale = config["grid_scale"]
    for name, images in samples.items():
        plots.save_image_grid(images[:100], os.path.join(config["workdir"],
                                                         f"{prefix}samples_{name}.png"),
                              columns=10, scale=scale)
    panels = [("(a) real (held-out)", real_test[:64]), ("(b) downsampled", down[:64]),
              ("(c) WAE-MMD", samples["wae_mmd"][:64]), ("(d) VAE", samples["vae"][:64]),
              ("(e) VAE+", samples["vae_plus"][:64])]
    figure_grid(config, panels, os.path.join(config["workdir"], f"{prefix}samples.png"),
                f"Random samples, {variant if variant != 'data' else spec} "
                f"({config['preset']} preset)")
    rows = np.concatenate([real_test[:10], recon_vae[:10], recon_wae[:10], down[:10]])
    plots.save_image_grid(rows, os.path.join(config["workdir"], f"{prefix}reconstructions.png"),
                          columns=10, scale=scale)
    return results


def figure_grid(config, panels, path, title):
    from zoo import plots

    plt = experiment.pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.6))
    for ax, (label, images) in zip(axes, panels):
        grid = plots.image_grid(images, columns=8, scale=config["grid_scale"])
        ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray",
                  interpolation="nearest")
        ax.set_title(label)
        ax.axis("off")
    fig.suptitle(title)
    experiment.save_figure(fig, path, dpi=150)


def tables(config, variant, spec, results):
    label = {"celeba128": "CelebA 128 x 128", "celeba64": "CelebA 64 x 64"}.get(variant, spec)
    paper_fid = paper_values.CELEBA128_FID
    paper_ndb = {row: {f"ndb_{k}": v for k, v in by_k.items()}
                 for row, by_k in paper_values.CELEBA128_NDB.items()}
    has_fid = "reconstruction_fid" in results["vae_plus"]
    fid_table = experiment.comparison_table(
        "", list(ROWS), [("reconstruction_fid", "Recon. FID"), ("generation_fid", "Gen. FID")],
        results, paper_fid)
    sections = [f"## Table 3 ({label}): reconstruction and generation FID", fid_table]
    if not has_fid:
        sections.append(f"**{NO_FID}.** The paper's column is CelebA 128 x 128.")
    else:
        graph = config["inception_graph"] or "the Keras port of the 2015 FID network"
        sections.append(
            f"FID: {config['fid_samples']} reconstructions of held-out test images (Recon.) or "
            f"samples (Gen.) against the Inception statistics of "
            f"{config['fid_train'] or 'all'} training images ({graph}); FID grows as the "
            "sample count falls (the paper: 10,000)."
            + (" The paper's column is CelebA 128 x 128." if variant != "celeba128" else ""))
    if "reconstruction_fd_mnist" in results["vae_plus"]:
        sections += [
            "Frechet distance in the MNIST classifier's features (`fd_mnist_classifier`, "
            "**not FID**; smaller is better; vs held-out test images):",
            experiment.markdown_table(
                ["", "Recon. FD-MNIST", "Gen. FD-MNIST"],
                [[name, results[key]["reconstruction_fd_mnist"],
                  results[key]["generation_fd_mnist"]] for key, name in ROWS])]
    bins = config["ndb_bins"]
    ndb_table = experiment.comparison_table(
        "", list(ROWS) + [("held_out", "Held-out real")],
        [(f"ndb_{k}", f"K={k}") for k in bins],
        {**results, "held_out": {f"ndb_{k}": results["vae_plus"][f"ndb_{k}_held_out_real"]
                                 for k in bins}}, paper_ndb)
    sections += [f"## Table 4 ({label}): NDB / K (smaller is better)", ndb_table,
                 f"NDB: K-means on {config['ndb_train']} training images (or all), "
                 f"{config['ndb_queries']} generated vs held-out queries, z-test at 0.05, "
                 f"standardize={config['ndb_standardize']}, n_init={config['ndb_n_init']}. "
                 "The held-out real row is the level a perfect model reaches with this "
                 "sample size. Paper values: CelebA 128 x 128."]
    paper_bins = sorted(paper_values.CELEBA128_NDB["vae_plus"])
    if list(bins) != paper_bins:
        sections += ["The paper's Table 4 (CelebA 128 x 128, NDB / K):",
                     experiment.markdown_table(
                         [""] + [f"K={k}" for k in paper_bins],
                         [[name] + [paper_values.CELEBA128_NDB[key][k] for k in paper_bins]
                          for key, name in ROWS])]
    vp = results["vae_plus"]
    sections += [experiment.markdown_table(
        ["", "Rec. err. (sum of squares)", "gamma stage 1", "gamma stage 2",
         "active dims stage 1"],
        [[name, results[key]["reconstruction_error"], results[key].get("gamma_stage_1"),
          results[key].get("gamma_stage_2") if key == "vae_plus" else None,
          results[key].get("active_dims_stage_1")] for key, name in ROWS]),
        f"VAE and VAE+ share the AE and the skip VAE (kappa = {config['latent_dim']}, "
        f"{vp['active_dims_stage_1']} active), hence the same reconstructions."]
    prefix = "" if variant == "data" else f"{variant}_"
    sections += [f"![samples]({prefix}samples.png)",
                 f"Reconstructions ({prefix}reconstructions.png): rows of 10 = originals, "
                 "VAE/VAE+, WAE-MMD, downsampled.",
                 f"![reconstructions]({prefix}reconstructions.png)"]
    return sections


def main(argv):
    del argv
    config = experiment.configure(PRESETS)
    results, sections = {}, []
    for variant, spec in variants(config):
        results[variant] = run_variant(config, variant, spec)
        sections += tables(config, variant, spec, results[variant])
    experiment.write_results(config, {"variants": results},
                             "VAE+ vs VAE vs WAE-MMD in the AE + VAE aggregate "
                             "(reg-balance Tables 3-4)", sections)


if __name__ == "__main__":
    app.run(main)
