"""`python -m recipes.manifest_savedmodels`: moved to `python -m tools.manifest_savedmodels`;
this name keeps working."""

from recipes import _moved
from tools.manifest_savedmodels import main

if __name__ == "__main__":
    _moved.run("recipes.manifest_savedmodels", "tools.manifest_savedmodels", main)
