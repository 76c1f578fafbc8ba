"""Run the colab/ notebooks and store them with their outputs; keep their links.

    python colab/execute.py                      # execute every notebook, write outputs in place
    python colab/execute.py 02_reg_balance_table1
    python colab/execute.py --preset=smoke 04_ood_detection   # a minute, for a quick look
    python colab/execute.py --relink             # only rewrite badges and REPOSITORY lines

The notebooks are committed with the outputs of a run, so a reader sees the figures and tables
before running anything: notebook 1 in CPU mode (ZOO_NOTEBOOK_CPU_MODE=1), the recipe
notebooks 2-4 with their `colab` preset (ZOO_NOTEBOOK_PRESET, --preset), whose workdirs are
runs/<recipe>_colab of the checkout (remove one to run it afresh: a run resumes). Each notebook
runs in a fresh kernel of this interpreter, in a temporary working directory and TMPDIR, with
$ZOO_MNIST_DIR and $ZOO_FASHION_MNIST_DIR (default ../shared/data/... beside the checkout) as
the local data; paths of this machine in the outputs are replaced by `<repo>`, `<tmp>`,
`<venv>`, `<mnist>`, `<fashion_mnist>`, `python`. `tests/colab` executes them again with the
`smoke` preset. Notebook 1 needs the published SavedModels and MNIST.

REPOSITORY below is the one place that names the project's GitHub repository: the "Open in
Colab" badges of the notebooks and of README.md, and the setup cell that clones the project in
Colab, all derive from it (`--relink` rewrites them; the tests check that they agree).
"""

import argparse
import contextlib
import json
import os
import pathlib
import re
import sys
import tempfile

# ==== The project's GitHub repository (owner/name): edit here for a fork, then --relink. ====
REPOSITORY = "vae-zoo/vae-zoo"

COLAB = pathlib.Path(__file__).resolve().parent
ROOT = COLAB.parent
NOTEBOOKS = ("01_pretrained_savedmodels", "02_reg_balance_table1", "03_vaeplus_celeba",
             "04_ood_detection")
CELL_TIMEOUT = 900  # seconds per cell (a smoke recipe takes a minute)
RECIPE_TIMEOUT = 4 * 3600  # seconds per cell when a recipe notebook runs a longer preset
_BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^/\s]+/[^/\s]+/blob/main/colab/")
_CLONE = re.compile(r'REPOSITORY = "https://github\.com/[^"]+"')


def badge_url(name):
    """The "Open in Colab" link of notebook `name`."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/colab/{name}.ipynb"


def clone_line():
    """The setup cell's line that names the repository Colab clones."""
    return f'REPOSITORY = "https://github.com/{REPOSITORY}"'


def relink(text):
    """`text` with every Colab badge link and REPOSITORY line pointing at REPOSITORY."""
    text = _BADGE.sub(f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/colab/",
                      text)
    return _CLONE.sub(clone_line(), text)


@contextlib.contextmanager
def python3_kernel():
    """A temporary `python3` kernelspec whose argv is this interpreter (JUPYTER_PATH), so no
    other installed kernelspec can take over."""
    with tempfile.TemporaryDirectory() as home:
        spec_dir = pathlib.Path(home) / "kernels" / "python3"
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}))
        previous = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = home
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = previous


def execute(nb, cwd, timeout=CELL_TIMEOUT):
    """Execute notebook `nb` (nbformat v4) in place in a fresh python3 kernel, in `cwd`."""
    from nbclient import NotebookClient

    NotebookClient(nb, kernel_name="python3", timeout=timeout, startup_timeout=120,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _scrub(value, replacements):
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_scrub(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, replacements) for key, item in value.items()}
    return value


def execute_in_place(name, preset="colab"):
    """Run colab/<name>.ipynb (a recipe notebook with `preset`) and write it back with its
    outputs (atomically)."""
    import nbformat

    path = COLAB / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as scratch, python3_kernel():
        cwd, tmp = pathlib.Path(scratch) / "cwd", pathlib.Path(scratch) / "tmp"
        cwd.mkdir()
        tmp.mkdir()
        os.environ.update(ZOO_NOTEBOOK_CPU_MODE="1", ZOO_NOTEBOOK_PRESET=preset, TMPDIR=str(tmp),
                          TF_CPP_MIN_LOG_LEVEL="2")
        folders = []
        for data, variable in (("mnist", "ZOO_MNIST_DIR"),
                               ("fashion_mnist", "ZOO_FASHION_MNIST_DIR")):
            folder = os.path.abspath(os.environ.get(
                variable, str(ROOT.parent / "shared" / "data" / data)))
            os.environ[variable] = folder
            folders.append((folder, f"<{data}>"))
        os.environ.setdefault("ZOO_MNIST", f"idx:{folders[0][0]}")  # notebook 1's test digits
        execute(nb, cwd, timeout=CELL_TIMEOUT if preset == "smoke" else RECIPE_TIMEOUT)
        replacements = [(str(tmp), "<tmp>"), (str(cwd), "<tmp>"), *folders,
                        (sys.executable, "python"), (sys.prefix, "<venv>"),
                        (str(ROOT), "<repo>")]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = nbformat.from_dict(_scrub(cell.outputs, replacements))
                cell.metadata.pop("execution", None)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    if errors:
        raise RuntimeError(f"{name}: a cell raised {errors[0].get('ename')}: "
                           f"{errors[0].get('evalue')}")
    partial = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, partial)
    os.replace(partial, path)
    print(f"wrote {path.relative_to(ROOT)}")


def relink_files():
    """Point every badge and REPOSITORY line (notebooks and README.md) at REPOSITORY."""
    for path in [COLAB / f"{name}.ipynb" for name in NOTEBOOKS] + [ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        if relink(text) != text:
            path.write_text(relink(text), encoding="utf-8")
            print(f"relinked {path.relative_to(ROOT)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(NOTEBOOKS),
                        help="notebooks to execute (default: all)")
    parser.add_argument("--preset", default="colab",
                        help="the recipe notebooks' preset (default: colab, as committed)")
    parser.add_argument("--relink", action="store_true",
                        help="only point badges and clone lines at REPOSITORY")
    args = parser.parse_args()
    relink_files()
    if args.relink:
        return
    unknown = sorted(set(args.names) - set(NOTEBOOKS))
    if unknown:
        parser.error(f"unknown notebooks {unknown}; choose from {list(NOTEBOOKS)}")
    for name in args.names:
        execute_in_place(name, args.preset)


if __name__ == "__main__":
    main()
