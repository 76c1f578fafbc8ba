"""A recipe's workdir: one sub-folder per model, cached results, one export per model, the
held-out evaluation subsets, and the number of batches of an epoch of a data spec."""

import json
import math
import os

import numpy as np

from zoo import files, saved_model

def held_out(images, count, seed=0):
    """`count` images drawn at random without replacement (seeded), in random order, so that
    any prefix of the result is a random subset too (all images, shuffled, if fewer).

    Evaluate on a random subset, never on the first images: MNIST's test set, for one, is
    ordered (its first 5,000 digits come from a different population of writers than the
    rest; NDB of test[:5000] against training bins is 0.68 at K = 100, of a random 5,000 0.19).
    """
    return images[np.random.RandomState(seed).permutation(len(images))[:count]]


def model_dir(config, name):
    """The sub-workdir of one model: <workdir>/models/<name>."""
    return os.path.join(config["workdir"], "models", name)


def cached_json(path, compute):
    """The JSON at `path` if it exists; else `compute()`, written to `path` atomically."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    value = compute()
    files.write_json(path, value)
    return json.loads(json.dumps(value, default=float))


def export_once(model, directory, metadata=None, **kwargs):
    """`zoo.export` into `directory/saved_model` unless a version is there already (a rerun
    exports no new version); staging folders of a killed export are removed either way."""
    from zoo.saved_model import staging

    export_dir = os.path.join(directory, "saved_model")
    if os.path.isdir(export_dir):
        staging.remove_stale(export_dir)
        if any(n.isdigit() for n in os.listdir(export_dir)):
            return export_dir
    saved_model.export(model, export_dir, metadata=metadata, **kwargs)
    return export_dir


def export_metadata(config, metrics):
    """`zoo.export` metadata for a model trained on `config["data"]` (scaling from zoo.data)."""
    from zoo import data

    scaling = data.info(config["data"]).scaling
    metadata = {"preprocessing": f"{config['data']}: {scaling}", "metrics": metrics,
                "training_command": config.get("command")}
    if scaling.divisor in (255.0, 256.0):
        metadata["pixel_divisor"] = scaling.divisor
    else:
        metadata["preprocessing"] += (f" (divisor {scaling.divisor}: the score signature's "
                                      "bits per dim assume 256 and do not apply)")
    return metadata


def batches_per_epoch(data_spec, batch_size, split="train", drop_remainder=False):
    """Batches per epoch of `zoo.data.load(data_spec, split, batch_size=...)`."""
    from zoo import data

    size = _split_size(data.info(data_spec).splits, split)
    return size // batch_size if drop_remainder else math.ceil(size / batch_size)


def _split_size(splits, split):
    from zoo.data.splits import parse_split

    selection = parse_split(split)
    start, stop = selection.bounds(splits[selection.name])
    return stop - start
