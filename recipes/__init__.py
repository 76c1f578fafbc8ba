"""`python -m recipes.NAME`: scripts that reproduce the papers' experiments
(docs/guides/recipes.md)."""

from recipes import _help

_help.answer_if_asked()  # `--help` answers from the source, before TensorFlow is imported
