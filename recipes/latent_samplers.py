r"""Latent samplers: every published model sampled through densities fitted to its own codes.

    python -m recipes.latent_samplers --workdir=runs/latent_samplers                  # CPU
    python -m recipes.latent_samplers --override=inception_samples=1000               # + FID, KID

The two-stage VAE paper's thesis is that a VAE samples badly because its aggregate posterior
q(z) does not match N(0, I), and that a second VAE on z fixes it. Ex-post density estimation
fits a density to the codes instead. Rows: each published model (`models`: SavedModel folders
and their data) x each sampler of `zoo.samplers` fitted to the encoder means of `fit_images`
training images: `own` (the export's `sample` signature: N(0, I) for a one-stage model, the
second stage for a two-stage one), `normal` (N(0, I) decoded by the first stage), `gaussian`,
`gmm` and `flow`. A plain AE has no prior: its `own` and `normal` rows decode noise.

Measured on `num_samples` samples (`zoo.experiment.measures`): NDB / K against held-out test
images and, for MNIST digits, FD-MNIST (the project's classifier features; not FID); with
`inception_samples` > 0, on that many samples: FID against the training statistics, KID (with
its standard error) and improved precision / recall (k = 3) in 2015 Inception features.
Writes results.md, samples_<model>.png (a row per sampler) and models/<model>_<sampler>/.
"""

import numpy as np

from zoo import experiment
from zoo.experiment import measures, sampling

SAMPLERS = {"normal": {}, "gaussian": {}, "gmm": {"components": 10},
            "flow": {"layers": 4, "hidden_units": [256, 256], "epochs": 20}}
BASE = {"data": None, "samplers": SAMPLERS, "fit_images": 60000,
        "num_samples": 10000, "inception_samples": 0, "fid_images": 10000, "ndb_bins": [100],
        "ndb_train": 20000, "ndb_queries": 10000, "ndb_n_init": 1, "fid_samples": 0,
        "fid_train": 10000, "inception_graph": "", "seed": 0}


def presets():
    """`cpu` and `paper`: the published models on the local IDX folders (`zoo.data.locations`,
    read now); `smoke`: no model of its own (a test gives one with --override=models=...)."""
    from zoo.data import locations

    mnist, fashion = locations.idx_spec("mnist"), locations.idx_spec("fashion_mnist")
    published = {name: {"path": f"savedmodels/{name}", "data": fashion if name.startswith(
        "fashion") else mnist} for name in ("mnist_ae", "mnist_wae_mmd", "mnist_vae",
                                            "mnist_two_stage", "mnist_vaeplus", "fashion_vae",
                                            "fashion_two_stage")}
    cpu = {**BASE, "models": published}
    smoke = {**BASE, "models": {}, "fit_images": 200, "num_samples": 100, "fid_images": 100,
             "ndb_bins": [5], "ndb_train": 500, "ndb_queries": 100,
             "samplers": {"gaussian": {}, "gmm": {"components": 3},
                          "flow": {"layers": 1, "hidden_units": [8], "epochs": 1}}}
    return {"paper": cpu, "cpu": cpu, "smoke": smoke}


def rows(config):
    from zoo import data, samplers
    from zoo.experiment import evaluation

    for name, entry in config["models"].items():
        model, _ = evaluation.load_model(entry["path"])
        spec = entry["data"]
        settings = measures.ImageSettings.from_config({**config, "fid_samples": 0})
        reference = measures.image_reference(spec, settings, config["num_samples"])
        train, _ = data.load_numpy(spec, f"train[:{config['fit_images']}]")
        codes = samplers.latent_codes(model, train)
        draws = {"own": lambda n, seed: sampling.samples(model, n, seed)}
        for sampler, kwargs in config["samplers"].items():
            draws[sampler] = decoder_of(model, samplers.from_settings(sampler, kwargs), codes,
                                        config["seed"])
        for sampler, draw in draws.items():
            yield sampler_row(config, f"{name}_{sampler}", draw, reference, settings, spec)


