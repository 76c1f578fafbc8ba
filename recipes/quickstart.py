"""`python -m recipes.quickstart`: moved to `python -m tools.quickstart`; this name keeps
working."""

from recipes import _moved
from tools.quickstart import main

if __name__ == "__main__":
    _moved.run("recipes.quickstart", "tools.quickstart", main)
