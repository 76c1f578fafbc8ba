"""`.keras` files saved before `zoo/` was regrouped into sub-packages still load.

The fixtures in tests/fixtures/ were written by the flat-layout zoo (the modules `zoo.gaussian_vae`,
`zoo.two_stage_vae`, `zoo.wae_mmd`), together with the outputs of each model on fixed inputs. The
classes are registered under the package name "zoo", so loading finds them by their registered
names whatever module they live in now; the outputs must match the stored ones.
"""

import json
import os

import keras
import numpy as np
import pytest

import zoo

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
CLASSES = {"gaussian_vae": zoo.GaussianVAE, "two_stage_vae": zoo.TwoStageVAE,
           "wae_mmd": zoo.WAEMMD}


@pytest.fixture(scope="module")
def stored():
    with open(os.path.join(FIXTURES, "pre_regrouping_outputs.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_keras_file_of_the_flat_layout_loads_with_its_outputs(name, stored):
    path = os.path.join(FIXTURES, f"{name}_v0_1.keras")
    model = keras.saving.load_model(path, compile=False)
    assert type(model) is CLASSES[name]
    x = np.asarray(stored["x"], np.float32)
    noise = np.asarray(stored["noise"], np.float32)[:, :model.noise_dim]
    expected = stored["expected"][name]
    np.testing.assert_allclose(model.reconstruct(x), expected["reconstruct"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(model.generate(noise), expected["generate"], rtol=1e-5, atol=1e-6)
