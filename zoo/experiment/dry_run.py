"""`--dry_run`: every model of a preset at full size, two training steps each and one evaluation,
on synthetic data of the right shape, in minutes on any machine.

A paper preset meant for a GPU should meet its first crash (a shape, a memory blow-up, a
missing data key) at once, not after hours. With `--dry_run`, `zoo.experiment.process.start`:

- replaces every data spec of the config by a stand-in written into a temporary folder, with
  the images' shape and value range: `idx:` folders and `tfds:` MNIST / Fashion-MNIST by
  28 x 28 x 1 images, `tfds:` CIFAR and SVHN by 32 x 32 x 3 (`npz:` files of train and test
  splits), `folder:` image folders by 218 x 178 RGB JPEGs, the size of aligned CelebA (the
  spec's options, e.g. crop=celeba64, are kept); specs that need no download (sklearn:,
  npz:, synthetic:, transform:) are kept. Every split holds two batches of `batch_size`
  images, so an epoch is two training steps;
- applies the recipe's `dry_run` overrides (one epoch per model and stage, small evaluation
  sizes; the networks keep the preset's sizes).

`write_results` then adds `report`: the parameter count of every trained model (from its last
checkpoint) and the peak resident memory of the process (`resource.getrusage`).
"""

import atexit
import os
import resource
import shutil
import sys
import tempfile

import numpy as np

from zoo import layout

STEPS = 2  # training steps per model and stage: the split size is STEPS batches
SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "kmnist": (28, 28, 1),
          "cifar10": (32, 32, 3), "cifar100": (32, 32, 3), "svhn_cropped": (32, 32, 3)}
CELEBA_HW = (218, 178)  # aligned CelebA images (img_align_celeba)


def prepare(config, overrides):
    """The dry-run config: `overrides` applied, every data spec replaced by a stand-in."""
    from zoo.experiment import config as configs

    from zoo import data

    config = configs.apply_overrides(config, [f"{key}={_text(value)}"
                                            for key, value in overrides.items()])
    folder = tempfile.mkdtemp(prefix="zoo_dry_run_")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    stand_ins = {}
    count = STEPS * int(config["batch_size"]) if "batch_size" in config else 2

    def replace(value):
        if isinstance(value, dict):
            return {k: replace(v) for k, v in value.items()}
        if isinstance(value, list):
            return [replace(v) for v in value]
        if data.source_of(value) in ("tfds", "idx", "folder"):
            if value not in stand_ins:
                stand_ins[value] = stand_in(value, folder, len(stand_ins), count, config["seed"])
            return stand_ins[value]
        return value

    config = replace(config)
    config["dry_run"] = {"stand_ins": stand_ins, "steps_per_stage": STEPS}
    return config


def _text(value):
    import json

    return value if isinstance(value, str) else json.dumps(value)


def stand_in(spec, folder, index, count, seed):
    """A spec of synthetic images shaped like those of `spec` (`count` per split)."""
    from zoo import data

    source, arg, options = data.source_of(spec), data.argument_of(spec), spec.partition("?")[2]
    rng = np.random.default_rng(seed + index)
    if source == "folder":
        images = os.path.join(folder, f"images_{index}")
        write_jpegs(images, count, CELEBA_HW, rng)
        return f"folder:{images}" + (f"?{options}" if options else "")
    if source == "idx":
        shape = SHAPES["mnist"]
    else:
        name = arg.split("/")[0].split(":")[0]
        if name not in SHAPES:
            raise ValueError(f"--dry_run: no synthetic stand-in for {spec!r}; known TFDS sets: "
                             f"{', '.join(sorted(SHAPES))}")
        shape = SHAPES[name]
    path = os.path.join(folder, f"data_{index}.npz")
    np.savez(path, **{f"x_{split}": rng.integers(0, 256, (count, *shape), dtype=np.uint8)
                      for split in ("train", "test")})
    return f"npz:{path}"


def write_jpegs(folder, count, hw, rng):
    """`count` random RGB JPEGs of `hw` (smooth noise, so the crops hold some structure)."""
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        coarse = rng.integers(0, 256, (hw[0] // 8 + 1, hw[1] // 8 + 1, 3), dtype=np.uint8)
        image = Image.fromarray(coarse).resize((hw[1], hw[0]), Image.BILINEAR)
        image.save(os.path.join(folder, f"{i:06d}.jpg"), quality=90)


def peak_memory_mb():
    """Peak resident memory of this process in MB (`ru_maxrss`: KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2 ** 20 if sys.platform == "darwin" else 2 ** 10), 1)


def parameter_counts(workdir):
    """{model: parameters} of every model of `workdir`, from its checkpoints (the model's
    variables, trainable or not, without the optimizer's). Models are the folders
    `models/<name>/` of the workdir, or of its sub-workdirs (named `<sub>/<name>`)."""
    import h5py

    counts = {}
    for root, _, names in os.walk(workdir):
        model_dir = os.path.dirname(root)
        models = os.path.dirname(model_dir)
        if (os.path.basename(root) != layout.CHECKPOINTS
                or os.path.basename(models) != layout.MODELS):
            continue
        sub = os.path.relpath(os.path.dirname(models), workdir)
        name = os.path.basename(model_dir) if sub == "." else f"{sub}/{os.path.basename(model_dir)}"
        for file in sorted(f for f in names if f.endswith(".weights.h5")):
            # one per stage: the model's weights, and the optimizer's
            with h5py.File(os.path.join(root, file), "r") as weights:
                sizes = []
                weights.visititems(lambda path, item: sizes.append(item.size) if isinstance(
                    item, h5py.Dataset) and not path.startswith("optimizer/") else None)
            counts[name] = max(counts.get(name, 0), int(sum(sizes)))
    return dict(sorted(counts.items()))


def report(config):
    """The dry run's facts: stand-in data, parameters per model, peak memory."""
    return {**config["dry_run"], "parameters": parameter_counts(config["workdir"]),
            "peak_memory_mb": peak_memory_mb()}
