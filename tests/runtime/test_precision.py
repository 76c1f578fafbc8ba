"""The precision of the CPU plan (`zoo.runtime.cpu`): bfloat16 detection, the rule (mixed_bfloat16
for conv networks on CPUs with bfloat16 matrix instructions, float32 elsewhere), its overrides
and its record; and the numerics under mixed_bfloat16 (`zoo.networks._dtypes`): the output
layers, gamma, the KL and the loss stay float32. The detection is mocked, so every test runs
the same on CPUs with and without the instructions."""

import json
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.tiny_models import IMAGE_SHAPE
from zoo import builders, networks, training
from zoo.experiment import process, reuse
from zoo.models import GaussianVAE, losses
from zoo.runtime import cpu, strategies
from zoo.training.optimizers import FusedAdam

XEON_FLAGS = "fpu vme sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile"
EPYC_FLAGS = "fpu vme sse avx2 fma"  # this project's 2-core test machine: no bfloat16


@pytest.fixture
def policy():
    """Restore the float32 global policy after the test (a mixed policy would leak into
    every model built later in the process)."""
    yield
    keras.mixed_precision.set_global_policy("float32")


def cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: a CPU\nflags\t\t: {flags}\n\n"
                    f"processor\t: 1\nflags\t\t: {flags}\n")
    return str(path)


