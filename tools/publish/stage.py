"""One model's published folder, written into a staging folder: its latest export copied from
its recipe run, measured as users load it, and its card.json, golden.json, samples.png and
README.md written beside it."""

import json
import os
import shutil

from tools.publish import cards, measure
from tools.publish.runs import EXPORT_FOLDER, MODELS, dataset_of
from zoo import layout
from zoo.files import write_json, write_text


def publish_model(name, staging, runs, specs, command, fid=True, fid_train=0):
    """Copy model `name`'s latest export from its run in `runs` into `staging`/name and write
    its card (naming the publish `command`), golden values and sample grid; `specs`: {data set:
    zoo.data spec}; `fid`, `fid_train`: as `measure.measure`."""
    import zoo
    from zoo import data, plots, training

    run, folder, stages, description, paper = MODELS[name]
    dataset = dataset_of(name)
    spec = specs[dataset]
    x_test, _ = data.load_numpy(spec, "test")
    checksums = measure.data_checksums(spec)
    workdir = os.path.join(runs, run)
    model_dir = layout.Workdir(workdir).model(folder).path
    export_root = layout.Workdir(workdir).model(EXPORT_FOLDER.get(name, folder)).saved_model
    latest = max(int(v) for v in os.listdir(export_root) if v.isdigit())
    target = os.path.join(staging, name, str(cards.VERSION))
    shutil.copytree(os.path.join(export_root, str(latest)), target)
    print(f"publish: measuring {name}", flush=True)
    result, generated = measure.measure(os.path.join(staging, name), dataset, x_test, spec, fid,
                                        fid_train)
    model = zoo.load(os.path.join(staging, name))
    with open(os.path.join(workdir, "config.json"), encoding="utf-8") as file:
        config = json.load(file)
    record = {"name": name, "version": cards.VERSION, "metrics": result, "paper": paper,
              "training_seconds": training.recorded_seconds(model_dir, stages),
              "dataset": dataset, "data": spec, "data_sha256": checksums,
              "recipe_command": config.get("command"), "publish_command": command,
              "subset": {"count": measure.SUBSET, "seed": measure.SUBSET_SEED},
              **{key: model.metadata.get(key) for key in cards.CARD_METADATA}}
    write_json(os.path.join(staging, name, "card.json"), record)
    write_json(os.path.join(staging, name, "golden.json"), measure.golden(model))
    plots.save_image_grid(generated, os.path.join(staging, name, "samples.png"), columns=8)
    write_text(os.path.join(staging, name, "README.md"),
               cards.card(record, dict(model.metadata, description=description),
                          cards.folder_bytes(target)))
