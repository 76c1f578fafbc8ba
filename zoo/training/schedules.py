"""Learning-rate schedules of the papers as Keras schedules."""


def iwae_schedule(steps_per_epoch, rounds=8, epochs_per_round=None, base_learning_rate=1e-3,
                  total_epochs=None):
    """The IWAE training schedule (Burda et al. 2015) as (Keras schedule, total epochs).

    ```none
    learning rate  base * 10^(-i/7)   for 3^i epochs,   i = 0 .. rounds - 1
    ```
    (rounds = 8: 3,280 epochs; reg-balance supplement section 2). `epochs_per_round` replaces
    3^i by a list (a shortened budget of equal or other rounds). `total_epochs` instead keeps
    the schedule's shape and shortens it: round i lasts 3^i / sum_j 3^j of `total_epochs`
    epochs (its boundaries rounded to whole steps; at 8 rounds two thirds of the steps are in
    the last round, at a tenth of the first rate). Boundaries are in optimizer steps, so the
    schedule survives a resume (`zoo.training.Backup` restores the step count).

    Raises:
      ValueError: `epochs_per_round` of another length than `rounds`, both `epochs_per_round`
        and `total_epochs` given, or a `total_epochs` too short to give every round a step.
    """
    if total_epochs is not None and epochs_per_round is not None:
        raise ValueError("give epochs_per_round or total_epochs, not both")
    epochs = list(epochs_per_round or [3 ** i for i in range(rounds)])
    if len(epochs) != rounds:
        raise ValueError(f"need {rounds} epochs_per_round values, got {epochs}")
    import keras

    values = [base_learning_rate * 10 ** (-i / 7) for i in range(rounds)]
    if total_epochs is None:
        total_epochs = sum(epochs)
        ends = [steps_per_epoch * sum(epochs[:i + 1]) for i in range(rounds - 1)]
    else:
        total_steps = steps_per_epoch * total_epochs
        ends = [round(total_steps * sum(epochs[:i + 1]) / sum(epochs))
                for i in range(rounds - 1)]
        if min(b - a for a, b in zip([0, *ends], [*ends, total_steps])) < 1:
            raise ValueError(f"total_epochs={total_epochs} of {steps_per_epoch} steps is too "
                             f"short for {rounds} rounds in the proportions 3^i: the first "
                             f"gets no step (it needs about {sum(epochs)} / "
                             f"{steps_per_epoch} epochs)")
    # PiecewiseConstantDecay switches after step > boundary; optimizer steps count from 0.
    boundaries = [end - 1 for end in ends]
    if not boundaries:
        return keras.optimizers.schedules.PiecewiseConstantDecay([10 ** 12], values * 2), \
            total_epochs
    return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values), total_epochs


def halving_schedule(learning_rate, steps_per_epoch, every_epochs, epochs):
    """The two-stage VAE's schedule (Dai & Wipf 2019, reference code): the learning rate halved
    every `every_epochs` epochs of `epochs` (0, or no boundary inside `epochs`: constant).

    ```none
    learning rate  lr * 0.5^floor(epoch / every_epochs)
    ```
    Returns a float or a Keras schedule with boundaries in optimizer steps (so it survives a
    resume). Two runs whose `epochs` differ share their schedule up to the shorter one's end.
    """
    if every_epochs < 0 or epochs < 0:
        raise ValueError(f"every_epochs and epochs must be >= 0, got {every_epochs}, {epochs}")
    boundaries = ([steps_per_epoch * e for e in range(every_epochs, epochs, every_epochs)]
                  if every_epochs else [])
    if not boundaries:
        return float(learning_rate)
    import keras

    values = [learning_rate * 0.5 ** i for i in range(len(boundaries) + 1)]
    return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
