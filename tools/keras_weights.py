"""Write (or check) the Keras weights of the published models: `savedmodels/<name>/<name>.keras`
and `keras_weights.json`, rebuilt from each SavedModel (`zoo.saved_model.keras_weights`).

    python -m tools.keras_weights                 # every published model
    python -m tools.keras_weights --models=mnist_vae,fashion_vae
    python -m tools.keras_weights --check         # verify the files, write nothing

Rerun after republishing a model: `--check` fails when a file's sha256 differs or when it was
rebuilt from another export than the one in the folder now.
"""

import argparse
import os
import sys

from zoo.saved_model import catalog, keras_weights, manifest

DEFAULT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "savedmodels")


def check(model_dir):
    """Problems of `model_dir`'s Keras weights (empty if none)."""
    try:
        keras_weights.verified_file(model_dir)
        info = keras_weights.read_info(model_dir)
    except (OSError, ValueError) as error:
        return [str(error)]
    source = info.get("rebuilt_from") or {}
    folder = os.path.join(model_dir, str(source.get("version")))
    if not os.path.isdir(folder) or manifest.digest(folder) != source.get("manifest_sha256"):
        return [f"{model_dir}: {keras_weights.INFO_FILE} was rebuilt from another export "
                f"(version {source.get('version')}, manifest {source.get('manifest_sha256')}); "
                f"rerun python -m tools.keras_weights --models={os.path.basename(model_dir)}"]
    return []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models_dir", default=DEFAULT_DIR)
    parser.add_argument("--models", default="", help="comma-separated names (default: all)")
    parser.add_argument("--check", action="store_true", help="verify only")
    args = parser.parse_args(argv)
    names = [n for n in args.models.split(",") if n] or sorted(
        n for n in os.listdir(args.models_dir)
        if catalog.version_folders(os.path.join(args.models_dir, n)))
    failed = False
    for name in names:
        model_dir = os.path.join(args.models_dir, name)
        if args.check:
            problems = check(model_dir)
            failed |= bool(problems)
            print(f"{name}: " + ("; ".join(problems) if problems else "ok"))
            continue
        info = keras_weights.save(model_dir)
        size = os.path.getsize(os.path.join(model_dir, info["file"])) / 1e6
        print(f"{name}: {info['file']} ({size:.1f} MB), max output difference "
              f"{info['max_output_difference']:.2g}, not in the export: "
              f"{info['not_exported'] or 'none'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
