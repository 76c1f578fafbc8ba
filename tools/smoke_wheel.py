"""Build the sdist and wheel, install the wheel into a venv, load a model outside the checkout.

    python tools/smoke_wheel.py --venv DIR      # DIR: a venv to install into (made if absent)

Run it with an interpreter that has `build` (pip install build); it runs `python -m build`
on this checkout into a temporary folder, then checks, and exits 1 naming what failed:
1. the wheel carries the packages zoo, recipes and tools and the FD-MNIST classifier
   (zoo/metrics/assets), and nothing of savedmodels/ (the published models are no part of the
   package; the sdist holds no savedmodels/ either);
2. `pip install <wheel>` into DIR (without constraints: setup.cfg's ranges) leaves the
   TensorFlow and Keras already there unchanged, when DIR had them;
3. in DIR, with a temporary folder as the working directory (so nothing of the checkout can
   be imported), `zoo` comes from DIR's site-packages, zoo.__version__ is the wheel's, and a
   copy of savedmodels/mnist_vae decodes its golden latents to the stored images.
It prints the wheel's and the sdist's sizes. It is a script, not a test: building and
installing take minutes (docs/guides/installation.md).
"""

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODEL = "mnist_vae"
PACKAGES = ("zoo", "recipes", "tools")
ASSETS = ("zoo/metrics/assets/mnist_classifier.keras", "zoo/metrics/assets/mnist_classifier.json")
LOAD = """
import json, sys
import numpy as np
import zoo
model = zoo.load(sys.argv[1])
golden = json.load(open(sys.argv[2]))
decoded = model.decode(np.asarray(golden["z"], np.float32))
np.testing.assert_allclose(decoded, np.asarray(golden["images"]), **golden["tolerance"])
images = model.sample(4, seed=0)
print(json.dumps({"zoo_file": zoo.__file__, "version": zoo.__version__,
                  "decoded": list(decoded.shape), "sampled": list(np.shape(images))}))
"""


def run(command, **kwargs):
    print("+", " ".join(str(c) for c in command), flush=True)
    return subprocess.run(command, check=True, text=True, **kwargs)


def versions(python):
    """{distribution: version} of the TensorFlow stack in `python`'s environment."""
    script = ("import importlib.metadata as m, json\nout = {}\n"
              "for d in ('tensorflow', 'keras', 'tf-keras', 'numpy', 'protobuf'):\n"
              "    try: out[d] = m.version(d)\n"
              "    except m.PackageNotFoundError: out[d] = None\n"
              "print(json.dumps(out))")
    return json.loads(run([python, "-c", script], capture_output=True).stdout)


def check_wheel(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    problems = [f"wheel carries {n}" for n in names if n.startswith("savedmodels/")]
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    if tops != set(PACKAGES):
        problems.append(f"wheel's top-level folders are {sorted(tops)}, not {list(PACKAGES)}")
    problems += [f"wheel lacks {a}" for a in ASSETS if a not in names]
    return problems


def check_sdist(sdist):
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    return [f"sdist carries {n}" for n in names if "/savedmodels/" in n]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", required=True, type=pathlib.Path,
                        help="the venv to install the wheel into (made if absent)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        dist = tmp / "dist"
        run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, ROOT])
        [wheel] = dist.glob("*.whl")
        [sdist] = dist.glob("*.tar.gz")
        print(f"wheel {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB; "
              f"sdist {sdist.name}: {sdist.stat().st_size / 1e6:.2f} MB")
        problems = check_wheel(wheel) + check_sdist(sdist)

        python = args.venv / "bin" / "python"
        if not python.exists():
            run([sys.executable, "-m", "venv", args.venv])
        before = versions(python)
        run([python, "-m", "pip", "install", wheel])
        after = versions(python)
        print("before:", before, "\nafter: ", after)
        for name in ("tensorflow", "keras"):
            if before[name] is not None and before[name] != after[name]:
                problems.append(f"installing the wheel changed {name} {before[name]} -> "
                                f"{after[name]}")

        outside = tmp / "outside"
        shutil.copytree(ROOT / "savedmodels" / MODEL, outside / MODEL)
        out = run([python, "-c", LOAD, outside / MODEL, outside / MODEL / "golden.json"],
                  cwd=outside, capture_output=True).stdout
        report = json.loads(out.strip().splitlines()[-1])
        print("loaded:", report)
        site = pathlib.Path(report["zoo_file"]).resolve()
        if ROOT in site.parents or args.venv.resolve() not in site.parents:
            problems.append(f"zoo was imported from {site}, not from {args.venv}")
        if not wheel.name.startswith(f"vae_zoo-{report['version']}-"):
            problems.append(f"zoo.__version__ {report['version']} is not the wheel's {wheel.name}")
    for problem in problems:
        print("FAILED:", problem)
    print("smoke test passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
