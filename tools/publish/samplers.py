"""Latent samplers attached to a published model without retraining it (`tools.publish
--attach_samplers`): the Keras model rebuilt from the export (`zoo.saved_model.keras_weights`),
the samplers of `recipes.latent_samplers` fitted to the codes of training images, the model
exported again with them (`sample_<name>` signatures), checked to compute what the previous
export computed, and each sampler's samples measured for the card.

The card's sampler rows are measured as the card's own row (`tools.publish.measure`): 10,000
samples through the export's `sample_<name>` signature, seed 0, NDB / K on the same bins and
FD-MNIST (MNIST models); FID is not measured per sampler (10,000 Inception passes each). A
sampler whose refit draws what the previous export's sampler of that name drew (`SAME_DRAWS`:
the same images for fixed seeds, within float32 rounding) keeps its measured row: its samples
are the same images. The re-export has the current exporter's `score`: where its estimator
differs from the previous export's (two-stage models exported before the two-stage score), the
card's NLL and bits/dim are measured again on the test set (`measure.score_metrics`), and the
previous `score` outputs are checked against the outputs that compute them now
(`first_stage_nll`). A two-stage export without its second-stage encoder has it refit first
(`second_encoder`).
"""

import os
import shutil
import time

import numpy as np

from recipes.latent_samplers import SAMPLERS
from tools.publish import cards, measure, second_encoder
from tools.publish.runs import dataset_of
from zoo.files import read_json, write_json, write_text

FIT_IMAGES = 20000  # the first this many training images; their encoder means are the codes
FIT_SEED = 0
GRID_COLUMNS = 8
SAME_DRAWS = {"seeds": (0, 1), "images": 64, "atol": 1e-5}
# Besides `gaussian`, `gmm` and `flow` on every model, N(0, I) where the model's own `sample`
# is not it (two-stage and VAE+: their first stage alone, the two-stage paper's comparison).
OWN_PRIOR_IS_NORMAL = ("GaussianVAE", "AE", "WAEMMD")


def chosen(model_class):
    """{name: settings} of the samplers attached to a model of `model_class`."""
    return {name: settings for name, settings in SAMPLERS.items()
            if name != "normal" or model_class not in OWN_PRIOR_IS_NORMAL}


def fit(model, train, model_class):
    """({name: fitted sampler}, {name: fit seconds}) on the codes of `train` under `model`."""
    from zoo import samplers

    codes = samplers.latent_codes(model, train)
    fitted, seconds = {}, {}
    for name, settings in chosen(model_class).items():
        start = time.time()
        fitted[name] = samplers.from_settings(name, settings).fit(codes, seed=FIT_SEED)
        seconds[name] = round(time.time() - start, 1)
        print(f"publish: fitted {name} in {seconds[name]} s", flush=True)
    return fitted, seconds


def carried_metadata(metadata, recipe_command=None):
    """The `zoo.export` metadata that re-exports an export's model as it was published. The
    training command is the export's, else the card's `recipe_command`, else None (never this
    process' own command line, the exporter's default)."""
    carried = {key: metadata[key] for key in ("preprocessing", "metrics", "license")
               if metadata.get(key) is not None}
    carried["training_command"] = metadata.get("training_command") or recipe_command
    divisor = (metadata.get("bits_per_dim") or {}).get("pixel_divisor")
    if divisor is not None:
        carried["pixel_divisor"] = divisor
    return {**(metadata.get("extra") or {}), **carried}


def reexport(rebuilt, fitted, target, recipe_command=None):
    """Export `rebuilt.model` with the samplers `fitted` to `target` (version `cards.VERSION`)
    with the previous export's metadata and importance sampling; ValueError if a signature the
    previous export had now computes anything else (`keras_weights.check_outputs`)."""
    import zoo
    from zoo.saved_model import keras_weights

    metadata = rebuilt.metadata
    score = metadata.get("score") or {}
    zoo.export(rebuilt.model, target, version=cards.VERSION, metadata=carried_metadata(metadata, recipe_command),
               num_importance_samples=score.get("num_importance_samples", 100),
               importance_chunk=score.get("importance_chunk", 10), samplers=fitted)
    new = zoo.load(target)
    previous = zoo.load(rebuilt.folder)
    missing = set(previous.signatures) - set(new.signatures)
    if missing:
        raise ValueError(f"the re-export lacks the signatures {sorted(missing)}")
    return keras_weights.check_outputs(new.loaded.signatures, previous.loaded, metadata,
                                       rebuilt.folder)


