"""zoo.runtime.cpu: the rule table of the CPU plan, the workload of a network, and the plan
applied by `configure_cpu` (thread pools) and `zoo.training.train` (steps per execution,
parallel batches)."""

import os
import subprocess
import sys

import keras
import pytest
import tensorflow as tf

from tests.tiny_models import IMAGE_SHAPE, tiny_images, tiny_vae
from zoo import builders, networks, training
from zoo.models import GaussianVAE
from zoo.runtime import cpu

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_rule_table():
    dense = cpu.plan("dense", batch_size=128, num_cores=2, gpu=False)
    assert (dense.threads, dense.steps_per_execution, dense.parallel_batches,
            dense.jit_compile) == ("ops", 50, 2, False)
    assert dense.compile_kwargs == {"steps_per_execution": 50, "jit_compile": False}
    # Not split: small batches, BatchNorm, one core; conv networks keep TensorFlow's pools.
    assert cpu.plan("dense", batch_size=20, num_cores=2, gpu=False).parallel_batches == 1
    assert cpu.plan("dense", batch_size=128, batch_norm=True, num_cores=2,
                    gpu=False).parallel_batches == 1
    assert cpu.plan("dense", batch_size=128, num_cores=1, gpu=False).parallel_batches == 1
    conv = cpu.plan("conv", batch_size=128, num_cores=2, gpu=False)
    assert (conv.threads, conv.parallel_batches) == ("tf", 1)
    on_gpu = cpu.plan("dense", batch_size=128, num_cores=8, gpu=True)
    assert (on_gpu.threads, on_gpu.parallel_batches) == ("tf", 1)
    assert "threads ops" in dense.describe() and dense.as_dict()["workload"] == "dense"
    with pytest.raises(ValueError, match="workload must be one of"):
        cpu.plan("mlp")


def test_workload_of_networks():
    assert cpu.workload_of(tiny_vae()) == "dense"
    conv = GaussianVAE(networks.conv_encoder((28, 28, 1), 8, width=0.125),
                       networks.conv_decoder(4, (28, 28, 1), width=0.125))
    assert cpu.workload_of(conv) == "conv"


def test_configure_cpu_auto_in_a_fresh_process():
    probe = ("from zoo.runtime import cpu\n"
             "import tensorflow as tf\n"
             "plan = cpu.configure_cpu('auto', workload='dense', batch_size=128)\n"
             "print(plan.threads, tf.config.threading.get_intra_op_parallelism_threads(),\n"
             "      cpu.active_plan() == plan)\n")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["ops", "1", "True"]


def test_configure_cpu_rejects_unknown_modes():
    with pytest.raises(ValueError, match="cpu_threads must be one of"):
        cpu.configure_cpu("all", workload="dense")


def test_train_applies_the_plan_and_restores_the_model(tmp_path, capsys):
    model = tiny_vae()
    dataset = tf.data.Dataset.from_tensor_slices(tiny_images(24)).batch(4)  # 6 steps per epoch
    training.train(model, dataset, str(tmp_path / "auto"), epochs=1, verbose=2)
    # steps_per_execution: the plan's 50, lowered to the 6 steps of an epoch.
    assert model.steps_per_execution == 6
    assert "CPU plan for this dense network" in capsys.readouterr().out
    # An explicit parallel_batches is used for the call only: the model's own stays.
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.model.parallel_batches)

    training.train(model, dataset, str(tmp_path / "split"), epochs=1, verbose=0,
                   parallel_batches=2, callbacks=[Probe()],
                   compile_kwargs={"steps_per_execution": 2})
    assert seen == [2] and model.parallel_batches == 1
    assert model.steps_per_execution == 2
    with pytest.raises(ValueError, match="parallel_batches must be an integer"):
        training.train(model, dataset, str(tmp_path / "bad"), epochs=1, verbose=0,
                       parallel_batches=0)


def test_auto_does_not_split_in_tensorflows_pools(tmp_path):
    if tf.config.threading.get_intra_op_parallelism_threads() == 1:
        pytest.skip("this process runs with one thread per op")
    model = builders.mlp_vae(IMAGE_SHAPE, latent_dim=4, units=16, encoder_depth=2,
                             decoder_blocks=1)
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.model.parallel_batches)

    dataset = tf.data.Dataset.from_tensor_slices(tiny_images(128)).batch(64)
    training.train(model, dataset, str(tmp_path), epochs=1, verbose=0, callbacks=[Probe()])
    assert seen == [1]
