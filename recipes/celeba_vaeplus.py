r"""VAE+ against a plain VAE and WAE-MMD in the same AE + VAE aggregate: reg-balance Tables 3-4.

    ZOO_INCEPTION_GRAPH=/path/to/classify_image_graph_def.pb python -m recipes.celeba_vaeplus \
        --preset=paper --data=folder:/data/img_align_celeba --workdir=runs/celeba_vaeplus  # GPU
    python -m recipes.celeba_vaeplus --data=idx:/path/to/mnist --workdir=runs/mnist_vaeplus

Rows, all sharing one unregularized AE (stage 0, trained first, then frozen): VAE+ (`zoo.VAEPlus`:
a skip VAE on the AE's code measured in pixels through the frozen decoder, a second-stage VAE),
VAE (VAE+'s first two stages: z ~ N(0, I) -> code -> image; the paper trained it apart), WAE-MMD
(`zoo.builders.wae_on_ae`: the frozen AE around a small deterministic pair of the skip VAE's
shape, lambda 100, reconstruction scale 0.05) and Downsample (test images down by 2 and back up,
no model).

Measured (`zoo.experiment.measures`): reconstruction and generation FID of `fid_samples` images
against the Inception statistics of `fid_train` training images (the `fid` extra, or the graph
from --override=inception_graph=PATH or $ZOO_INCEPTION_GRAPH), NDB / K against held-out real
images and, for MNIST digits, FD-MNIST (not FID). Writes results.md, samples.png (supplement
Figure 1), reconstructions.png, samples_<model>.png and models/ (data_ae: the AE alone).
"""

import numpy as np

from recipes import paper_values
from zoo import experiment
from zoo.experiment import budgets, measures, sampling

PAPER = {"data": "folder:/path/to/img_align_celeba", "crops": ["celeba128", "celeba64"],
         "ae": "celeba", "code_dim": 64, "latent_dim": 64, "units": 1024, "depth": 3,
         "second_units": 1024, "ae_units": 0, "batch_size": 128, "learning_rate": 1e-4,
         "epochs": {"0": 400, "1": 400, "2": 400}, "halve_every": {"0": 0, "1": 0, "2": 0},
         "wae_epochs": 400, "wae_mmd_weight": 100.0, "wae_reconstruction_scale": 0.05,
         "ndb_bins": [100, 200, 300], "ndb_train": 80000, "ndb_queries": 20000,
         "ndb_standardize": True, "ndb_n_init": 10, "fid_images": 10000, "fid_samples": 10000,
         "fid_train": 0, "inception_graph": "", "grid_scale": 1, "steps_per_execution": 1}
CPU = {**PAPER, "data": "tfds:mnist", "crops": [], "ae": "mlp", "code_dim": 32,
       "latent_dim": 32, "units": 512, "second_units": 512, "ae_units": 500, "batch_size": 100,
       "learning_rate": 1e-3, "epochs": {"0": 30, "1": 30, "2": 30}, "wae_epochs": 30,
       "ndb_train": 20000, "ndb_queries": 5000, "ndb_standardize": False, "ndb_n_init": 1,
       "fid_samples": 1000, "fid_train": 5000, "grid_scale": 2, "steps_per_execution": 20}
SMOKE = {**CPU, "data": "sklearn:digits", "code_dim": 6, "latent_dim": 4, "units": 16,
         "second_units": 16, "depth": 1, "ae_units": 16, "epochs": {"0": 1, "1": 1, "2": 1},
         "wae_epochs": 1, "ndb_bins": [5, 10, 20], "ndb_train": 500, "ndb_queries": 100,
         "fid_images": 100, "fid_samples": 0, "fid_train": 0, "grid_scale": 4,
         "steps_per_execution": 5}
# colab/03_vaeplus_celeba.ipynb's run: `cpu` with a third of the AE's and WAE's epochs and two
# thirds of the VAEs', NDB and FD-MNIST only (no FID); the notebook states its measured time.
COLAB = {**CPU, "epochs": {"0": 10, "1": 20, "2": 20}, "wae_epochs": 10, "fid_samples": 0}
PRESETS = {"paper": PAPER, "cpu": CPU, "colab": COLAB, "smoke": SMOKE}
# --dry_run: one epoch of two steps per model and stage, small evaluations.
DRY_RUN = {"epochs": {"0": 1, "1": 1, "2": 1}, "wae_epochs": 1, "ndb_bins": [5],
           "ndb_train": 200, "ndb_queries": 100, "ndb_n_init": 1, "fid_images": 100,
           "fid_samples": 10, "fid_train": 20}
