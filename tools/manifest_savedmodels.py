r"""Write the sha256 manifests of published SavedModels exported before manifests existed.

    python -m tools.manifest_savedmodels                 # every model in savedmodels/
    python -m tools.manifest_savedmodels --out=savedmodels --names=mnist_vae

`zoo.export` writes `<version>/zoo_manifest.json` itself; the models in savedmodels/ predate it.
Hashing the files as they are would vouch for whatever is on disk, so each model is first
checked against what was recorded when it was published: every version loads, has the
signatures of its class, and decodes the fixed latents of `golden.json` to the stored images
within the stored tolerance. Only then is the manifest written; a version that already has one
is verified instead. Nothing else in the folder changes.
"""

import json
import os
import warnings

import numpy as np
from absl import app, flags

flags.DEFINE_string("out", "savedmodels", "The published folder.")
flags.DEFINE_list("names", [], "Models to seal (default: every model in --out).")
FLAGS = flags.FLAGS

SIGNATURES = {"encode", "decode", "reconstruct", "generate", "sample", "serving_default"}


def check_golden(model, golden_path):
    """Decode golden.json's latents with `model`; AssertionError if they moved."""
    with open(golden_path, encoding="utf-8") as f:
        golden = json.load(f)
    decoded = model.decode(np.asarray(golden["z"], np.float32))
    np.testing.assert_allclose(decoded, np.asarray(golden["images"]), **golden["tolerance"],
                               err_msg=f"{model.path} no longer decodes {golden_path}")
    return float(np.max(np.abs(decoded - np.asarray(golden["images"]))))


def seal(base):
    """Check and write (or verify) the manifest of every version of the model at `base`."""
    import zoo
    from zoo.saved_model import catalog, manifest

    lines = []
    for version, folder in sorted(catalog.version_folders(base).items()):
        if manifest.read(folder) is not None:
            zoo.load(folder)  # verifies
            lines.append(f"{base} v{version}: manifest present and verified")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no manifest": the point of this script
            model = zoo.load(folder)
        missing = SIGNATURES - set(model.signatures)
        if missing:
            raise ValueError(f"{folder} lacks the signatures {sorted(missing)}")
        error = check_golden(model, os.path.join(base, "golden.json"))
        path = manifest.write(folder)
        zoo.load(folder)
        lines.append(f"{base} v{version}: golden max |error| {error:.2e}, wrote {path}")
    return lines


TRUSTED_FILE = "trusted_manifests.json"


def trusted_digests(out):
    """{"NAME/VERSION": sha256 of its manifest} of every model version under `out`: the list
    `zoo.load(..., trusted=...)` and `zoo.serve --trusted_manifests` check against."""
    from zoo.saved_model import catalog, manifest

    return {f"{name}/{version}": manifest.digest(folder)
            for name in sorted(os.listdir(out)) if os.path.isdir(os.path.join(out, name))
            for version, folder in sorted(catalog.version_folders(os.path.join(out, name))
                                          .items())}


def main(argv):
    del argv
    from zoo.files import write_json

    names = FLAGS.names or sorted(n for n in os.listdir(FLAGS.out)
                                  if os.path.isdir(os.path.join(FLAGS.out, n)))
    for name in names:
        for line in seal(os.path.join(FLAGS.out, name)):
            print(line, flush=True)
    path = write_json(os.path.join(FLAGS.out, TRUSTED_FILE), trusted_digests(FLAGS.out))
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    app.run(main)