def test_detection_reads_the_cpu_flags(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert cpu.bf16_matmul_support(cpuinfo(tmp_path, XEON_FLAGS)) is True
    assert cpu.bf16_matmul_support(cpuinfo(tmp_path, "fpu avx512_bf16")) is True
    assert cpu.bf16_matmul_support(cpuinfo(tmp_path, EPYC_FLAGS)) is False
    # A flag that merely contains the name is not the flag.
    assert cpu.bf16_matmul_support(cpuinfo(tmp_path, "avx512_bf16x fpu")) is False
    assert cpu.bf16_matmul_support(str(tmp_path / "missing")) is False
    # TensorFlow without oneDNN emulates bfloat16 whatever the CPU has.
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert cpu.bf16_matmul_support(cpuinfo(tmp_path, XEON_FLAGS)) is False


def test_detection_is_false_off_linux(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cpu.bf16_matmul_support(cpuinfo(tmp_path, XEON_FLAGS)) is False


def test_plan_picks_float32_without_bf16_support(monkeypatch):
    monkeypatch.setattr(cpu, "bf16_matmul_support", lambda: False)
    for workload in cpu.WORKLOADS:
        assert cpu.plan(workload, batch_size=64, num_cores=2, gpu=False).precision == "float32"


def test_plan_picks_bfloat16_for_conv_networks_with_support(monkeypatch):
    monkeypatch.setattr(cpu, "bf16_matmul_support", lambda: True)
    conv = cpu.plan("conv", batch_size=64, num_cores=2, gpu=False)
    assert conv.precision == "mixed_bfloat16"
    assert "precision mixed_bfloat16" in conv.describe()
    assert conv.as_dict()["precision"] == "mixed_bfloat16"
    # MLPs measured slower in bfloat16 (0.9x); GPUs keep float32.
    assert cpu.plan("dense", batch_size=64, num_cores=2, gpu=False).precision == "float32"
    assert cpu.plan("conv", batch_size=64, num_cores=2, gpu=True).precision == "float32"
    # The machine can also be given.
    assert cpu.plan("conv", num_cores=2, gpu=False, bf16=False).precision == "float32"
    # BatchNorm networks failed the numerics comparison (results/precision/): float32.
    assert cpu.plan("conv", batch_norm=True, num_cores=2, gpu=False).precision == "float32"


def test_the_two_stage_recipe_declares_its_batch_norm_networks():
    from recipes import two_stage

    assert two_stage.RECIPE.batch_norm


def test_configure_cpu_sets_the_policy_and_the_override_wins(monkeypatch, policy):
    monkeypatch.setattr(cpu, "bf16_matmul_support", lambda: True)
    chosen = cpu.configure_cpu("tf", workload="conv")
    assert chosen.precision == "mixed_bfloat16" and cpu.active_plan() == chosen
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    for flag, expected in (("none", "float32"), ("float32", "float32"),
                           ("bfloat16", "mixed_bfloat16"), ("float16", "mixed_float16")):
        assert cpu.configure_cpu("tf", workload="conv", precision=flag).precision == expected
        assert keras.mixed_precision.global_policy().name == expected
    monkeypatch.setattr(cpu, "bf16_matmul_support", lambda: False)
    assert cpu.configure_cpu("tf", workload="conv").precision == "float32"
    assert keras.mixed_precision.global_policy().name == "float32"
    assert cpu.configure_cpu("tf", workload="conv",
                             precision="bfloat16").precision == "mixed_bfloat16"
    with pytest.raises(ValueError, match="mixed_precision must be one of"):
        cpu.configure_cpu("tf", workload="conv", precision="int8")
    with pytest.raises(ValueError, match="mixed_precision must be one of"):
        strategies.set_mixed_precision("auto")


def test_the_flag_defaults_to_the_plan():
    from absl import flags

    values = flags.FlagValues()
    strategies.define_flags(values)
    values(["prog"])
    assert values.mixed_precision == cpu.AUTO
    assert process.Options(preset="smoke").mixed_precision == cpu.AUTO


@pytest.mark.parametrize("support, flag, expected", [
    (True, cpu.AUTO, "mixed_bfloat16"), (False, cpu.AUTO, "float32"),
    (True, "none", "float32")])
def test_recipes_print_and_record_the_precision(support, flag, expected, tmp_path, monkeypatch,
                                                capsys, policy):
    from recipes import ood  # a conv network

    monkeypatch.setattr(cpu, "bf16_matmul_support", lambda: support)
    workdir = tmp_path / "run"
    options = process.Options(preset="smoke", workdir=str(workdir), mixed_precision=flag,
                              cpu_threads="tf")
    config, _ = process.start(ood.RECIPE, options)
    recorded = json.loads((workdir / "config.json").read_text())
    assert config["cpu"]["precision"] == recorded["cpu"]["precision"] == expected
    assert recorded["cpu"]["workload"] == "conv"
    assert recorded["strategy"]["mixed_precision"] == flag
    assert keras.mixed_precision.global_policy().name == expected
    assert f"precision {expected}" in capsys.readouterr().out


def test_reuse_compares_the_precision_and_reads_old_configs_as_float32():
    old = {"cpu": {"threads": "tf"}, "seed": 0}  # recorded before the precision was
    assert reuse.differences(old, {"cpu": {"threads": "tf", "precision": "float32"},
                                   "seed": 0}) == []
    changed = reuse.differences(old, {"cpu": {"threads": "tf", "precision": "mixed_bfloat16"},
                                      "seed": 0})
    assert changed == [("cpu.precision", "float32", "mixed_bfloat16")]


# --------------------------------------------------------------------- numerics under bfloat16


def conv_vae():
    return GaussianVAE(networks.conv_encoder(IMAGE_SHAPE, 8, width=0.125),
                       networks.conv_decoder(4, IMAGE_SHAPE, width=0.125), gamma_init=0.05,
                       affine_skip=True, seed=1)


def first_stage():
    return builders.infogan_vae(IMAGE_SHAPE, latent_dim=4, width=0.0625, gamma_init=0.05, seed=1)


def images(count=16):
    return np.random.default_rng(0).uniform(size=(count, *IMAGE_SHAPE)).astype("float32")


def bf16_representable(values):
    """Whether every value survives a round trip through bfloat16 unchanged."""
    values = tf.constant(values, tf.float32)
    return bool(tf.reduce_all(tf.cast(tf.cast(values, tf.bfloat16), tf.float32) == values))


@pytest.mark.parametrize("build", [conv_vae, first_stage], ids=["conv_vae", "first_stage"])
def test_bfloat16_keeps_outputs_gamma_kl_and_loss_float32(build, policy):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    model = build()
    hidden = [layer for layer in model.decoder.layers if layer.name.startswith(("deconv", "fc"))]
    assert hidden and all(layer.compute_dtype == "bfloat16" for layer in hidden)
    for network in (model.encoder, model.decoder):
        assert network.get_layer("head").compute_dtype == "float32"
        assert network.output.dtype == "float32"
    assert all(v.dtype == "float32" for v in model.weights if "float" in str(v.dtype))
    x = tf.constant(images())
    z_mean, z_log_scale = model.encode(x)
    x_mean = model.decode(z_mean)
    # float32 precision, not bfloat16 values cast up: a bfloat16 head's outputs would all be
    # bfloat16 numbers (8 significant bits).
    for values in (z_mean, z_log_scale, x_mean):
        assert values.dtype == tf.float32 and not bf16_representable(values)
    # The loss from those outputs, recomputed in float64, with the noise fixed at 0 (z = mu).
    model.reparameterize = lambda mean, log_scale: mean
    terms = model.loss_terms(x)
    assert {k: v.dtype for k, v in terms.items()} == {k: tf.float32 for k in terms}
    f64 = lambda t: tf.cast(t, tf.float64)  # noqa: E731
    nll = losses.gaussian_nll(f64(x), f64(x_mean), f64(model.log_gamma))
    kl = losses.gaussian_kl(f64(z_mean), f64(z_log_scale))
    np.testing.assert_allclose(terms["loss"].numpy(), tf.reduce_mean(nll + kl).numpy(),
                               rtol=1e-6)
    # The KL of a near-prior posterior cancels (mu^2 + sigma^2 - 1 - 2 log sigma): float32
    # rounding of its O(1) summands, 1e-7 each; bfloat16 ones would be off by 1e-2.
    np.testing.assert_allclose(terms["kl"].numpy(), tf.reduce_mean(kl).numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(terms["gamma"].numpy(), np.exp(model.log_gamma.numpy()),
                               rtol=1e-7)


def test_a_bfloat16_train_step_trains_float32_variables(tmp_path, policy):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    model = conv_vae()
    before = [np.array(w) for w in model.weights]
    model.compile(optimizer=FusedAdam(1e-2))
    history = model.fit(images(32), batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][-1])
    after = [np.array(w) for w in model.weights]
    assert all(w.dtype == np.float32 for w in after)
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(before, after)) > 1e-3
    assert abs(float(model.log_gamma.numpy()) - float(np.log(0.05))) > 1e-3  # gamma trained


def test_train_says_when_the_model_is_not_in_the_plans_precision(tmp_path, capsys, monkeypatch,
                                                                 policy):
    monkeypatch.setattr(cpu, "bf16_matmul_support", lambda: True)
    monkeypatch.setattr(cpu, "_ACTIVE", [None])  # no configure_cpu in this process
    model = conv_vae()  # built in float32
    dataset = tf.data.Dataset.from_tensor_slices(images(8)).batch(4)
    training.train(model, dataset, str(tmp_path / "run"), epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert "precision float32 (the plan's is mixed_bfloat16" in out
