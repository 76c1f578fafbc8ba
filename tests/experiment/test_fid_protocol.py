"""FID's two protocols in zoo.experiment.measures: the reference statistics of training or of
shuffled test images, min-max normalised samples, and the real images of FID's bias row."""

import numpy as np
import pytest

from zoo.experiment import measures


def test_min_max_normalized_spans_zero_to_one_per_image():
    images = np.stack([np.full((2, 2, 1), 0.5), np.array([[[0.2], [0.4]], [[0.6], [0.3]]])])
    out = measures.min_max_normalized(images)
    np.testing.assert_allclose(out[0], 0.0)  # a constant image stays 0
    np.testing.assert_allclose(out[1].ravel(), [0.0, 0.5, 1.0, 0.25], atol=1e-6)


def test_fid_reference_must_be_train_or_test():
    with pytest.raises(ValueError, match="fid_reference must be one of"):
        measures.ImageSettings(fid_reference="validation")


def test_test_reference_takes_statistics_of_shuffled_held_out_images(monkeypatch):
    """fid_reference=test: the statistics of fid_train random test images (not the first
    ones, not training images); train: of training images."""
    from zoo import data

    from zoo import metrics
    from zoo.metrics import fid_weights

    seen = {}
    train, _ = data.load_numpy("sklearn:digits", "train")
    monkeypatch.setattr(fid_weights, "available", lambda: True)
    monkeypatch.setattr(metrics, "cached_statistics", lambda images, inception_path=None: (
        seen.setdefault("train" if any(np.array_equal(images[0], x) for x in train) else "test",
                        images) is not None))
    test, _ = data.load_numpy("sklearn:digits", "test")
    settings = measures.ImageSettings(fid_samples=10, fid_train=50, fid_reference="test",
                                      ndb_train=100)
    reference = measures.image_reference("sklearn:digits", settings, 20)
    assert reference.fid_statistics is True and "train" not in seen
    np.testing.assert_array_equal(seen["test"], measures.held_out(test, 50))
    assert not np.array_equal(seen["test"], test[:50])
    measures.image_reference("sklearn:digits",
                             measures.ImageSettings(fid_samples=10, fid_train=50, ndb_train=100),
                             20)
    assert len(seen["train"]) == 50


def test_bias_images_lie_outside_the_reference():
    reference = measures.ImageReference("x", "test", np.zeros((5, 1)), np.ones((5, 1)),
                                        np.full((8, 1), 2.0), None, False)
    train_ref = measures.ImageSettings(fid_reference="train")
    test_ref = measures.ImageSettings(fid_reference="test")
    assert (measures.fid_bias_images(reference, train_ref, 3) == 1).all()  # held-out images
    assert (measures.fid_bias_images(reference, test_ref, 3) == 2).all()  # training images
    with pytest.raises(ValueError, match="needs 6 real images"):
        measures.fid_bias_images(reference, train_ref, 6)


def test_normalize_samples_changes_what_fid_sees(monkeypatch):
    from zoo import metrics

    seen = []
    monkeypatch.setattr(metrics, "fid_to_statistics",
                        lambda images, statistics, **_: seen.append(np.asarray(images)) or 0.0)
    reference = measures.ImageReference("x", "test", None, None, None, ("mu", "sigma"), False)
    images = np.random.RandomState(0).uniform(0.2, 0.6, (4, 3, 3, 1)).astype(np.float32)
    measures.fid(images, reference, measures.ImageSettings(normalize_samples=True))
    measures.fid(images, reference, measures.ImageSettings())
    assert seen[0].min() == 0 and seen[0].max() == 1
    np.testing.assert_array_equal(seen[1], images)


@pytest.mark.parametrize("reference, words", [("train", "training"), ("test", "shuffled test")])
def test_results_md_names_the_fid_reference_split(reference, words):
    from zoo import experiment

    config = {"fid_samples": 1000, "fid_train": 10000, "fid_images": 0,
              "fid_reference": reference, "ndb_bins": [100], "ndb_train": 20000,
              "ndb_queries": 5000, "ndb_n_init": 1}
    values = {"vae": {"fid": 30.0, "ndb_100": 0.4, "ndb_100_held_out_real": 0.2}}
    text = "\n".join(experiment.image_sections(config, [("vae", "VAE")], values,
                                               {"vae": {"fid": 12.6}}, "vae"))
    assert f"Inception statistics of 10000 {words} images" in text


def test_two_stage_report_states_the_fid_protocol_only_when_fid_is_computed():
    from recipes import two_stage

    config = {**two_stage.CPU, "fid_samples": 1000, "fid_train": 10000}
    text = two_stage.fid_protocol(config, bias=9.37)
    assert text.startswith("FID: 1,000 samples, each min-max normalised, against the Inception "
                           "statistics of 10,000 shuffled test images")
    assert "score FID 9.37 the same way" in text
    assert two_stage.fid_protocol({**config, "fid_samples": 0}, bias=None) is None
