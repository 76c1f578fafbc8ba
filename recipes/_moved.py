"""The tools that moved from `recipes/` to `tools/` keep their old `python -m recipes.NAME`
names: each old module forwards to the new one's `main` with the same flags."""

import sys


def notice(old, new):
    """The line an old name prints to stderr before it runs the new module."""
    return f"{old} moved to {new}; this name keeps working"


def run(old, new, main):
    """Print `notice` to stderr and run `main` (the new module's) with absl's flags."""
    from absl import app

    print(notice(old, new), file=sys.stderr, flush=True)
    app.run(main)