def decoder_of(model, sampler, codes, seed):
    """n, seed -> images: `sampler` fitted to `codes`, its draws decoded by `model`."""
    import time

    from zoo import samplers

    start = time.time()
    sampler.fit(codes, seed=seed)
    seconds = round(time.time() - start, 1)

    def draw(n, draw_seed):
        return samplers.decode_samples(model, sampler, n, draw_seed)

    draw.fit_seconds = seconds
    return draw


def sampler_row(config, name, draw, reference, settings, spec):
    from zoo import metrics

    def evaluate(_, run):
        images = run.images["samples"]
        out = {**measures.measure_images(images, reference, settings, ("fd_mnist", "ndb")),
               "fit_seconds": getattr(draw, "fit_seconds", None)}
        n = config["inception_samples"]
        if n:
            graph = settings.inception_graph
            real = reference.real[:n]
            features = [metrics.inception_features(x, inception_path=graph)
                        for x in (real, images[:n])]
            out.update(metrics.precision_recall(*features))
            out.update(metrics.kernel_inception_distance(*features, subset_size=min(n, 1000)))
            statistics = measures.fid_reference(spec, config["fid_train"], graph)
            if statistics is not None:
                out["fid"] = metrics.fid_to_statistics(images[:n], statistics, num_images=n,
                                                       inception_path=graph)
        return out

    return experiment.Row(name, build=None, evaluate=evaluate, export=False,
                          images=lambda _: {"samples": draw(config["num_samples"],
                                                            config["seed"])})


COLUMNS = [("fd_mnist", "FD-MNIST"), ("fid", "FID"), ("kid", "KID"), ("precision", "precision"),
           ("recall", "recall"), ("fit_seconds", "fit s")]


def report(config, results):
    from zoo import plots

    samplers = ["own", *config["samplers"]]
    sections, out = [], {}
    for name in config["models"]:
        out[name] = {s: results[f"{name}_{s}"].metrics for s in samplers}
        grid = np.concatenate([results[f"{name}_{s}"].images["samples"][:12] for s in samplers])
        plots.save_image_grid(grid, f"{config['workdir']}/samples_{name}.png", columns=12,
                              scale=2 if grid.shape[1] < 32 else 1)
    keys = [(f"ndb_{k}{held}", f"NDB/K (K={k}){' held-out real' if held else ''}")
            for k in config["ndb_bins"] for held in ("", "_held_out_real")]
    columns = COLUMNS + keys
    measured = [c for c in columns if any(m.get(c[0]) is not None for r in out.values()
                                          for m in r.values())]
    table_rows = [(f"{n}/{s}", f"{n}, {s}") for n in out for s in samplers]
    flat = {f"{n}/{s}": out[n][s] for n in out for s in samplers}
    sections += [
        f"## Samples of each model through each sampler ({config['num_samples']} samples; "
        f"samplers fitted to the codes of {config['fit_images']} training images)",
        experiment.metrics_table(table_rows, measured, flat, row_label="model, sampler"),
        "The held-out real column is the NDB / K of as many held-out test images (the floor). "
        "`own`: the export's `sample` signature (a two-stage model's second stage; N(0, I) "
        "for one-stage models; a plain AE's decodes noise). FD-MNIST only for MNIST models "
        f"({config['fid_images']} samples vs as many held-out test images; not FID). "
        + ("FID, KID and precision / recall: not computed (inception_samples 0)."
           if not config["inception_samples"] else
           f"FID, KID and precision / recall (k = 3) on {config['inception_samples']} samples "
           "in 2015 Inception features."),
        "The two-stage paper's claim, in these rows: a two-stage model's `own` row (its second "
        "stage) should beat its `normal` row (the first stage alone)."]
    sections += [f"![{n}](samples_{n}.png) rows: {', '.join(samplers)}" for n in out]
    return {"models": out}, sections


RECIPE = experiment.Recipe(
    "latent_samplers", "Latent samplers on the published models", presets,
    "runs/latent_samplers", rows, report, dry_run={"fit_images": 200, "num_samples": 100},
    workload="dense")

if __name__ == "__main__":
    experiment.main(RECIPE)
