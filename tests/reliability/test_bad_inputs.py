"""Bad input gets an error that names the problem, before any TensorFlow traceback."""

import numpy as np
import pytest
import tensorflow as tf

from zoo import builders, data, load, training
from zoo.training import checks

SMALL = {"units": 16, "encoder_depth": 2, "decoder_blocks": 1}


def digits(batch_size=32, **kwargs):
    return data.load("sklearn:digits", "train[:64]", batch_size=batch_size, **kwargs)


# Unknown names.

def test_unknown_data_source_and_dataset_names_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown data source 'mnist' in 'mnist:x'; valid "
                                         r"sources: 'tfds:', "):
        data.load("mnist:x")
    with pytest.raises(ValueError, match=r"unknown TFDS data set 'not_a_dataset'; valid: mnist, "):
        data.load("tfds:not_a_dataset")


def test_unknown_preset_names_list_the_valid_ones():
    experiment = pytest.importorskip("zoo.experiment")
    with pytest.raises(ValueError, match=r"unknown preset 'papr'; choose one of \['cpu', "):
        experiment.resolve({"cpu": {}, "paper": {}, "smoke": {}}, "papr")


# Impossible hyperparameters.

@pytest.mark.parametrize("latent_dim", [0, -3, 2.5])
def test_latent_size_kappa_below_one_is_refused(latent_dim):
    with pytest.raises(ValueError, match=rf"latent_dim must be a positive integer, got "
                                         rf"{latent_dim}"):
        builders.mlp_vae((8, 8, 1), latent_dim=latent_dim, **SMALL)
    ae = builders.mlp_ae((8, 8, 1), latent_dim=4, **SMALL)
    with pytest.raises(ValueError, match=r"latent_dim must be a positive integer"):
        builders.vae_plus(ae, latent_dim=latent_dim, units=16, depth=1)


@pytest.mark.parametrize("rate", [-1e-3, 0.0, float("nan"), "fast"])
def test_a_learning_rate_that_is_not_positive_is_refused(tmp_path, rate):
    model = builders.mlp_vae((8, 8, 1), latent_dim=2, **SMALL)
    with pytest.raises(ValueError, match=r"learning_rate of model must be a positive finite "
                                         r"number, got "):
        training.train(model, digits(), tmp_path, epochs=1, learning_rate=rate)
    assert not (tmp_path / "backup").exists()


def test_other_training_arguments_are_checked(tmp_path):
    model = builders.mlp_vae((8, 8, 1), latent_dim=2, **SMALL)
    with pytest.raises(ValueError, match=r"epochs of model must be an integer >= 0, got -1"):
        training.train(model, digits(), tmp_path, epochs=-1)
    with pytest.raises(ValueError, match=r"save_freq must be 'epoch' or a positive number of "
                                         r"steps, got 0"):
        training.train(model, digits(), tmp_path, epochs=1, save_freq=0)
    with pytest.raises(ValueError, match=r"lr_retry_factor must be a number in \[0, 1\)"):
        training.train(model, digits(), tmp_path, epochs=1, lr_retry_factor=2.0)


def test_a_batch_larger_than_the_dataset_is_refused(tmp_path):
    # tools/quickstart.py runs this check on --batch_size before loading anything.
    with pytest.raises(ValueError, match=r"batch_size 2000 is larger than the training split "
                                         r"\(1500 examples\)"):
        checks.check_batch_size(2000, 1500)
    model = builders.mlp_vae((8, 8, 1), latent_dim=2, **SMALL)
    with pytest.raises(ValueError, match=r"the dataset yields no batches: it is empty, or the "
                                         r"batch size is larger than the data"):
        training.train(model, digits(batch_size=100, drop_remainder=True), tmp_path, epochs=1)


def test_image_shape_mismatch_names_both_shapes(tmp_path):
    model = builders.mlp_vae((28, 28, 1), latent_dim=2, **SMALL)
    with pytest.raises(ValueError, match=r"image shape mismatch: GaussianVAE expects images of "
                                         r"shape \(28, 28, 1\) .* images of shape \(8, 8, 1\)"):
        training.train(model, digits(), tmp_path, epochs=1)
    rgb = tf.data.Dataset.from_tensor_slices(np.zeros((4, 8, 8, 3), np.float32)).batch(2)
    model = builders.mlp_vae((8, 8, 1), latent_dim=2, **SMALL)
    with pytest.raises(ValueError, match=r"expects images of shape \(8, 8, 1\) .* images of "
                                         r"shape \(8, 8, 3\)"):
        training.train(model, rgb, tmp_path, epochs=1)


# Missing or corrupt data files.

def test_missing_data_files_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"npz file not found: .*missing\.npz"):
        data.load(f"npz:{tmp_path}/missing.npz")
    with pytest.raises(FileNotFoundError, match=r"IDX folder not found: .*nothing"):
        data.load(f"idx:{tmp_path}/nothing")
    with pytest.raises(FileNotFoundError, match=r"image folder not found: .*nothing"):
        data.load(f"folder:{tmp_path}/nothing")


def test_corrupt_idx_and_npz_contents_name_the_file(tmp_path):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 20)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: header declares an empty "
                                         r"array"):
        data.load(f"idx:{tmp_path}")
    np.savez(tmp_path / "other.npz", foo=np.zeros(3))
    with pytest.raises(ValueError, match=r"other\.npz: no image arrays; expected keys"):
        data.load(f"npz:{tmp_path}/other.npz")


def test_a_truncated_npz_file_names_the_file(tmp_path):
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ValueError, match=r"broken\.npz"):
        data.load(f"npz:{tmp_path}/broken.npz")


# Exported models.

def test_a_savedmodel_that_is_not_ours_is_refused(tmp_path):
    module = tf.Module()
    module.f = tf.function(lambda x: x + 1, input_signature=[tf.TensorSpec([], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "foreign"))
    with pytest.raises(ValueError, match=r"is a SavedModel but not a zoo export: no "
                                         r"assets/zoo_metadata\.json"):
        load(tmp_path / "foreign")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"is not a SavedModel \(no saved_model\.pb\)"):
        load(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match=r"no exported model at .*: the path does not "
                                                r"exist"):
        load(tmp_path / "missing")
    (tmp_path / "garbage" / "1").mkdir(parents=True)
    (tmp_path / "garbage" / "1" / "saved_model.pb").write_bytes(b"not a protobuf")
    (tmp_path / "garbage" / "1" / "assets").mkdir()
    (tmp_path / "garbage" / "1" / "assets" / "zoo_metadata.json").write_text("{}")
    with pytest.raises(ValueError, match=r"could not be loaded as a SavedModel"), \
            pytest.warns(UserWarning, match="no zoo_manifest.json"):
        load(tmp_path / "garbage")
