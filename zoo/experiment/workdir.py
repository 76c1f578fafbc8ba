"""A recipe's workdir: one sub-folder per model (`zoo.layout`), cached results, one export per
model, and the number of batches of an epoch of a data spec."""

import json
import math
import os

from zoo import files, layout, saved_model

def model_dir(config, name):
    """The sub-workdir of one model: <workdir>/models/<name> (`zoo.layout`)."""
    return layout.Workdir(config["workdir"]).model(name).path


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

    export_dir = layout.ModelDir(directory).saved_model
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


def crop_variants(config):
    """[(variant, spec)] of a config with `crops` (CelebA crops of one image folder): one per
    crop, the spec with `crop=...` added; ("data", the data) when there are none."""
    from zoo import data

    if not config["crops"]:
        return [("data", config["data"])]
    return [(crop, data.with_option(config["data"], "crop", crop)) for crop in config["crops"]]
