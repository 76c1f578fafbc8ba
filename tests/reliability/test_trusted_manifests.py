"""Untrusted models: an export is checked against manifest digests the user trusts before any
of its graph is loaded (`zoo.load(..., trusted=...)`, `zoo.serve --trusted_manifests`); the
published models' digests ship in savedmodels/trusted_manifests.json."""

import json
import pathlib

import pytest
import tensorflow as tf

import zoo
from zoo import builders
from zoo.saved_model import catalog, manifest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def export(tmp_path):
    model = builders.mlp_vae((4, 4, 1), latent_dim=2, units=4, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    return pathlib.Path(zoo.export(model, str(tmp_path / "vae")))


def test_a_trusted_digest_loads_and_any_other_is_refused_before_the_graph(export, monkeypatch):
    digest = manifest.digest(str(export))
    assert zoo.load(str(export), trusted=[digest]).metadata["latent_dim"] == 2

    def no_graph(*args, **kwargs):
        raise AssertionError("the graph was loaded")

    monkeypatch.setattr(tf.saved_model, "load", no_graph)
    with pytest.raises(manifest.ManifestMismatch, match="is not in the trusted list"):
        zoo.load(str(export), trusted={"other/1": "0" * 64})


def test_a_tampered_export_with_a_rewritten_manifest_passes_alone_but_not_the_trusted_list(
        export):
    digest = manifest.digest(str(export))
    metadata = export / "assets" / "zoo_metadata.json"
    info = json.loads(metadata.read_text())
    info["preprocessing"] = "changed by someone else"
    metadata.write_text(json.dumps(info))
    manifest.write(str(export))        # a consistent manifest of the tampered files
    assert zoo.load(str(export)).metadata["preprocessing"] == "changed by someone else"
    with pytest.raises(manifest.ManifestMismatch, match="not in the trusted list"):
        zoo.load(str(export), trusted=[digest])


def test_the_server_refuses_a_model_outside_its_trusted_list(export, tmp_path):
    from zoo import serve

    trusted = tmp_path / "trusted.json"
    trusted.write_text(json.dumps(["0" * 64]))
    args = serve.parse_args([f"--model_base_path={export.parent}",
                             f"--trusted_manifests={trusted}"])
    with pytest.raises(ValueError, match="not in the trusted list"):
        serve.ServedModel(args.model_base_path, None, serve.trusted_digests(args))
    trusted.write_text(json.dumps([manifest.digest(str(export))]))
    served = serve.ServedModel(args.model_base_path, None, serve.trusted_digests(args))
    assert served.newest == 1
    trusted.write_text('"a string"')
    with pytest.raises(SystemExit, match="must hold a JSON object or list"):
        serve.trusted_digests(args)


def test_the_published_digests_match_the_published_models():
    published = json.loads((ROOT / "savedmodels" / "trusted_manifests.json").read_text())
    base = ROOT / "savedmodels"
    found = {f"{name.name}/{version}": manifest.digest(folder)
             for name in sorted(p for p in base.iterdir() if p.is_dir())
             for version, folder in catalog.version_folders(str(name)).items()}
    assert published == found and len(found) == 7
