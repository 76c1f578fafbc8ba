"""The latent_samplers recipe on a tiny exported VAE (in-process): one row per sampler, the
model's own `sample` among them, measured and drawn in a grid."""

import json

import keras

from recipe_case import check_common, run_recipe
from zoo import builders, data, saved_model, training


def test_latent_samplers_on_a_tiny_export(tmp_path):
    keras.utils.set_random_seed(0)
    model = builders.mlp_vae((8, 8, 1), latent_dim=3, units=8, encoder_depth=1,
                             decoder_blocks=1)
    training.train(model, data.load("sklearn:digits", "train", batch_size=64), tmp_path / "vae",
                   epochs=1, verbose=0)
    saved_model.export(model, str(tmp_path / "export"))
    workdir = tmp_path / "latent_samplers"
    models = {"tiny": {"path": str(tmp_path / "export"), "data": "sklearn:digits"}}
    markdown = check_common(workdir, run_recipe("latent_samplers", workdir,
                                                f"--override=models={json.dumps(models)}"),
                            ["samples_tiny.png"])
    results = json.loads((workdir / "results.json").read_text())["models"]["tiny"]
    assert set(results) == {"own", "gaussian", "gmm", "flow"}
    assert all(0.0 <= row["ndb_5"] <= 1.0 for row in results.values())
    assert results["gmm"]["fit_seconds"] >= 0 and results["own"]["fit_seconds"] is None
    assert "| tiny, gmm |" in markdown and "inception_samples 0" in markdown