def sampler_metrics(path, dataset, x_test, spec, names):
    """{sampler: {"ndb_100", "fd_mnist" (MNIST)}} of 10,000 samples of each of `names` through
    the export at `path`, as `measure.measure` measures the model's own samples."""
    from zoo.experiment import evaluation

    import zoo

    exported = zoo.load(path)
    metrics_ = ["ndb"] + (["fd_mnist"] if dataset == "mnist" else [])
    out = {}
    for name in names:
        model = evaluation.ExportedAdapter(exported, sampler=name)
        results = evaluation.evaluate(model, "saved_model", x_test, metrics_, data_spec=spec,
                                      seed=0, num_generated=measure.NUM_GENERATED,
                                      ndb_bins=measure.NDB_BINS, ndb_train=measure.NDB_TRAIN)
        out[name] = {measure.NAMES[key]: entry["value"] for key, entry in results.items()}
        print(f"publish: {name}: {out[name]}", flush=True)
    return out


def unchanged(previous, new, record):
    """The names of `new`'s samplers that draw what `previous`'s sampler of the same name drew
    (`SAME_DRAWS`) and whose measured row is in card.json's `record`."""
    same = []
    for sampler in set(new.samplers) & set(previous.samplers) & set(record.get("samplers", {})):
        if all(np.allclose(new.sample(SAME_DRAWS["images"], seed, sampler=sampler),
                           previous.sample(SAME_DRAWS["images"], seed, sampler=sampler),
                           rtol=0, atol=SAME_DRAWS["atol"]) for seed in SAME_DRAWS["seeds"]):
            same.append(sampler)
    return sorted(same)


def attach(name, staging, out, spec, command):
    """Write model `name` of the published folder `out` into `staging`/name with the samplers
    attached: the re-export, card.json with the sampler rows, samplers.png (a row per sampler:
    the model's own `sample`, then each attached one) and the README.md; the rest of the
    folder (golden.json, samples.png, ...) copied as it was."""
    from zoo import data, plots
    from zoo.saved_model import keras_weights

    import zoo

    source = os.path.join(out, name)
    target = os.path.join(staging, name)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(str(cards.VERSION)))
    rebuilt = keras_weights.rebuild(source)
    record = read_json(os.path.join(source, "card.json"))
    if second_encoder.lost(rebuilt):
        record["second_encoder_refit"] = second_encoder.refit(
            rebuilt.model, data.load_numpy(spec, "train")[0])
    train, _ = data.load_numpy(spec, f"train[:{FIT_IMAGES}]")
    fitted, seconds = fit(rebuilt.model, train, rebuilt.metadata["model_class"])
    difference = reexport(rebuilt, fitted, target, record.get("recipe_command"))
    print(f"publish: {name} re-exported with {sorted(fitted)}; previous signatures reproduced "
          f"within {difference:.2g}", flush=True)
    model = zoo.load(target)
    kept = unchanged(zoo.load(source), model, record)
    print(f"publish: {name}: samplers drawing as before (their rows kept): {kept or 'none'}",
          flush=True)
    measured = {sampler: {key: value for key, value in record["samplers"][sampler].items()
                          if key not in ("fit_seconds", "description")} for sampler in kept}
    x_test, _ = data.load_numpy(spec, "test")
    if model.metadata.get("score") != rebuilt.metadata.get("score"):
        rescored = measure.score_metrics(target, x_test, spec)
        conventions = {**record["metrics"].get("conventions", {}), **rescored.pop("conventions")}
        record["metrics"].update({**rescored, "conventions": conventions})
        print(f"publish: {name}: the score's estimator changed; its NLL measured again: "
              f"{rescored}", flush=True)
    measured.update(sampler_metrics(target, dataset_of(name), x_test, spec,
                                    [sampler for sampler in fitted if sampler not in kept]))
    record.update({key: model.metadata.get(key) for key in cards.CARD_METADATA})
    record["samplers"] = {
        sampler: {**measured[sampler], "fit_seconds": seconds[sampler],
                  "description": model.samplers[sampler]} for sampler in fitted}
    record["samplers_fit"] = {"images": FIT_IMAGES, "split": "train", "seed": FIT_SEED,
                              "codes": "encoder means E[z|x]", "command": command}
    write_json(os.path.join(target, "card.json"), record)
    grid = np.concatenate([model.sample(GRID_COLUMNS, seed=0)] + [
        model.sample(GRID_COLUMNS, seed=0, sampler=sampler) for sampler in fitted])
    plots.save_image_grid(grid, os.path.join(target, "samplers.png"), columns=GRID_COLUMNS,
                          scale=2)
    write_text(os.path.join(target, "README.md"), cards.render(target))
