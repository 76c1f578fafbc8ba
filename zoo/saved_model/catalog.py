"""Models by name: where `zoo.load("mnist_vae")` and `zoo.list_models()` look.

A name (no path separator, not an existing path) is looked up in, in order:

1. every folder of the environment variable `ZOO_MODELS_DIR` (`os.pathsep`-separated);
2. the project's `savedmodels/` beside the `zoo` package (a source checkout or an editable
   install: `pip install -e .`). A wheel does not carry the published models; set
   `ZOO_MODELS_DIR` to a copy of `savedmodels/` there.

A hub handle `hf://ORG/NAME[@REVISION]` is downloaded into (or found in) the Hugging Face
cache and checked by `zoo.hub.download`.

A model is a folder holding integer version folders with a `saved_model.pb` (TF Serving
layout). Paths are used as given, so `zoo.load(path)` works as before.
"""

import os

ENV_VAR = "ZOO_MODELS_DIR"


def search_dirs():
    """The folders names are looked up in, in order (existing ones only)."""
    dirs = [d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # zoo/
    dirs.append(os.path.join(os.path.dirname(package), "savedmodels"))
    return [os.path.abspath(d) for d in dirs if os.path.isdir(d)]


def version_folders(base):
    """{version: folder} of the integer version folders of `base` that hold a SavedModel."""
    if not os.path.isdir(base):
        return {}
    return {int(name): os.path.join(base, name) for name in os.listdir(base)
            if name.isdigit() and os.path.isfile(os.path.join(base, name, "saved_model.pb"))}


def _models():
    """{name: base folder} of every model in the search folders (the first one wins)."""
    found = {}
    for directory in search_dirs():
        for name in sorted(os.listdir(directory)):
            base = os.path.join(directory, name)
            if name not in found and version_folders(base):
                found[name] = base
    return found


def list_models():
    """Sorted names of the models `zoo.load(name)` finds (see the module docstring)."""
    return sorted(_models())


def resolve(name_or_path):
    """The folder of a model name or hub handle, or `name_or_path` itself if it is a path.

    Raises:
      FileNotFoundError: neither an existing path nor a known model name, or a hub handle that
        cannot be had (`zoo.hub.download`).
    """
    path = os.fspath(name_or_path)
    from zoo import hub

    if hub.is_handle(path):
        return hub.download(path)
    if os.path.exists(path) or os.sep in path or (os.altsep and os.altsep in path):
        return path
    models = _models()
    if path in models:
        return models[path]
    raise FileNotFoundError(
        f"no exported model at {path!r}: not a path, and not a model name in "
        f"{search_dirs() or 'no search folder'} (known: {sorted(models) or 'none'}; set "
        f"{ENV_VAR} to a folder of models, e.g. a copy of the project's savedmodels/)")
