"""`kill -9` mid-training, then the same command again: the run continues from its last
backup and ends where an uninterrupted run ends.

Equality. The resumed run restores weights, Adam moments and step counter, the models'
SeedGenerator states and the position in the data stream (epoch e of a stage is the e-th
iteration of a freshly built, seeded dataset; the resumed stage skips the batches it already
used). Every step therefore sees the same batch, noise and optimizer state as in the
uninterrupted run and executes the same graph on the same thread count, so the final weights
are expected to agree bit for bit; the test allows 1e-5 relative + 1e-6 absolute because TF does
not promise bitwise-deterministic CPU kernels across processes (op determinism is not enabled).
The step counts must match exactly.
"""

import json
import time

import keras
import numpy as np
import pytest

from quickstart_runner import h5_arrays, run_quickstart, start_quickstart, stop, wait_for
from tiny_models import tiny_vae
from zoo import data, training

FLAGS = ("--epochs=1,4,1", "--checkpoint_every=5")
STAGES = ("stage_0", "stage_1", "stage_2")


def backup_position(workdir, stage):
    path = workdir / "backup" / stage / "state.json"
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):  # not there yet (json.loads of a torn file would be a bug)
        return None
    return state if state["position"] > 0 else None


@pytest.mark.slow
def test_sigkill_mid_stage_then_rerun_matches_an_uninterrupted_run(tmp_path):
    reference_dir, killed_dir = tmp_path / "reference", tmp_path / "killed"
    reference = start_quickstart(reference_dir, *FLAGS, log=tmp_path / "reference.log")
    victim = start_quickstart(killed_dir, *FLAGS, log=tmp_path / "killed.log")
    try:
        # Kill in stage 1 after its first step-5 backup (stage 0 is finished by then).
        state = wait_for(lambda: backup_position(killed_dir, "stage_1"), victim, timeout=180)
        stop(victim)
        log = (tmp_path / "killed.log").read_text()
        assert state is not None, f"no stage_1 backup appeared; log:\n{log[-3000:]}"
        assert victim.returncode != 0, "the run finished before it could be killed"
        assert not (killed_dir / "checkpoints" / "stage_1.weights.h5").exists()
        assert (killed_dir / "checkpoints" / "stage_0.weights.h5").exists()
        assert reference.wait(timeout=240) == 0, (tmp_path / "reference.log").read_text()[-3000:]
    finally:
        stop(victim)
        stop(reference)

    resumed = run_quickstart(killed_dir, *FLAGS)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    for stage in STAGES:
        ref_info = json.loads((reference_dir / "checkpoints" / f"{stage}.json").read_text())
        got_info = json.loads((killed_dir / "checkpoints" / f"{stage}.json").read_text())
        assert got_info["steps"] == ref_info["steps"], stage
        ref = h5_arrays(reference_dir / "checkpoints" / f"{stage}.weights.h5")
        got = h5_arrays(killed_dir / "checkpoints" / f"{stage}.weights.h5")
        assert sorted(got) == sorted(ref)
        for name in ref:
            np.testing.assert_allclose(got[name], ref[name], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{stage}: {name}")
    assert not (killed_dir / "backup" / "stage_1").exists()  # removed once the stage finished
    ref_metrics = json.loads((reference_dir / "metrics.json").read_text())
    got_metrics = json.loads((killed_dir / "metrics.json").read_text())
    assert got_metrics["gamma"] == ref_metrics["gamma"]


def test_an_interrupted_train_call_resumes_mid_epoch_exactly(tmp_path):
    """In-process variant: a crash after the step-16 backup (mid-epoch 3 of 12-step epochs),
    with KL warm-up (a step counter), a SeedGenerator and steps_per_execution 5 (lowered to 4,
    a divisor of 12). The resumed call ends bit-identical to an uninterrupted one."""
    def model():
        return tiny_vae(seed=3, kl_warmup_steps=30)

    def dataset():
        return data.load("sklearn:digits", "train[:384]", batch_size=32, shuffle=True, seed=3)

    kwargs = {"epochs": 3, "save_freq": 8, "verbose": 0,
              "compile_kwargs": {"steps_per_execution": 5}}
    reference = model()
    training.train(reference, dataset, tmp_path / "reference", **kwargs)

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.optimizer.iterations.numpy()) >= 20:
                raise KeyboardInterrupt

    interrupted = model()
    try:
        training.train(interrupted, dataset, tmp_path / "resumed", callbacks=[Crash()], **kwargs)
    except KeyboardInterrupt:
        pass
    state = json.loads((tmp_path / "resumed" / "backup" / "model" / "state.json").read_text())
    assert (state["position"], state["epoch"], state["step_in_epoch"]) == (16, 1, 4)
    assert state["seconds"] > 0
    # The training time recorded for the stage counts the processes before the resume: here
    # the backup says 1,000 s.
    state["seconds"] = 1000.0
    (tmp_path / "resumed" / "backup" / "model" / "state.json").write_text(json.dumps(state))
    resumed = model()
    start = time.time()
    training.train(resumed, dataset, tmp_path / "resumed", **kwargs)
    assert 1000 < training.recorded_seconds(tmp_path / "resumed") <= 1000 + time.time() - start
    assert int(resumed.optimizer.iterations.numpy()) == 36
    for a, b in zip(reference.variables, resumed.variables):  # seed states and kl_step too
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()), a.path)
