"""Measuring one export as users load it (`zoo.experiment.evaluation`, the code behind
`python -m tools.evaluate`) on its data's test set, for card.json: reconstruction error (all
10,000 images and a seeded random 1,000), NLL and bits/dim from the `score` signature and active
units (VAE family), NDB / K (K = 100), and of 10,000 samples the MNIST-classifier Frechet
distance (MNIST models) and FID against the training images' Inception statistics. Also the
decodings of fixed latents (golden.json) and the data files' checksums."""

import hashlib
import os

import numpy as np

GOLDEN_TOLERANCE = {"rtol": 0.0, "atol": 1e-4}
SUBSET, SUBSET_SEED = 1000, 0
NUM_GENERATED, NDB_BINS, NDB_TRAIN = 10000, 100, 20000
# `zoo.experiment.evaluation`'s metric: its name in card.json
NAMES = {"rec": "reconstruction_error", "nll": "nll", "bpd": "bits_per_dim",
         "au": "active_units", "ndb": "ndb_100", "fd_mnist": "fd_mnist", "fid": "fid"}


def measure(path, dataset, x_test, spec, fid, fid_train):
    """Card metrics of the export at `path`, loaded as users load it, on `x_test` (the test set
    of `dataset`, read from the zoo.data `spec`), and 64 samples for the grid. FD-MNIST only on
    MNIST (its classifier knows digits); FID if `fid`, against the statistics of `fid_train`
    training images (0: all)."""
    from zoo import experiment, metrics
    from zoo.experiment import evaluation, sampling

    model, kind = evaluation.load_model(path)
    names = ["rec", "ndb"] + (["fd_mnist"] if dataset == "mnist" else [])
    if fid:
        names.append("fid")
    if "score" in model.signatures:
        names += ["nll", "bpd", "au"]
    results = evaluation.evaluate(model, kind, x_test, names, data_spec=spec, seed=0,
                                  num_generated=NUM_GENERATED, ndb_bins=NDB_BINS,
                                  ndb_train=NDB_TRAIN, fid_train=fid_train)
    out = card_values(results)
    out["ndb_100_held_out_real"] = results["ndb"]["test_value"]
    out["ndb_100_train_control"] = results["ndb"]["control_value"]
    out["reconstruction_error_1000"] = metrics.reconstruction_error(
        model, experiment.held_out(x_test, SUBSET, SUBSET_SEED))
    out["gamma"] = model.exported.metadata.get("gamma")
    return out, sampling.samples(model, 64, seed=0)


def card_values(results):
    """card.json's metrics of `zoo.experiment.evaluation` results, with their conventions; a
    two-stage export's NLL and bits/dim also as `first_stage_nll` / `first_stage_bits_per_dim`
    (the same importance samples with the first stage's prior N(0, I))."""
    out = {NAMES[name]: entry["value"] for name, entry in results.items()}
    out.update({f"first_stage_{NAMES[name]}": entry["first_stage_value"]
                for name, entry in results.items() if "first_stage_value" in entry})
    out["conventions"] = {NAMES[name]: entry["convention"] for name, entry in results.items()}
    return out


def score_metrics(path, x_test, spec):
    """card.json's NLL and bits/dim (`card_values`) of the export at `path` on `x_test`."""
    from zoo.experiment import evaluation

    model, kind = evaluation.load_model(path)
    return card_values(evaluation.evaluate(model, kind, x_test, ["nll", "bpd"], data_spec=spec,
                                           seed=0))


def golden(model):
    """Decodings of fixed latent vectors (numpy's seeded RNG, so they do not depend on TF)."""
    z = np.random.RandomState(0).standard_normal((4, model.metadata["latent_dim"]))
    z = z.astype(np.float32)
    return {"z": z.tolist(), "images": np.round(model.decode(z), 6).tolist(),
            "tolerance": GOLDEN_TOLERANCE}


def data_checksums(spec):
    """{file: sha256} of an IDX folder's files, or a note naming the source."""
    from zoo import data

    if data.source_of(spec) != "idx":
        return {"source": spec, "note": "checksums are TFDS's own (tfds verifies downloads)"}
    folder = data.argument_of(spec)
    out = {}
    for name in sorted(os.listdir(folder)):
        if "-ubyte" in name:
            with open(os.path.join(folder, name), "rb") as file:
                out[name] = hashlib.sha256(file.read()).hexdigest()
    return out
