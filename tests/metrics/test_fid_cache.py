"""`cached_statistics` resumes an interrupted feature pass: parts written before a kill are read
back, only the missing images go through the network, and the result equals an uninterrupted
pass. A stand-in feature function replaces Inception (the cache does not depend on it)."""

import os

import numpy as np
import pytest

from zoo.metrics import fid_score
from zoo.metrics.frechet import feature_statistics

PROJECTION = np.random.default_rng(3).standard_normal((28 * 28 * 3, fid_score.FEATURES))


class Features:
    """Counts the images it featurises; raises once `fail_after` batches have been done."""

    def __init__(self, fail_after=None):
        self.images, self.calls, self.fail_after = 0, 0, fail_after

    def __call__(self, batch):
        if self.fail_after is not None and self.calls == self.fail_after:
            raise KeyboardInterrupt("killed")
        self.calls += 1
        batch = np.asarray(batch)
        self.images += len(batch)
        return np.tanh(batch.reshape(len(batch), -1) @ PROJECTION / 255.0).astype(np.float32)


@pytest.fixture
def images():
    return np.random.default_rng(0).uniform(0, 1, (23, 28, 28, 1)).astype(np.float32)


def use(monkeypatch, features):
    monkeypatch.setattr(fid_score, "_feature_fn", lambda height, width, graph: features)


def test_an_interrupted_pass_resumes_at_the_first_missing_part(monkeypatch, tmp_path, images):
    monkeypatch.setattr(fid_score, "CHECKPOINT_IMAGES", 5)
    full = Features()
    use(monkeypatch, full)
    expected = feature_statistics(fid_score._batch_features(full, images, 2, None))

    use(monkeypatch, Features(fail_after=7))       # batches of 2: parts of 5 images take 3
    with pytest.raises(KeyboardInterrupt):
        fid_score.cached_statistics(images, batch_size=2, cache_dir=str(tmp_path))
    (parts,) = [name for name in os.listdir(tmp_path) if name.endswith(".parts")]
    assert sorted(os.listdir(tmp_path / parts)) == ["000000000.npy", "000000005.npy"]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".npz")]

    resumed = Features()
    use(monkeypatch, resumed)
    mu, sigma = fid_score.cached_statistics(images, batch_size=2, cache_dir=str(tmp_path))
    assert resumed.images == len(images) - 10
    np.testing.assert_allclose(mu, expected[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sigma, expected[1], rtol=1e-6, atol=1e-7)
    assert [name for name in os.listdir(tmp_path) if name.endswith(".npz")]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".parts")]

    again = Features()
    use(monkeypatch, again)
    cached = fid_score.cached_statistics(images, batch_size=2, cache_dir=str(tmp_path))
    assert again.images == 0
    np.testing.assert_array_equal(cached[1], sigma)


def test_a_part_of_the_wrong_shape_or_unreadable_is_computed_again(monkeypatch, tmp_path,
                                                                   images):
    monkeypatch.setattr(fid_score, "CHECKPOINT_IMAGES", 10)
    use(monkeypatch, Features(fail_after=2))
    with pytest.raises(KeyboardInterrupt):
        fid_score.cached_statistics(images, batch_size=10, cache_dir=str(tmp_path))
    (parts,) = os.listdir(tmp_path)
    assert sorted(os.listdir(tmp_path / parts)) == ["000000000.npy", "000000010.npy"]
    (tmp_path / parts / "000000000.npy").write_bytes(b"not an array")
    np.save(tmp_path / parts / "000000010.npy", np.zeros((3, fid_score.FEATURES), np.float32))
    resumed = Features()
    use(monkeypatch, resumed)
    fid_score.cached_statistics(images, batch_size=10, cache_dir=str(tmp_path))
    assert resumed.images == len(images)


def test_a_bad_image_batch_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="NHWC"):
        fid_score.cached_statistics(np.zeros((0, 28, 28, 1)), cache_dir=str(tmp_path))
    assert not os.listdir(tmp_path)
