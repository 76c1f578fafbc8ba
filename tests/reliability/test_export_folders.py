"""`zoo.load` of exports whose folder names or files are off: a version folder named as TF
Serving reads it ('007' is 7), a manifest that is no JSON object, a metadata latent size too
large to probe; each error names the file, the value and what was expected."""

import json
import shutil

import pytest

import zoo
from zoo import builders, export
from zoo.saved_model import manifest


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = builders.mlp_vae((8, 8, 1), latent_dim=3, units=16, encoder_depth=2,
                             decoder_blocks=1)
    return export(model, tmp_path_factory.mktemp("export") / "base", num_importance_samples=4,
                  importance_chunk=2)


def copy(exported, tmp_path, version):
    target = tmp_path / "base" / version
    shutil.copytree(exported, target)
    return target


def test_a_zero_padded_version_folder_loads_as_its_number(exported, tmp_path):
    copy(exported, tmp_path, "007")
    assert zoo.load(str(tmp_path / "base")).path.endswith("007")


def test_two_folders_of_one_version_are_named(exported, tmp_path):
    copy(exported, tmp_path, "7")
    copy(exported, tmp_path, "007")
    with pytest.raises(ValueError, match=r"two folders of version 7: '007' and '7'"):
        zoo.load(str(tmp_path / "base"))


@pytest.mark.parametrize("text, kind", [("[]", "list"), ('"files"', "str"),
                                        ("null", "NoneType")])
def test_a_manifest_that_is_no_object_is_named(exported, tmp_path, text, kind):
    folder = copy(exported, tmp_path, "1")
    (folder / manifest.MANIFEST_FILE).write_text(text)
    with pytest.raises(manifest.ManifestMismatch,
                       match=rf"zoo_manifest.json is not a zoo manifest: it must hold a JSON "
                             rf"object, got {kind}"):
        zoo.load(str(folder))


def test_a_huge_latent_dim_in_the_metadata_is_named(exported, tmp_path):
    folder = copy(exported, tmp_path, "1")
    path = folder / "assets" / "zoo_metadata.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "latent_dim": 10 ** 9}))
    manifest.write(str(folder))  # the edit is the point: only the latent size is off
    with pytest.raises(ValueError, match=r"must give an integer latent_dim in \[1, 100000\] "
                                         r"and an input_shape list; got latent_dim = 1000000000"):
        zoo.load(str(folder))
