"""Models on the Hugging Face Hub: `zoo.load("hf://ORG/NAME")` and `zoo.push_to_hub(model_dir,
"ORG/NAME")`, with the optional `huggingface_hub` package (`pip install vae-zoo[hub]`).

A hub repository holds one model folder, laid out as KerasHub's presets are (a `metadata.json`
and a `README.md` card beside the weights), plus a manifest of every file:

```none
ORG/NAME (a model repository)
  metadata.json        {"library": "vae-zoo", "format_version": 1, "name", "model_class",
                        "versions", "keras_file", "zoo_version", "keras_version", ...}
  README.md            the model card; card.json, golden.json, samples.png when the folder has them
  1/                   the SavedModel (TF Serving layout, its own zoo_manifest.json)
  NAME.keras           the Keras weights to fine-tune (`zoo.load_keras`), keras_weights.json
  zoo_manifest.json    sha256 of every other file (zoo.saved_model.manifest)
```

A handle is `hf://ORG/NAME` (the `main` branch) or `hf://ORG/NAME@REVISION`, a branch, a tag
or a commit hash; pin a commit for a result that cannot change. `download` fetches the snapshot
with `huggingface_hub.snapshot_download` into the Hugging Face cache (`HF_HOME`,
`HF_HUB_CACHE`), which later loads reuse without the network; every file is then checked
against the manifest before anything is loaded, and a file the manifest does not list is
refused (a stray version folder would otherwise be the one loaded). With `HF_HUB_OFFLINE=1` a
handle that is not in the cache fails at once, naming the handle.
"""

import os
import re
import shutil
import tempfile

from zoo.saved_model import manifest

PREFIX = "hf://"
METADATA_FILE = "metadata.json"
LIBRARY = "vae-zoo"
FORMAT_VERSION = 1
HUB_FILES = (".gitattributes",)  # written by the Hub itself in every repository
_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")


def is_handle(name):
    """Whether `name` is a hub handle (`hf://...`)."""
    return isinstance(name, str) and name.startswith(PREFIX)


def parse_handle(handle):
    """(repo_id, revision or None) of `hf://ORG/NAME[@REVISION]`; ValueError naming the form."""
    body = handle[len(PREFIX):] if is_handle(handle) else handle
    repo_id, _, revision = body.partition("@")
    if not _REPO_ID.fullmatch(repo_id) or (_ and not revision):
        raise ValueError(f"{handle!r} is not a hub handle: use hf://ORG/NAME or "
                         f"hf://ORG/NAME@REVISION (a branch, tag or commit hash)")
    return repo_id, revision or None


def _hub():
    try:
        import huggingface_hub
        import huggingface_hub.constants  # noqa: F401 - lazy submodules of the package
        import huggingface_hub.errors  # noqa: F401
    except ImportError:
        raise ImportError("loading or pushing hf:// models needs huggingface_hub: pip install "
                          "'vae-zoo[hub]'") from None
    return huggingface_hub


def download(handle):
    """The local folder of `handle`'s snapshot (downloaded into the Hugging Face cache, or found
    there), after every file was checked against the repository's manifest.

    Raises:
      FileNotFoundError: not cached while offline (`HF_HUB_OFFLINE=1`) or the Hub unreachable,
        or no such repository or revision; the message names the handle.
      zoo.saved_model.manifest.ManifestMismatch: a file differs from the manifest, is missing,
        or is not listed in it; or the repository has no manifest (not a zoo model).
    """
    hub = _hub()
    repo_id, revision = parse_handle(handle)
    try:
        folder = hub.snapshot_download(repo_id, revision=revision,
                                       library_name=LIBRARY, library_version=_zoo_version())
    except (hub.errors.LocalEntryNotFoundError, hub.errors.RepositoryNotFoundError,
            hub.errors.RevisionNotFoundError) as error:
        offline = hub.constants.HF_HUB_OFFLINE
        raise FileNotFoundError(
            f"{handle} is not in the Hugging Face cache ({hub.constants.HF_HUB_CACHE})"
            + (" and HF_HUB_OFFLINE is set" if offline else " and could not be downloaded")
            + f": run zoo.load({handle!r}) once with network access"
            + (" (HF_HUB_OFFLINE=0)" if offline else "")
            + f", or load a local copy by path. ({type(error).__name__}: "
            + f"{str(error).splitlines()[0]})") from None
    return verify(folder, handle)


