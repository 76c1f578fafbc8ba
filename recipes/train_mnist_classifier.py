"""`python -m recipes.train_mnist_classifier`: moved to `python -m
tools.train_mnist_classifier`; this name keeps working."""

from recipes import _moved
from tools.train_mnist_classifier import main

if __name__ == "__main__":
    _moved.run("recipes.train_mnist_classifier", "tools.train_mnist_classifier", main)
