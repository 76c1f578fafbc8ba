"""Argument checks with messages that name the argument, its value and what was expected.

Used where a bad value would otherwise surface as a deep TensorFlow error (or not at all):
`zoo.training.train`, `zoo.builders` and the recipes.
"""

import numbers

import tensorflow as tf

from zoo.models.base import images_of


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_positive(name, value):
    """`value` as a float; ValueError unless it is a finite number > 0."""
    if not (_is_number(value) and value > 0 and value < float("inf")):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_count(name, value, minimum=0):
    """`value` as an int; ValueError unless it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fraction(name, value):
    """`value` as a float; ValueError unless 0 <= value < 1."""
    if not (_is_number(value) and 0 <= value < 1):
        raise ValueError(f"{name} must be a number in [0, 1) (0 = off), got {value!r}")
    return float(value)


def check_learning_rate(value, name="learning_rate"):
    """A positive float, or a `keras.optimizers.schedules.LearningRateSchedule` whose rates
    (its config's `values` or `initial_learning_rate`: those of the zoo's schedules and Keras'
    decays) are positive finite numbers."""
    if callable(value) and not _is_number(value):
        settings = value.get_config() if hasattr(value, "get_config") else {}
        rates = [(f"values[{i}]", rate) for i, rate in enumerate(settings.get("values", []))]
        if "initial_learning_rate" in settings:
            rates.append(("initial_learning_rate", settings["initial_learning_rate"]))
        for key, rate in rates:
            check_positive(f"{name} (the schedule's {key})", _plain(rate))
        return value
    return check_positive(name, value)


def _plain(rate):
    """A schedule's rate as a Python number where it is a scalar tensor or array."""
    try:
        return float(rate) if not _is_number(rate) else rate
    except (TypeError, ValueError):
        return rate


def check_save_freq(value):
    """"epoch" or a positive number of steps."""
    if value == "epoch":
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"save_freq must be 'epoch' or a positive number of steps, got "
                         f"{value!r}")
    return int(value)


def check_batch_size(batch_size, num_examples, what="the training split"):
    """ValueError unless 1 <= batch_size <= num_examples."""
    batch_size = check_count("batch_size", batch_size, minimum=1)
    if batch_size > num_examples:
        raise ValueError(f"batch_size {batch_size} is larger than {what} ({num_examples} "
                         f"examples); use a batch size of at most {num_examples}")
    return batch_size


def check_image_shape(model, dataset):
    """ValueError when `dataset`'s images [N, *shape] do not match `model.input_shape_`.

    Dimensions unknown in the dataset's element spec (None) match anything.
    """
    expected = model.input_shape_
    spec = images_of(dataset.element_spec)
    if expected is None or not isinstance(spec, tf.TensorSpec):
        return
    shape = spec.shape
    got = tuple(shape.as_list()[1:]) if shape.rank is not None else None
    expected = tuple(int(s) for s in expected)
    if got is None:
        return
    if len(got) != len(expected) or any(g is not None and g != e
                                        for g, e in zip(got, expected)):
        raise ValueError(
            f"image shape mismatch: {type(model).__name__} expects images of shape "
            f"{expected} (H, W, C) but the dataset yields batches of shape "
            f"{tuple(shape.as_list())}, i.e. images of shape {got}; build the model for the "
            f"data's shape or load the data at the model's (e.g. a '?size=' option)")
    if not spec.dtype.is_floating:
        raise ValueError(f"the dataset yields {spec.dtype.name} images; zoo models train on "
                         f"float images in [0, 1] (zoo.data.load scales them)")
