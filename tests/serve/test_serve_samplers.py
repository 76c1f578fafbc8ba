"""A served model switches latent sampler per request: `signature_name` sample_<name> over HTTP
gives the images `zoo.load(...).sample(..., sampler=name)` gives in Python."""

import importlib.util
import json
import urllib.request

import numpy as np
import pytest

if importlib.util.find_spec("kserve") is None:
    pytest.skip("the serve extra is not installed", allow_module_level=True)

import zoo  # noqa: E402
from zoo import samplers  # noqa: E402

from server_process import running_server, toy_model  # noqa: E402


def post(url, body):
    request = urllib.request.Request(f"{url}:predict", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def test_a_request_picks_the_sampler(tmp_path):
    model = toy_model()
    images = np.random.default_rng(0).uniform(size=(200, *model.input_shape_)).astype("float32")
    codes = samplers.latent_codes(model, images)
    fitted = {"gmm": samplers.GaussianMixture(components=2).fit(codes),
              "gaussian": samplers.FullGaussian().fit(codes)}
    base = tmp_path / "toy"
    zoo.export(model, str(base), samplers=fitted)
    loaded = zoo.load(str(base))
    with running_server(base) as (url, _):
        for name in ("gmm", "gaussian"):
            out = post(url, {"signature_name": f"sample_{name}",
                             "inputs": {"num_samples": 3, "seed": 5}})
            np.testing.assert_allclose(np.asarray(out["outputs"]),
                                       loaded.sample(3, seed=5, sampler=name), atol=1e-6)
        own = post(url, {"signature_name": "sample", "inputs": {"num_samples": 3, "seed": 5}})
        assert not np.allclose(np.asarray(own["outputs"]), loaded.sample(3, 5, sampler="gmm"))
