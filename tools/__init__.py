"""`python -m tools.NAME`: the project's tools beside the paper recipes (see README): the
quickstart, evaluating a model, training the FD-MNIST classifier, publishing savedmodels/ and
sealing its manifests."""

from recipes import _help

_help.answer_if_asked()  # `--help` answers from the source, before TensorFlow is imported
