"""The colab/ notebooks, executed end to end with nbclient: notebook 1 in CPU mode
(ZOO_NOTEBOOK_CPU_MODE=1), the recipe notebooks with the `smoke` preset (ZOO_NOTEBOOK_PRESET).

Every notebook runs in a fresh kernel of this interpreter (a temporary `python3` kernelspec on
JUPYTER_PATH whose argv is `sys.executable -m ipykernel_launcher`, so no other installed
kernelspec can take over), with a temporary folder as working directory and as TMPDIR, and a
bounded time per cell. The recipe notebooks run their recipe's `smoke` preset (sklearn digits);
they are committed with the outputs of their `colab` preset (`colab/execute.py`).
Notebook 1 loads the published SavedModels (savedmodels/) and real MNIST ($ZOO_MNIST_DIR or
../shared/data/mnist: the `mnist_dir` fixture); without MNIST, its test skips.

The test appends one cell (in memory only) that prints what it checks as JSON.
"""

import importlib.util
import json
import pathlib
import re
import sys
import tempfile

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

pytestmark = pytest.mark.slow  # end to end in subprocesses: python -m pytest -m slow

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLAB = ROOT / "colab"
_SPEC = importlib.util.spec_from_file_location("colab_execute", COLAB / "execute.py")
EXECUTE = importlib.util.module_from_spec(_SPEC)  # colab/execute.py: runner and REPOSITORY
_SPEC.loader.exec_module(EXECUTE)
NAMES = ("mnist_vae", "mnist_two_stage", "mnist_vaeplus", "mnist_wae_mmd", "mnist_ae")
VAE_FAMILY = ("mnist_vae", "mnist_two_stage", "mnist_vaeplus")
NOTEBOOKS = ("01_pretrained_savedmodels", "02_reg_balance_table1", "03_vaeplus_celeba",
             "04_ood_detection")
RECIPES = {  # notebook -> (recipe, PNGs its docstring promises for the smoke preset)
    "02_reg_balance_table1": ("mnist_balance", ["kappa_sweep.png"]),
    "03_vaeplus_celeba": ("celeba_vaeplus", ["samples.png", "reconstructions.png",
                                             "samples_vae_plus.png", "samples_vae.png",
                                             "samples_wae_mmd.png"]),
    "04_ood_detection": ("ood", ["nll_hist_digits.png", "kl_per_dim_digits.png"]),
}
CELL_TIMEOUT = 600  # seconds per cell; a smoke recipe takes 15-60 s on 2 busy cores, 200 s
# when three training jobs share them
MARKER = "NOTEBOOK_TEST_REPORT "
REPORT_CELL = f"""
import json as _json, os as _os, sys as _sys
print({MARKER!r} + _json.dumps({{
    "executable": _sys.executable, "cwd": _os.getcwd(), "cpu_mode": globals().get("CPU_MODE"),
    "preset": globals().get("PRESET"),
    "workdir": str(globals().get("WORKDIR", "")), "models": sorted(globals().get("models", {{}})),
    "auroc": globals().get("AUROC")}}))
"""


def outputs(nb, cell_id):
    [cell] = [c for c in nb.cells if c.get("id") == cell_id]
    return cell.outputs


def mime_outputs(nb, mime):
    return [o["data"][mime] for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if mime in o.get("data", {})]


@pytest.fixture
def run_notebook(tmp_path, monkeypatch):
    """name -> (executed notebook, report dict), in a python3 kernel of sys.executable."""
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.setenv("ZOO_NOTEBOOK_CPU_MODE", "1")
    monkeypatch.setenv("ZOO_NOTEBOOK_PRESET", "smoke")
    monkeypatch.setenv("TMPDIR", str(tmp))  # the recipe notebooks' workdirs land here
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.delenv("ZOO_INCEPTION_GRAPH", raising=False)

    def run(name):
        nb = nbformat.read(COLAB / f"{name}.ipynb", as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(REPORT_CELL))
        with EXECUTE.python3_kernel():
            assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
            EXECUTE.execute(nb, cwd, timeout=CELL_TIMEOUT)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, errors
        [line] = [line for o in nb.cells[-1].outputs if o.output_type == "stream"
                  for line in o.text.splitlines() if line.startswith(MARKER)]
        report = json.loads(line[len(MARKER):])
        assert report["executable"] == sys.executable  # the kernel ran this interpreter
        assert report["cwd"] == str(cwd)
        if name in RECIPES:
            assert report["preset"] == "smoke"
        else:
            assert report["cpu_mode"] is True
        return nb, report

    return run