def verify(folder, handle):
    """`folder` after checking it against its `zoo_manifest.json` (see `download`)."""
    if not os.path.isfile(os.path.join(folder, manifest.MANIFEST_FILE)):
        raise manifest.ManifestMismatch(f"{handle} has no {manifest.MANIFEST_FILE}: not a zoo "
                                        f"model repository (push one with zoo.push_to_hub)")
    files = manifest.verify(folder)
    extra = [name for name in manifest.unlisted(folder, files) if name not in HUB_FILES]
    if extra:
        raise manifest.ManifestMismatch(f"{handle}: files not in its {manifest.MANIFEST_FILE} "
                                        f"(not pushed by zoo.push_to_hub): {extra}")
    return folder


def _zoo_version():
    import importlib.metadata

    try:
        return importlib.metadata.version(LIBRARY)
    except importlib.metadata.PackageNotFoundError:
        return None


def stage(model_dir, folder):
    """Copy `model_dir` (a model folder: integer version folders, and optionally a card and
    Keras weights) into the empty `folder` in the hub layout; returns the metadata written.

    Raises:
      ValueError: `model_dir` holds no SavedModel version, or a file fails its manifest.
    """
    from zoo.files import read_json, write_json
    from zoo.saved_model import catalog, keras_weights
    from zoo.saved_model.exporter import METADATA_FILE as EXPORT_METADATA

    model_dir = os.path.abspath(os.fspath(model_dir))
    versions = catalog.version_folders(model_dir)
    if not versions:
        raise ValueError(f"{model_dir} is not a model folder: no integer version folder with a "
                         f"saved_model.pb (zoo.export writes one)")
    for version_folder in versions.values():
        if manifest.verify(version_folder) is None:
            raise ValueError(f"{version_folder} has no {manifest.MANIFEST_FILE}: re-export it "
                             f"so that downloads can be checked")
    keras_info = None
    if os.path.isfile(os.path.join(model_dir, keras_weights.INFO_FILE)):
        keras_weights.verified_file(model_dir)
        keras_info = keras_weights.read_info(model_dir)
    for name in sorted(os.listdir(model_dir)):
        source = os.path.join(model_dir, name)
        if name.startswith(".") or name in (METADATA_FILE, manifest.MANIFEST_FILE):
            continue
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(folder, name))
        else:
            shutil.copy2(source, os.path.join(folder, name))
    latest = versions[max(versions)]
    export = read_json(os.path.join(latest, "assets", EXPORT_METADATA))
    metadata = {"library": LIBRARY, "format_version": FORMAT_VERSION,
                "name": os.path.basename(model_dir), "model_class": export.get("model_class"),
                "versions": sorted(versions), "parameter_count": export.get("parameter_count"),
                "zoo_version": _zoo_version(),
                "keras_file": keras_info["file"] if keras_info else None,
                "keras_version": keras_info.get("keras_version") if keras_info else None}
    write_json(os.path.join(folder, METADATA_FILE), metadata)
    if not os.path.isfile(os.path.join(folder, "README.md")):
        from zoo.files import write_text

        write_text(os.path.join(folder, "README.md"),
                   f"---\nlibrary_name: {LIBRARY}\nlicense: {export.get('license', 'other')}\n---"
                   f"\n# {metadata['name']}\n\nA {metadata['model_class']} of vae-zoo: "
                   f"`zoo.load(\"hf://ORG/{metadata['name']}\")`.\n")
    manifest.write(folder)
    return metadata


def push_to_hub(model_dir, repo_id, commit_message=None, revision=None, private=None,
                token=None):
    """Upload the model folder `model_dir` to the hub repository `repo_id` ("ORG/NAME"),
    creating it if needed, in the layout of this module's docstring; files of an earlier push
    that this one does not have are deleted in the same commit. Returns the commit's
    `huggingface_hub.CommitInfo`: pin the upload with `hf://ORG/NAME@<its oid>`.
    """
    hub = _hub()
    repo_id, branch = parse_handle(repo_id)
    if branch is not None:
        raise ValueError(f"give the branch as revision=, not in the repo id {repo_id!r}")
    api = hub.HfApi(token=token, library_name=LIBRARY, library_version=_zoo_version())
    with tempfile.TemporaryDirectory(prefix="zoo-hub-") as folder:
        metadata = stage(model_dir, folder)
        api.create_repo(repo_id, private=private, exist_ok=True)
        return api.upload_folder(
            repo_id=repo_id, folder_path=folder, revision=revision, delete_patterns="*",
            commit_message=commit_message or f"Upload {metadata['name']} "
                                             f"({metadata['model_class']}) with vae-zoo")
