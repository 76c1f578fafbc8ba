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


def test_iwae_schedule_lowers_the_rate_by_ten_to_the_one_seventh_after_3_to_the_i_epochs():
    schedule, epochs = training.iwae_schedule(steps_per_epoch=2, rounds=3)
    assert epochs == 1 + 3 + 9
    # Round i spans epochs [sum_{j<i} 3^j, sum_{j<=i} 3^j) at 1e-3 * 10^(-i/7).
    expected = {0: 1e-3, 1: 1e-3, 2: 1e-3 * 10 ** (-1 / 7), 7: 1e-3 * 10 ** (-1 / 7),
                8: 1e-3 * 10 ** (-2 / 7), 25: 1e-3 * 10 ** (-2 / 7)}
    for step, lr in expected.items():
        assert float(schedule(step)) == pytest.approx(lr, rel=1e-6), step


def test_iwae_schedule_at_a_shorter_total_keeps_the_3_to_the_i_proportions():
    # 8 rounds in 32 epochs of 600 steps: round i has 19,200 * 3^i / 3,280 steps.
    schedule, epochs = training.iwae_schedule(600, rounds=8, total_epochs=32)
    assert epochs == 32
    ends = [round(19200 * (3 ** (i + 1) - 1) / 2 / 3280) for i in range(7)]
    assert ends == [6, 23, 76, 234, 708, 2131, 6398]
    for i, end in enumerate(ends):
        assert float(schedule(end - 1)) == pytest.approx(1e-3 * 10 ** (-i / 7), rel=1e-6)
        assert float(schedule(end)) == pytest.approx(1e-3 * 10 ** (-(i + 1) / 7), rel=1e-6)
    assert float(schedule(19199)) == pytest.approx(1e-4, rel=1e-6)
    # Equal rounds of the same 32 epochs: the last round starts at step 16,800.
    equal, _ = training.iwae_schedule(600, rounds=8, epochs_per_round=[4] * 8)
    assert float(equal(6399)) == pytest.approx(1e-3 * 10 ** (-2 / 7), rel=1e-6)


def test_iwae_schedule_refuses_a_total_too_short_for_its_rounds():
    with pytest.raises(ValueError, match="too short for 8 rounds"):
        training.iwae_schedule(10, rounds=8, total_epochs=1)
    with pytest.raises(ValueError, match="not both"):
        training.iwae_schedule(10, rounds=2, epochs_per_round=[1, 1], total_epochs=2)