def test_notebooks_are_committed_with_their_outputs_and_one_repository():
    readme = (ROOT / "README.md").read_text()
    assert sorted(p.stem for p in COLAB.glob("*.ipynb")) == sorted(NOTEBOOKS)
    assert set(NOTEBOOKS) == set(EXECUTE.NOTEBOOKS)
    for name in NOTEBOOKS:
        nb = nbformat.read(COLAB / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
        # Badges (notebook and README) and the clone line all derive from execute.REPOSITORY.
        link = EXECUTE.badge_url(name)
        assert nb.cells[0].cell_type == "markdown" and link in nb.cells[0].source, name
        assert link in readme, name
        sources = "\n".join(c.source for c in nb.cells)
        assert EXECUTE.clone_line() in sources, name
        assert EXECUTE.relink(sources) == sources and EXECUTE.relink(readme) == readme
        if name in RECIPES:  # each names its budget and the preset its outputs come from
            intro = nb.cells[0].source
            assert "**Budget of the `colab` preset:**" in intro, name
            stored = re.search(r"\*\*Stored outputs:\*\* the `(\w+)` preset", intro)
            assert stored, name
            switch = ("ZOO_NOTEBOOK_PRESET", f"PRESET = {stored.group(1)}")
        else:
            switch = ("ZOO_NOTEBOOK_CPU_MODE", "CPU_MODE = True")
        assert switch[0] in sources, name
        # Stored with the outputs of one run (of the preset the intro names), every code cell
        # in order, no error, figures included, and no path of the machine that ran it.
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), name
        assert not [o for c in code for o in c.outputs if o.output_type == "error"], name
        assert mime_outputs(nb, "image/png"), name
        text = json.dumps([c.outputs for c in code])
        assert switch[1] in text, name
        assert str(ROOT) not in text and str(pathlib.Path(tempfile.gettempdir())) + "/" not in text
        assert sys.prefix not in text, name


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_notebook(name, run_notebook, tmp_path):
    recipe, pngs = RECIPES[name]
    nb, report = run_notebook(name)
    workdir = pathlib.Path(report["workdir"])
    assert workdir.parent == tmp_path / "tmp" and workdir.name.startswith(recipe)
    for file in ("config.json", "results.json", "results.md", *pngs):
        assert (workdir / file).is_file(), file
    config = json.loads((workdir / "config.json").read_text())
    assert config["preset"] == "smoke" and config["data"] == "sklearn:digits"
    assert list((workdir / "models").glob("*/saved_model/*/saved_model.pb"))
    # Every PNG in the workdir is shown, and results.md's text (title first).
    shown = [o for o in outputs(nb, "show-results") if "image/png" in o.get("data", {})]
    assert len(shown) == len(list(workdir.glob("*.png")))
    title = (workdir / "results.md").read_text().splitlines()[0]
    assert title in mime_outputs(nb, "text/markdown")[0]


def test_pretrained_savedmodels_notebook(run_notebook, mnist_dir, monkeypatch):
    monkeypatch.setenv("ZOO_SAVEDMODELS", str(ROOT / "savedmodels"))
    monkeypatch.setenv("ZOO_MNIST", f"idx:{mnist_dir}")
    nb, report = run_notebook("01_pretrained_savedmodels")
    assert report["models"] == sorted(NAMES)
    for cell_id in ("samples", "interpolation", "reconstructions", "histograms"):
        assert any("image/png" in o.get("data", {}) for o in outputs(nb, cell_id)), cell_id
    # Only the VAE family has a score signature, so only it gets AUROCs.
    auroc = report["auroc"]
    assert sorted(auroc) == sorted(VAE_FAMILY)
    for name, by_set in auroc.items():
        assert sorted(by_set) == ["hflip", "invert", "uniform_noise"], name
        assert all(0.0 <= value <= 1.0 for value in by_set.values()), (name, by_set)
        # Inverted digits (mostly white) and noise are far from anything a model trained on
        # MNIST reconstructs.
        assert by_set["invert"] > 0.9 and by_set["uniform_noise"] > 0.9, (name, by_set)
    [table] = [o["data"]["text/markdown"] for o in outputs(nb, "auroc")]
    assert all(name in table for name in VAE_FAMILY)
