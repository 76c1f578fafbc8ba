"""A row's training budget: steps per epoch -> (epochs, learning rate), each a value or
{stage: value} (`zoo.training.train`'s `epochs` and `learning_rate`).

The runner knows the steps per epoch of the row's data; a budget turns the preset's numbers
into the epochs and the schedule (whose boundaries are in optimizer steps).
"""

import math

from zoo import training


def constant(epochs, learning_rate):
    """`epochs` (or {stage: epochs}) at a constant `learning_rate` (or {stage: rate})."""
    return lambda steps_per_epoch: (epochs, learning_rate)


def halving(learning_rate, halve_every, epochs):
    """The two-stage reference code's schedule (`zoo.training.halving_schedule`): the rate
    halved every `halve_every` epochs. `halve_every` and `epochs` are numbers, or per-stage
    dicts keyed by stage number as text (the presets' {"1": 400, "2": 800})."""
    if not isinstance(epochs, dict):
        return lambda steps: (epochs, training.halving_schedule(learning_rate, steps,
                                                                halve_every, epochs))

    def budget(steps):
        stages = {int(stage): count for stage, count in epochs.items()}
        return stages, {stage: training.halving_schedule(learning_rate, steps,
                                                         halve_every[str(stage)], count)
                        for stage, count in stages.items()}
    return budget


def iwae(rounds, epochs_per_round, learning_rate, geometric=False):
    """The IWAE schedule (`zoo.training.iwae_schedule`): base * 10^(-i/7) for 3^i epochs (or
    `epochs_per_round`), i < rounds. `geometric`: the rounds keep the 3^i proportions and span
    sum(epochs_per_round) epochs in all (the paper's schedule shape at a shorter budget; without
    `epochs_per_round` the rounds are 3^i epochs either way)."""
    def budget(steps):
        if geometric and epochs_per_round:
            schedule, epochs = training.iwae_schedule(steps, rounds, None, learning_rate,
                                                      total_epochs=sum(epochs_per_round))
        else:
            schedule, epochs = training.iwae_schedule(steps, rounds, epochs_per_round,
                                                      learning_rate)
        return epochs, schedule
    return budget


def steps(total_steps, learning_rate, halve_every_steps=0):
    """`total_steps` optimizer steps rounded up to whole epochs, the rate halved every
    `halve_every_steps` steps (0: constant)."""
    def budget(steps_per_epoch):
        epochs = max(1, math.ceil(total_steps / steps_per_epoch))
        if not halve_every_steps:
            return epochs, learning_rate
        import keras

        total = epochs * steps_per_epoch
        boundaries = list(range(halve_every_steps, total, halve_every_steps))
        values = [learning_rate * 0.5 ** i for i in range(len(boundaries) + 1)]
        if not boundaries:
            boundaries, values = [10 ** 12], values * 2
        return epochs, keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    return budget
