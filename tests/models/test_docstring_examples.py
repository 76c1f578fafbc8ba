"""The runnable examples in the model classes' docstrings run and print what they show."""

import doctest

import keras
import pytest

from zoo.models import AE, WAEMMD, GaussianVAE, GenerativeModel, TwoStageVAE, VAEPlus

DOCUMENTED = [GenerativeModel, AE, GaussianVAE, WAEMMD, TwoStageVAE, VAEPlus]


@pytest.mark.parametrize("cls", DOCUMENTED, ids=lambda cls: cls.__name__)
def test_class_docstring_example(cls):
    examples = doctest.DocTestFinder(recurse=False).find(cls, cls.__name__, globs={})
    assert examples and examples[0].examples, f"{cls.__name__} has no docstring example"
    keras.utils.set_random_seed(0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for example in examples:
        runner.run(example)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"