ROWS = (("downsample", "Downsample"), ("wae_mmd", "WAE-MMD"), ("vae", "VAE"),
        ("vae_plus", "VAE+"))
PAPER_NDB = {row: {f"ndb_{k}": v for k, v in by_k.items()}
             for row, by_k in paper_values.CELEBA128_NDB.items()}
RECONSTRUCTED = ("fid", "fd_mnist")  # measured on reconstructions and on samples


def build_vae_plus(config, shape):
    from zoo import builders

    ae = (builders.celeba_ae(shape[0]) if config["ae"] == "celeba" else
          builders.mlp_ae(shape, latent_dim=config["code_dim"], units=config["ae_units"],
                          encoder_depth=3, decoder_blocks=2))
    return builders.vae_plus(ae, latent_dim=config["latent_dim"], units=config["units"],
                             depth=config["depth"], second_units=config["second_units"],
                             seed=config["seed"])


def downsample(images):
    """Down by 2 (antialiased bilinear) and back up (bilinear): the paper's "Downsample" row."""
    import tensorflow as tf

    h, w = images.shape[1:3]
    small = tf.image.resize(images, (h // 2, w // 2), method="bilinear", antialias=True)
    return np.clip(tf.image.resize(small, (h, w), method="bilinear").numpy(), 0.0, 1.0)


def rows(config):
    for variant, spec in experiment.crop_variants(config):
        yield from variant_rows(config, variant, spec)


def variant_rows(config, variant, spec):
    """VAE+ (its first two stages are the VAE row), WAE-MMD on VAE+'s AE, and Downsample."""
    from zoo import builders, metrics

    settings = measures.ImageSettings.from_config(config)
    count, seed = measures.num_images(settings), config["seed"]
    reference = measures.image_reference(spec, settings, count)
    real = reference.real

    def measure(generated, recon=None):
        """Generation (and, given reconstructions, reconstruction) FID and FD-MNIST; NDB."""
        out = measures.measure_images(generated, reference, settings)
        result = {f"generation_{k}" if k in RECONSTRUCTED else k: v for k, v in out.items()}
        if recon is not None:  # the same array as `generated`: measured once
            again = out if recon is generated else measures.measure_images(
                recon, reference, settings, RECONSTRUCTED)
            result.update({f"reconstruction_{k}": again[k] for k in RECONSTRUCTED if k in again})
        return result

    def evaluate_vae_plus(model, run):
        vae_plus = measure(run.images["vae_plus"], run.images["vae_plus_reconstructions"])
        common = {"reconstruction_error": metrics.reconstruction_error(model, reference.test),
                  "gamma_stage_1": float(model.first.gamma),
                  "gamma_stage_2": float(model.second.gamma),
                  "active_dims_stage_1": metrics.active_units(model, reference.test),
                  **{k: v for k, v in vae_plus.items() if k.startswith("reconstruction_")}}
        out = {"vae_plus": {**vae_plus, **common}, "vae": {**measure(run.images["vae"]), **common}}
        run.export(model, experiment.export_metadata({**config, "data": spec}, out["vae_plus"]))
        return out

    lr = config["learning_rate"]
    vae_plus = yield experiment.Row(
        f"{variant}_vae_plus", build=lambda: build_vae_plus(config, reference.test.shape[1:]),
        data=spec, evaluate=evaluate_vae_plus,
        budget=budgets.halving(lr, config["halve_every"], config["epochs"]),
        images=lambda m: {"vae_plus_reconstructions": sampling.mapped(m.reconstruct, real),
                          "vae_plus": sampling.samples(m, count, seed),
                          "vae": sampling.prior_decodes(m.decode, m.latent_dim, count, seed)},
        exports=lambda m: {f"{variant}_ae": m.ae})
    yield experiment.Row(
        f"{variant}_wae_mmd", data=spec, build=lambda: builders.wae_on_ae(
            vae_plus.model.ae, config["latent_dim"], units=config["units"],
            depth=config["depth"], mmd_weight=config["wae_mmd_weight"],
            reconstruction_scale=config["wae_reconstruction_scale"], seed=seed),
        budget=budgets.constant(config["wae_epochs"], lr),
        images=lambda m: {"wae_mmd_reconstructions": sampling.mapped(m.reconstruct, real),
                          "wae_mmd": sampling.samples(m, count, seed)},
        evaluate=lambda m, run: {"wae_mmd": {
            **measure(run.images["wae_mmd"], run.images["wae_mmd_reconstructions"]),
            "reconstruction_error": metrics.reconstruction_error(m, reference.test)}})
    down = downsample(real)
    yield experiment.Row(
        f"{variant}_downsample", build=None, images=lambda _: {"real": real, "downsample": down},
        evaluate=lambda _, run: {**measure(down, down), "reconstruction_error": float(
            np.mean(np.sum((down - real) ** 2, axis=(1, 2, 3))))}, export=False)


def report(config, results):
    out, sections = {}, []
    for variant, spec in experiment.crop_variants(config):
        parts = [results[f"{variant}_{row}"] for row in ("vae_plus", "wae_mmd", "downsample")]
        out[variant] = {**parts[0].metrics, **parts[1].metrics, "downsample": parts[2].metrics}
        save_figures(config, variant, spec,
                     {k: v for part in parts for k, v in part.images.items()})
        sections += tables(config, variant, spec, out[variant])
    return {"variants": out}, sections


def save_figures(config, variant, spec, images):
    """samples_<model>.png, samples.png (the supplement's Figure 1) and reconstructions.png."""
    from zoo import plots

    scale, prefix = config["grid_scale"], "" if variant == "data" else f"{variant}_"
    path = f"{config['workdir']}/{prefix}{{}}.png".format
    for name in ("vae_plus", "vae", "wae_mmd"):
        plots.save_image_grid(images[name][:100], path(f"samples_{name}"), columns=10,
                              scale=scale)
    panels = [("(a) real (held-out)", "real"), ("(b) downsampled", "downsample"),
              ("(c) WAE-MMD", "wae_mmd"), ("(d) VAE", "vae"), ("(e) VAE+", "vae_plus")]
    plots.save_panels([(label, images[key][:64]) for label, key in panels], path("samples"),
                      f"Random samples, {variant if variant != 'data' else spec} "
                      f"({config['preset']} preset)", scale=scale)
    rows = [images[key][:10] for key in ("real", "vae_plus_reconstructions",
                                         "wae_mmd_reconstructions", "downsample")]
    plots.save_image_grid(np.concatenate(rows), path("reconstructions"), columns=10,
                          scale=scale)


def tables(config, variant, spec, results):
    label = {"celeba128": "CelebA 128 x 128", "celeba64": "CelebA 64 x 64"}.get(variant, spec)
    prefix, bins = "" if variant == "data" else f"{variant}_", sorted(PAPER_NDB["vae_plus"])
    paper = {row: {**paper_values.CELEBA128_FID.get(row, {}), **PAPER_NDB.get(row, {})}
             for row, _ in ROWS}
    return [
        f"## Tables 3-4 ({label}): reconstruction and generation FID, NDB / K (the paper's "
        "columns: CelebA 128 x 128)",
        *experiment.image_sections(
            config, ROWS, results, paper, "vae_plus",
            fid=(("reconstruction_fid", "Recon. FID"), ("generation_fid", "Gen. FID")),
            fd=(("reconstruction_fd_mnist", "Recon. FD-MNIST"),
                ("generation_fd_mnist", "Gen. FD-MNIST"))),
        "The paper's Table 4 (CelebA 128 x 128, NDB / K):",
        experiment.metrics_table(ROWS, [(k, k.replace("ndb_", "K=")) for k in bins], PAPER_NDB),
        experiment.stage_table(ROWS, results, without_stage_2=("vae",)),
        f"VAE and VAE+ share the AE and the skip VAE (kappa = {config['latent_dim']}, "
        f"{results['vae_plus']['active_dims_stage_1']} active), hence the same reconstructions.",
        f"![samples]({prefix}samples.png)",
        f"Reconstructions ({prefix}reconstructions.png): rows of 10 = originals, VAE/VAE+, "
        f"WAE-MMD, downsampled. ![reconstructions]({prefix}reconstructions.png)"]


RECIPE = experiment.Recipe(
    "celeba_vaeplus", "VAE+ vs VAE vs WAE-MMD in the AE + VAE aggregate (reg-balance Tables 3-4)",
    PRESETS, "runs/celeba_vaeplus", rows, report, dry_run=DRY_RUN,
    workload=lambda config: "conv" if config["ae"] == "celeba" else "dense")

if __name__ == "__main__":
    experiment.main(RECIPE)
