"""Rewrite constraints.txt, the exact tested set, from the running environment.

    python -m pip install -c constraints.txt -e ".[test,serve,fid]"   # the tested set
    python -m tools.constraints                                        # after changing it

Run it in the environment the suite passed in (with every extra CI installs): it writes
`pip freeze` without the project itself, atomically. setup.cfg's ranges say what is supported;
this file says what was tested.
"""

import subprocess
import sys

from zoo.files import write_text

HEADER = """\
# The exact set the suite is run with by default (CI, README's install command):
#   pip install -c constraints.txt -e ".[test,serve,fid]"
# Regenerate after changing a version or an extra: python -m tools.constraints
"""
PROJECT = ("vae-zoo", "vae_zoo")


def frozen():
    """`pip freeze` of this interpreter's environment, without the project and editables."""
    out = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                         check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines()
            if line and not line.startswith("-e") and not line.lower().startswith(PROJECT)]


def main(path="constraints.txt"):
    lines = frozen()
    write_text(path, HEADER + "\n".join(lines) + "\n")
    print(f"constraints: {len(lines)} packages written to {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
