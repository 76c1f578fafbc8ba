"""Safe loading: `.keras` files load in Keras safe mode (and one with a Lambda layer is
refused), and exported SavedModels hold no Python callbacks."""

import keras
import numpy as np
import pytest
from tensorflow.core.protobuf import saved_model_pb2

from zoo import GaussianVAE, builders, export

SMALL = {"units": 16, "encoder_depth": 2, "decoder_blocks": 1}
PYTHON_OPS = {"PyFunc", "EagerPyFunc", "PyFuncStateless"}


def vae_plus():
    ae = builders.mlp_ae((8, 8, 1), latent_dim=4, **SMALL)
    return builders.vae_plus(ae, latent_dim=3, units=16, depth=1)


def test_keras_files_load_in_safe_mode(tmp_path):
    model = vae_plus()
    x = np.random.default_rng(0).uniform(size=(2, 8, 8, 1)).astype(np.float32)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(loaded).__name__ == "VAEPlus"
    np.testing.assert_allclose(loaded.reconstruct(x), model.reconstruct(x), atol=1e-6)


def test_a_keras_file_with_a_lambda_layer_is_refused_in_safe_mode(tmp_path):
    inputs = keras.Input((8, 8, 1))
    hidden = keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.Flatten()(inputs))
    encoder = keras.Model(inputs, keras.layers.Dense(4)(hidden))
    decoder = builders.mlp_vae((8, 8, 1), latent_dim=2, **SMALL).decoder
    model = GaussianVAE(encoder, decoder)
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match=r"Requested the deserialization of a `Lambda` layer"):
        keras.saving.load_model(tmp_path / "lambda.keras", safe_mode=True)


def op_types(path):
    """Every op type in the graph and the function library of a saved_model.pb."""
    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString((path / "saved_model.pb").read_bytes())
    types = set()
    for meta_graph in saved.meta_graphs:
        types.update(node.op for node in meta_graph.graph_def.node)
        for function in meta_graph.graph_def.library.function:
            types.update(node.op for node in function.node_def)
    return types


def test_exports_hold_no_python_callbacks(tmp_path):
    path = export(vae_plus(), tmp_path / "export", num_importance_samples=4, importance_chunk=2)
    types = op_types(type(tmp_path)(path))
    assert "MatMul" in types and "Assert" in types  # the scan sees the signatures' bodies
    assert not types & PYTHON_OPS
