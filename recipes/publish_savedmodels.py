"""`python -m recipes.publish_savedmodels`: moved to `python -m tools.publish`; this name keeps
working."""

from recipes import _moved
from tools.publish.__main__ import main

if __name__ == "__main__":
    _moved.run("recipes.publish_savedmodels", "tools.publish", main)
