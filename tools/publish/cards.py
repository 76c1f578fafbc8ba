"""The cards of `tools.publish`: each model's README.md, written from its card.json and its
export's metadata (with the model's notes, `tools.publish.notes`), and the index
savedmodels/README.md; `rewrite` rebuilds them all from the card.json files."""

import os

from tools.publish.notes import NOTES
from tools.publish.runs import DATASETS, MODELS, dataset_of
from zoo.files import read_json, write_text

VERSION = 1
# The model-card fields KerasHub's metadata.json and Kaggle cards carry.
CARD_METADATA = ("license", "parameter_count", "packages", "python", "exported_at")


def folder_bytes(path):
    """Bytes of the files under `path`."""
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path)
               for f in files)


METRIC_ROWS = (
    ("reconstruction_error", "Test reconstruction error (sum of squares per image, 10,000; of "
                             "the export's reconstructions, clipped to [0, 1])"),
    ("reconstruction_error_1000", "Test reconstruction error (seeded random 1,000)"),
    ("nll", "Test NLL (nats, [0, 1] pixels; IWAE with the export's K)"),
    ("bits_per_dim", "Test bits/dim (pixel / 255)"),
    ("first_stage_nll", "Test NLL of the first stage alone (prior N(0, I); the same samples)"),
    ("first_stage_bits_per_dim", "Test bits/dim of the first stage alone"),
    ("active_units", "Active units (Cov(E[z|x]) > 0.01)"),
    ("ndb_100", "NDB / K, K = 100 (10,000 samples; bins on 20,000 training images)"),
    ("ndb_100_train_control", "NDB / K of 10,000 other training images (the floor: a model "
                              "that samples the training distribution exactly)"),
    ("ndb_100_held_out_real", "NDB / K of the 10,000 real test images (the train/test shift "
                              "and NDB's noise; not a floor)"),
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


# The card's FID protocol beside the two-stage reference code's (`recipes.two_stage`).
FID_PROTOCOL = (
    "FID protocol: this card's FID is the training-statistics protocol named in its row "
    "(samples as exported, not normalised). The two-stage paper's reference code compares "
    "10,000 samples, each min-max normalised, with the statistics of 10,000 shuffled test "
    "images; `recipes.two_stage` measures that way by default "
    "(`--override=fid_reference=train --override=normalize_samples=false` gives this "
    "card's), so compare the two protocols' numbers only with that said.")


def score_sentence(score, paper):
    """What the card's NLL rows are: the `score` signature's estimator (metadata `score`)."""
    sentence = ("NLL/BPD: the `score` signature (importance-weighted, K = "
                f"{score.get('num_importance_samples')})")
    if score.get("prior") == "second stage":
        sentence += (
            f", through both stages: the second stage's density is the prior of z, estimated "
            f"inside each importance weight with M = {score['second_stage_samples']} draws "
            "u ~ q(u|z). The log of this nested estimate is a stochastic lower bound on "
            "log p(x), so the NLL errs high (less as K and M grow); the first-stage rows are "
            "the same samples with the prior N(0, I)")
    return sentence + ("; the paper's NLL uses K = 5,000." if "nll" in paper else ".")


def card(record, info, size):
    """The README.md of a model: `record` is its card.json, `info` its export's metadata with
    its description (`runs.MODELS`), `size` the bytes of its version folder."""
    from zoo import experiment

    name, metrics_, paper = record["name"], record["metrics"], record["paper"]
    dataset = DATASETS[dataset_of(name)]
    rows = [[row_label(key, metrics_), metrics_.get(key), paper.get(key)]
            for key, _ in METRIC_ROWS if key in metrics_ or key in paper]
    gamma = ", ".join(f"{k.replace('_', ' ')} {v:.4g}"
                      for k, v in (metrics_.get("gamma") or {}).items())
    lines = [
        f"# {name}", "", info["description"], "",
        "```python", "import zoo", f'model = zoo.load("savedmodels/{name}")',
        "images = model.sample(16, seed=0)   # [16, 28, 28, 1] in [0, 1]", "```", "",
        f"## Metrics (measured on this export, {dataset} test set)", "",
        experiment.markdown_table(["", "ours", "paper"], rows), "",
        f"Decoder variance: {gamma}." if gamma else "",
        score_sentence(info.get("score") or {}, paper)
        if "nll" in metrics_ else "No likelihood: this model has no `score` signature.",
        ("Paper values: the paper's own training budget (longer than ours: compare the recipe "
         "command below with the paper's schedule)"
         + ("; its FID: 10,000 samples of the paper's networks (ours: see the FID row)."
            if "fid" in paper else ".")) if paper
        else f"The papers report no {dataset} value for this model.",
        FID_PROTOCOL if "fid" in metrics_ else "", "",
        "![64 samples](samples.png)", "",
        *sampler_section(record, dataset, info.get("model_class")),
        "## How it was made", "",
        f"- Publish command: `{record.get('publish_command')}`",
        f"- Recipe command: `{record.get('recipe_command')}`",
        f"- Training time here (2 CPU cores, shared with other jobs): "
        f"{record['training_seconds']} s",
        f"- Data: `{record['data']}`; sha256: "
        + ", ".join(f"{k} `{v}`" for k, v in record["data_sha256"].items()),
        f"- Signatures: {', '.join(info['signatures'])}",
        f"- Export size: {size / 1e6:.1f} MB; version {VERSION} (TF Serving layout "
        f"`savedmodels/{name}/{VERSION}/`)",
        f"- Packages: {', '.join(f'{k} {v}' for k, v in (info.get('packages') or {}).items())}",
        *refit_lines(record.get("second_encoder_refit")),
    ]
    if NOTES.get(name):
        lines += ["", "## Notes", "", *(f"- {note}" for note in NOTES[name])]
    return "\n".join(lines) + "\n"


# What a model's own `sample` draws its codes from, by model class.
OWN_SAMPLER = {"TwoStageVAE": "the second stage", "VAEPlus": "the second stage",
               "AE": "N(0, I); an AE has no prior", "GaussianVAE": "N(0, I)", "WAEMMD": "N(0, I)"}


def refit_lines(refit):
    """The card's line on a refit second-stage encoder (`tools.publish.second_encoder`)."""
    if not refit:
        return []
    rates = " -> ".join(f"{lr:g}" for lr in refit["learning_rates"])
    return [
        f"- Second-stage encoder: refit to the frozen second-stage decoder and gamma_z "
        f"(`zoo.training.refit_encoder`) on fresh posterior draws z ~ q(z|x) of the "
        f"{refit['images']:,} {refit['split']}ing images, {refit['epochs']} epochs, batch "
        f"{refit['batch_size']}, Adam lr {rates} (from epochs "
        f"{', '.join(map(str, refit['boundary_epochs']))}); last epoch's negative ELBO "
        f"{refit['last_epoch_negative_elbo']}, {refit['seconds']} s. The earlier export did "
        "not hold that encoder (no signature read it before `score` ran through both "
        "stages); it is the proposal q(u|z) of `score` only: the model's density and samples "
        "are unchanged (every earlier signature reproduced)."]


def sampler_section(record, dataset, model_class=None):
    """The card's latent-sampler rows (`tools.publish.samplers`), or nothing without them."""
    from zoo import experiment

    from recipes.latent_samplers import SAMPLERS

    attached = record.get("samplers")
    if not attached:
        return []
    attached = {name: attached[name] for name in sorted(attached, key=list(SAMPLERS).index)}
    metrics_, fit = record["metrics"], record["samplers_fit"]
    mnist = "fd_mnist" in metrics_
    headers = ["sampler", "signature", "NDB / K (K = 100)", *(["FD-MNIST"] if mnist else []),
               "fit (s)"]
    own = f"own ({OWN_SAMPLER[model_class]})" if model_class in OWN_SAMPLER else "own"
    rows = [[own, "`sample`", metrics_["ndb_100"], *([metrics_["fd_mnist"]] if mnist else []),
             "—"]]
    rows += [[f"{name} ({entry['description']['class']})", f"`sample_{name}`",
              entry["ndb_100"], *([entry.get("fd_mnist")] if mnist else []),
              entry["fit_seconds"]] for name, entry in attached.items()]
    first = "gmm" if "gmm" in attached else next(iter(attached))
    return [
        "## Latent samplers", "",
        f"Densities fitted after training to the {fit['codes']} of the first {fit['images']:,} "
        f"{dataset} training images (`zoo.samplers`; `{fit['command']}`), exported as "
        "signatures beside the model's own `sample`. Each row: 10,000 samples, seed 0, measured "
        "as the table above (the same NDB bins, whose floor is the training-image row there); "
        "one seed, so differences in NDB / K below its spread over seeds (not measured for "
        "these rows) are not differences; no FID per sampler. `fit`: seconds on this machine's "
        "2 CPU cores.", "",
        experiment.markdown_table(headers, rows), "",
        "```python", f'images = model.sample(16, seed=0, sampler="{first}")   # model.samplers '
        "lists them", "```", "",
        f'Over HTTP (`zoo.serve`, TF Serving): `{{"signature_name": "sample_{first}", '
        '"inputs": {"num_samples": 16, "seed": 0}}`.', "",
        "![samples per sampler](samplers.png)", "",
        "Rows of samplers.png: own, " + ", ".join(attached) + " (seed 0).", ""]


def index(summaries):
    """The index savedmodels/README.md of the models `summaries` ({name: `summary`})."""
    from zoo import experiment

    samples = sorted({s["score"]["num_importance_samples"] for s in summaries.values()
                      if s.get("score")})
    k = "/".join(map(str, samples)) or "—"
    headers = ["model", "data", "class", "latent", "rec. error", f"NLL (K={k})", "bits/dim",
               "active", "NDB/K (K=100)", "FD-MNIST", "FID", "MB"]
    rows = [[f"[{name}]({name}/README.md)", DATASETS[dataset_of(name)], s["model_class"],
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
        "(fixed at export), nats of [0, 1]-scaled pixels; for the two-stage and VAE+ models "
        "through both stages (each card gives its first stage's figure too). The reg-balance "
        "paper's Table 1 NLLs "
        "use K = 5,000 and are on another scale (see `recipes.mnist_balance`'s results.md): "
        "compare trends, not values.", ""])


def summary(folder):
    """The index row's facts of a published model folder (its export and card.json)."""
    import zoo

    model = zoo.load(folder)
    metrics_ = read_json(os.path.join(folder, "card.json"))["metrics"]
    return {"model_class": model.metadata["model_class"],
            "latent_dim": model.metadata["latent_dim"], "metrics": metrics_,
            "bytes": folder_bytes(os.path.join(folder, str(VERSION))),
            "score": model.metadata.get("score")}


def render(folder):
    """The README.md of the published model in `folder`, from its card.json and its export's
    metadata (nothing is measured)."""
    import zoo

    record = read_json(os.path.join(folder, "card.json"))
    info = dict(zoo.load(folder).metadata, description=MODELS[record["name"]][3])
    return card(record, info, folder_bytes(os.path.join(folder, str(VERSION))))


def rewrite(out):
    """Rewrite the README.md of every model published in `out` and the index from the card.json
    files, training and measuring nothing; returns the models' names."""
    names = [name for name in MODELS if os.path.isfile(os.path.join(out, name, "card.json"))]
    for name in names:
        write_text(os.path.join(out, name, "README.md"), render(os.path.join(out, name)))
    write_text(os.path.join(out, "README.md"),
               index({name: summary(os.path.join(out, name)) for name in names}))
    return names
