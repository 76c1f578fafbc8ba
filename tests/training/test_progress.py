"""`zoo.training.train` says which stage it trains, resumes or loads."""

import keras
import numpy as np
import tensorflow as tf

from zoo import builders, training


def tiny_two_stage():
    first = builders.mlp_vae(input_shape=(4, 4, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    return builders.two_stage_vae(first, units=8, depth=1, seed=0)


def dataset():
    images = np.random.RandomState(0).rand(8, 4, 4, 1).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).batch(4)


def test_epoch_lines_name_the_stage_and_a_rerun_says_what_it_loaded(tmp_path, capsys):
    training.train(tiny_two_stage(), dataset, str(tmp_path), epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "stage_1 (1 of 2): 2 epochs of 2 steps" in out
    assert "stage_1 epoch 2/2: loss " in out and "stage_2 epoch 1/2: loss " in out
    assert "Epoch 1/" not in out  # Keras' own, stage-less lines are replaced

    training.train(tiny_two_stage(), dataset, str(tmp_path), epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "stage_1 (1 of 2): finished in an earlier run; loaded" in out
    assert "stage_2 (2 of 2): finished in an earlier run; loaded" in out
    assert " epoch " not in out  # nothing was trained


def test_an_interrupted_stage_says_where_it_resumes(tmp_path, capsys):
    model = builders.mlp_vae(input_shape=(4, 4, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model.optimizer.iterations.numpy() >= 3:
                raise KeyboardInterrupt

    try:
        training.train(model, dataset, str(tmp_path), epochs=3, verbose=0, save_freq=1,
                       callbacks=[Stop()])
    except KeyboardInterrupt:
        pass
    capsys.readouterr()
    model = builders.mlp_vae(input_shape=(4, 4, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    training.train(model, dataset, str(tmp_path), epochs=3, verbose=2)
    out = capsys.readouterr().out
    assert "model: resuming from its backup at step 3 (epoch 2, step 1 of 2)" in out
    assert "model epoch 3/3" in out


def test_stage_progress_prints_a_few_lines_per_stage_and_a_summary(tmp_path, capsys):
    """verbose="stage" off a terminal: one start line, a line at each quarter of the stage and
    a summary, whatever the epochs' speed; never Keras' own lines."""
    training.train(tiny_two_stage(), dataset, str(tmp_path), epochs=8, verbose="stage")
    lines = capsys.readouterr().out.splitlines()
    starts = [line for line in lines if line.startswith("zoo.training: stage_1")
              and " epoch " not in line and " done: " not in line]
    assert starts == ["zoo.training: stage_1 (1 of 2): 8 epochs of 2 steps"]
    for stage in ("stage_1", "stage_2"):
        shown = [line.split(" epoch ")[1].split()[0] for line in lines
                 if line.startswith(f"zoo.training: {stage} epoch ")]
        assert shown == ["2/8", "4/8", "6/8"]
        summary = [line for line in lines if line.startswith(f"zoo.training: {stage} done: 8 ")]
        assert len(summary) == 1 and "last epoch loss " in summary[0]
    assert not any("Epoch 1/" in line for line in lines)


def test_an_unknown_verbosity_is_refused(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="verbose must be one of"):
        training.train(tiny_two_stage(), dataset, str(tmp_path), epochs=1, verbose="bars")
