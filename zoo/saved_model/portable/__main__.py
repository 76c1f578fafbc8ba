"""Convert an exported zoo SavedModel to ONNX / TFLite files, checked against it.

```bash
python -m zoo.saved_model.portable savedmodels/mnist_vae/1 --formats onnx,tflite --out DIR
```
DIR (which must not exist) gets the files of `zoo.saved_model.portable.write` and a
`zoo_manifest.json` of them; the SavedModel is read, never changed (its manifest is checked
first, as `zoo.load` does).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

from zoo.saved_model import loader, manifest, portable


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m zoo.saved_model.portable",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("saved_model", help="an export's version folder, its parent, or a "
                                            "published model's name")
    parser.add_argument("--out", required=True, help="folder to create for the portable files")
    parser.add_argument("--formats", default=",".join(portable.FORMATS),
                        help="comma-separated, among onnx,tflite (default both)")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    if os.path.exists(out):
        parser.error(f"--out {out} exists; give a new folder")
    exported = loader.load(args.saved_model)
    staging = tempfile.mkdtemp(prefix=".tmp-portable-", dir=os.path.dirname(out) or ".")
    try:
        description = portable.write(exported.path, staging, args.formats.split(","),
                                     loaded=exported.loaded, metadata=exported.metadata)
        manifest.write(staging)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(json.dumps({"out": out, "source": exported.path,
                      "max_abs_diff": description["max_abs_diff"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
