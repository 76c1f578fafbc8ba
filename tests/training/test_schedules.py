"""The papers' learning-rate schedules: values at given optimizer steps."""

import pytest

from zoo import training


def test_halving_schedule_halves_every_n_epochs_and_is_constant_without_boundaries():
    schedule = training.halving_schedule(1e-3, steps_per_epoch=10, every_epochs=3, epochs=10)
    # Epochs 0-2 at lr, 3-5 at lr / 2, 6-8 at lr / 4, 9 at lr / 8 (steps count from 0).
    expected = {0: 1e-3, 29: 1e-3, 31: 5e-4, 59: 5e-4, 61: 2.5e-4, 91: 1.25e-4, 99: 1.25e-4}
    for step, lr in expected.items():
        assert float(schedule(step)) == pytest.approx(lr, rel=1e-6), step
    assert training.halving_schedule(1e-3, 10, every_epochs=0, epochs=10) == 1e-3
    assert training.halving_schedule(1e-3, 10, every_epochs=10, epochs=10) == 1e-3


def test_a_longer_run_shares_the_shorter_ones_schedule():
    short = training.halving_schedule(5e-4, 938, every_epochs=100, epochs=200)
    long = training.halving_schedule(5e-4, 938, every_epochs=100, epochs=300)
    for step in (0, 938 * 100 - 1, 938 * 100 + 1, 938 * 200 - 1):
        assert float(short(step)) == float(long(step))
    assert float(long(938 * 200 + 1)) == pytest.approx(1.25e-4)


def test_halving_schedule_refuses_negative_lengths():
    with pytest.raises(ValueError, match="must be >= 0"):
        training.halving_schedule(1e-3, 10, every_epochs=-1, epochs=10)
