"""`python -m tools.NAME`: the project's tools beside the recipes (docs/guides/recipes.md): the
quickstart, evaluating a model, training the FD-MNIST classifier, publishing savedmodels/ and
sealing its manifests."""

from recipes import _help

_help.answer_if_asked()  # `--help` answers from the source, before TensorFlow is imported
