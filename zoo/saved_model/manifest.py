"""The sha256 manifest of an exported SavedModel version: written at export, checked at load.

```none
export_dir/1/
  zoo_manifest.json    {"format_version": 1, "algorithm": "sha256",
                        "files": {"saved_model.pb": "<hex>", "variables/variables.index": ...}}
  saved_model.pb, fingerprint.pb, variables/, assets/
```
The manifest sits beside `saved_model.pb` and lists every other file of the version folder
(relative POSIX paths). TF Serving and `tf.saved_model.load` ignore it. `verify` names the first
file whose digest differs or that is missing; files absent from the manifest are reported by
`unlisted` (they cannot have been part of the export, but do not stop a load).
"""

import hashlib
import json
import os

from zoo.files import read_json, write_json

MANIFEST_FILE = "zoo_manifest.json"
FORMAT_VERSION = 1
_CHUNK = 1 << 20


class ManifestMismatch(ValueError):
    """A file of an export does not match its manifest."""


def sha256(path):
    """Hex sha256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder):
    """Relative POSIX paths of every file under `folder` but the manifest, sorted."""
    found = []
    for root, _, names in os.walk(folder):
        for name in names:
            relative = os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
            if relative != MANIFEST_FILE:
                found.append(relative)
    return sorted(found)


def write(folder):
    """Write `folder/zoo_manifest.json` for the files now in `folder`; returns its path."""
    files = {name: sha256(os.path.join(folder, name)) for name in _files(folder)}
    path = os.path.join(folder, MANIFEST_FILE)
    write_json(path, {"format_version": FORMAT_VERSION, "algorithm": "sha256", "files": files})
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)  # readable like the files it lists (the temp file was 0600)
    return path


def read(folder):
    """The manifest's {relative path: sha256}, or None for an export without one."""
    path = os.path.join(folder, MANIFEST_FILE)
    if not os.path.isfile(path):
        return None
    manifest = read_json(path)
    if not isinstance(manifest, dict):
        raise ManifestMismatch(f"{path} is not a zoo manifest: it must hold a JSON object, got "
                               f"{type(manifest).__name__} {json.dumps(manifest)[:40]}")
    if manifest.get("algorithm") != "sha256" or not isinstance(manifest.get("files"), dict):
        raise ManifestMismatch(f"{path} is not a zoo manifest (expected 'algorithm': 'sha256' "
                               f"and a 'files' object)")
    return manifest["files"]


def verify(folder):
    """Check every file listed in `folder`'s manifest; returns the manifest (None if absent).

    Raises:
      ManifestMismatch: a listed file is missing or its sha256 differs (named in the message).
    """
    files = read(folder)
    if files is None:
        return None
    for name, expected in sorted(files.items()):
        path = os.path.join(folder, *name.split("/"))
        if not os.path.isfile(path):
            raise ManifestMismatch(f"{path} is listed in {MANIFEST_FILE} but missing: the "
                                   f"export is incomplete")
        actual = sha256(path)
        if actual != expected:
            raise ManifestMismatch(f"{path} does not match {MANIFEST_FILE} (sha256 {actual}, "
                                   f"expected {expected}): the file was changed or corrupted "
                                   f"after export")
    return files


def digest(folder):
    """The sha256 of the version folder's manifest file: one digest that pins every file of the
    export (the manifest lists them all by sha256), to compare with a trusted list."""
    path = os.path.join(folder, MANIFEST_FILE)
    if not os.path.isfile(path):
        raise ManifestMismatch(f"{folder} has no {MANIFEST_FILE}: it cannot be checked against "
                               "a trusted digest")
    return sha256(path)


def check_trusted(folder, trusted):
    """Raise `ManifestMismatch` unless `digest(folder)` is in `trusted` (an iterable of
    hex digests, or a dict whose values are): called before any graph is loaded."""
    allowed = set(trusted.values() if isinstance(trusted, dict) else trusted)
    found = digest(folder)
    if found not in allowed:
        raise ManifestMismatch(f"{folder}: its manifest's sha256 {found} is not in the trusted "
                               f"list ({len(allowed)} digests); not loading it")
    return found


def unlisted(folder, files):
    """Files of `folder` that its manifest `files` does not list."""
    return [name for name in _files(folder) if name not in files]
