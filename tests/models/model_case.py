"""The test case every zoo model class runs (the idea of KerasHub's `run_backbone_test`).

`run_model_test(cls, init_kwargs, x)` builds `cls(**init_kwargs())` afresh for each check and
asserts: output shapes of encode / decode / reconstruct / generate / sample; seeded sampling is
reproducible and depends on the seed; `get_config` / `from_config` and `.keras` save / load
round trips give equal outputs; evaluation changes no weight, a fit step changes some, and a
few steps lower the loss. A multi-stage model is trained stage by stage, and each stage must
move only the weights of its own sub-model.
"""

import keras
import numpy as np


def state_weights(model):
    """Every weight but the random-number generators' states, as numpy arrays keyed by the
    variable's id (paths repeat across nested sub-models)."""
    return {id(w): w.numpy().copy() for w in model.weights if "seed_generator" not in w.path}


def changed(before, after):
    """Ids of the variables whose values differ between two `state_weights` snapshots."""
    return {key for key in before if not np.array_equal(before[key], after[key])}


def mean_eval_loss(model, x, repeats=5):
    """The evaluation loss on `x`, averaged over `repeats` draws of the posterior noise."""
    return float(np.mean([model.evaluate(x, batch_size=len(x), verbose=0, return_dict=True)["loss"]
                          for _ in range(repeats)]))


def check_shapes(model, x):
    n = len(x)
    code = model.encode(x)
    if isinstance(code, tuple):
        assert [tuple(c.shape) for c in code] == [(n, model.latent_dim)] * 2
        code = code[0]
    else:
        assert tuple(code.shape) == (n, model.latent_dim)
    assert tuple(model.decode(code).shape) == x.shape
    assert tuple(model.reconstruct(x).shape) == x.shape
    assert tuple(model.generate(np.zeros((3, model.noise_dim), "float32")).shape) == (3, *x.shape[1:])
    assert tuple(model.sample(4, seed=1).shape) == (4, *x.shape[1:])
    np.testing.assert_array_equal(model.sample(4, seed=1), model.sample(4, seed=1))
    assert not np.array_equal(model.sample(4, seed=1), model.sample(4, seed=2))


def check_config_round_trip(model, x):
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.reconstruct(x), model.reconstruct(x), rtol=0, atol=1e-6)


def check_keras_file_round_trip(model, x, tmp_path):
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode=True: no arbitrary code
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))
    np.testing.assert_array_equal(loaded.sample(3, seed=5), model.sample(3, seed=5))


def check_training_step(model, x, steps=30, learning_rate=1e-3):
    """Training changes the weights and lowers the loss; evaluation changes nothing."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    before = state_weights(model)
    loss_before = mean_eval_loss(model, x)
    assert not changed(before, state_weights(model)), "evaluation changed weights"
    model.fit(x, batch_size=len(x), epochs=steps, verbose=0)
    assert changed(before, state_weights(model)), "training changed no weight"
    assert mean_eval_loss(model, x) < loss_before


def check_stages(model, x, steps):
    """Each stage (in order) trains, lowers its loss and moves only its own sub-model."""
    owned = {number: {id(w) for w in sub.weights}
             for number, sub in model.stage_models().items()}
    for stage in model.stages:
        before = state_weights(model)
        model.set_stage(stage)
        check_training_step(model, x, steps=steps)
        moved = changed(before, state_weights(model))
        assert moved <= owned[stage], f"stage {stage} changed weights of other stages"


def run_model_test(cls, init_kwargs, x, tmp_path, steps=30, seed=0):
    """Every check above on fresh models `cls(**init_kwargs())`; `init_kwargs` returns new
    constructor arguments (new networks) on each call, after `keras.utils.set_random_seed`."""
    def make():
        keras.utils.set_random_seed(seed)
        model = cls(**init_kwargs())
        assert type(model) is cls
        return model

    check_shapes(make(), x)
    check_config_round_trip(make(), x)
    check_keras_file_round_trip(make(), x, tmp_path)
    model = make()
    if model.stages:
        check_stages(model, x, steps)
    else:
        check_training_step(model, x, steps=steps)
