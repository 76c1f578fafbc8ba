"""Tiny stand-ins for the published MNIST SavedModels (`savedmodels/<name>/<version>/`).

Notebook 1 loads whichever of the five published names it finds in $ZOO_SAVEDMODELS. The test
makes small MLP models of the same classes on 28 x 28 x 1 images, trains each for a few hundred
steps on real MNIST and exports them with `zoo.export`, so every signature the notebook uses
exists and gives meaningful (if blurry) images and scores.
"""

import keras

import zoo
from zoo import builders, data

NAMES = ("mnist_vae", "mnist_two_stage", "mnist_vaeplus", "mnist_wae_mmd", "mnist_ae")
VAE_FAMILY = ("mnist_vae", "mnist_two_stage", "mnist_vaeplus")  # exports with `score`
SHAPE = (28, 28, 1)
SMALL = {"units": 64, "encoder_depth": 2, "decoder_blocks": 1}


def _fit(model, x, epochs, stage=None):
    optimizer = keras.optimizers.Adam(2e-3)
    kwargs = {"batch_size": 100, "epochs": epochs, "verbose": 0}
    if stage is None:
        model.compile(optimizer=optimizer)
        model.fit(x, **kwargs)
    else:
        model.fit_stage(stage, x, optimizer=optimizer, **kwargs)


def build(name, x, epochs=1):
    """The trained stand-in model for published `name`."""
    keras.utils.set_random_seed(0)
    if name in ("mnist_vae", "mnist_two_stage"):
        vae = builders.mlp_vae(SHAPE, latent_dim=8, **SMALL)
        _fit(vae, x, epochs)
        if name == "mnist_vae":
            return vae
        model = builders.two_stage_vae(vae, units=32, depth=1)
        _fit(model, x, epochs, stage=2)
        return model
    if name == "mnist_vaeplus":
        model = builders.vae_plus(builders.mlp_ae(SHAPE, latent_dim=16, **SMALL), latent_dim=8,
                                  units=32, depth=1)
        for stage in (0, 1, 2):
            _fit(model, x, epochs, stage=stage)
        return model
    if name == "mnist_wae_mmd":
        model = builders.mlp_wae(SHAPE, latent_dim=8, **SMALL)
    elif name == "mnist_ae":
        model = builders.mlp_ae(SHAPE, latent_dim=8, **SMALL)
    else:
        raise ValueError(f"unknown published model {name!r}; expected one of {NAMES}")
    _fit(model, x, epochs)
    return model


def export_all(mnist_spec, folder, names=NAMES, train_images=6000):
    """Train and export every stand-in into `folder/<name>/1/`; returns `folder`."""
    x, _ = data.load_numpy(mnist_spec, f"train[:{train_images}]", dequantize=True)
    for name in names:
        zoo.export(build(name, x), folder / name, num_importance_samples=20,
                   metadata={"preprocessing": "stand-in test model: MNIST (pixel + u) / 256"})
    return folder
