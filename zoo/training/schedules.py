"""Learning-rate schedules of the papers as Keras schedules."""


def iwae_schedule(steps_per_epoch, rounds=8, epochs_per_round=None, base_learning_rate=1e-3):
    """The IWAE training schedule (Burda et al. 2015) as (Keras schedule, total epochs).

    ```none
    learning rate  base * 10^(-i/7)   for 3^i epochs,   i = 0 .. rounds - 1
    ```
    (rounds = 8: 3,280 epochs; reg-balance supplement section 2). `epochs_per_round` replaces
    3^i by a list (a shortened budget). Boundaries are in optimizer steps, so the schedule
    survives a resume (`zoo.training.Backup` restores the step count).
    """
    epochs = list(epochs_per_round or [3 ** i for i in range(rounds)])
    if len(epochs) != rounds:
        raise ValueError(f"need {rounds} epochs_per_round values, got {epochs}")
    import keras

    values = [base_learning_rate * 10 ** (-i / 7) for i in range(rounds)]
    # PiecewiseConstantDecay switches after step > boundary; optimizer steps count from 0.
    boundaries = [steps_per_epoch * sum(epochs[:i + 1]) - 1 for i in range(rounds - 1)]
    if not boundaries:
        return keras.optimizers.schedules.PiecewiseConstantDecay([10 ** 12], values * 2), \
            sum(epochs)
    return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values), sum(epochs)
