"""`python -m recipes.evaluate`: moved to `python -m tools.evaluate`; this name keeps working."""

from recipes import _moved
from tools.evaluate import main

if __name__ == "__main__":
    _moved.run("recipes.evaluate", "tools.evaluate", main)
