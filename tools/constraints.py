"""Write constraints.txt, the exact set of packages the whole test suite was run with.

    python -m tools.constraints            # from the environment that passed the suite
    python -m tools.constraints --check    # exit 1 if constraints.txt differs from that environment

setup.cfg declares ranges (install_requires and the extras); constraints.txt pins every package
of one environment that passed the suite with all extras installed (`pip freeze`, the project's
own editable install left out), so CI and the README's commands install that tested set:

    pip install -c constraints.txt -e ".[test,serve,fid,hub,export,docs]"

After adding an extra or changing a range: install the project with every extra into a venv,
run the suite there, then run this module with that venv's python. A local version label
(torch's `2.13.0+cpu`) is written without its label: `torch==2.13.0` still selects the CPU wheel
where an index offers it, and the pin stays installable from PyPI alone.
The lower bounds are constraints-lowest.txt (CI's lower-bound job); tests/test_packaging.py
checks that both files agree with setup.cfg's ranges.
"""

import argparse
import pathlib
import subprocess
import sys

from zoo import files

ROOT = pathlib.Path(__file__).resolve().parents[1]
PATH = ROOT / "constraints.txt"
HEADER = """\
# The exact set the whole test suite (fast and slow) was run with, all extras installed, on
# Python {python} (CPython, Linux x86_64). Written by `python -m tools.constraints` from that
# environment's `pip freeze`; setup.cfg keeps the supported ranges.
# Use: pip install -c constraints.txt -e ".[test,serve,fid,hub,export,docs]"
"""


def frozen(python=sys.executable):
    """`pip freeze` of `python`'s environment without editable installs, local version labels
    dropped, sorted case-insensitively: one `name==version` a line."""
    out = subprocess.run([python, "-m", "pip", "freeze", "--exclude-editable"], check=True,
                         capture_output=True, text=True).stdout
    pins = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "==" not in line:
            raise ValueError(f"pip freeze gave {line!r}, not name==version: install the project "
                             "and its dependencies from an index, not from a URL or path")
        pins.append(line.split("+", 1)[0])
    return sorted(pins, key=str.lower)


def render(pins, python_version):
    return HEADER.format(python=python_version) + "".join(pin + "\n" for pin in pins)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if constraints.txt differs from this environment")
    args = parser.parse_args(argv)
    version = ".".join(map(str, sys.version_info[:2]))
    text = render(frozen(), version)
    if args.check:
        same = PATH.is_file() and PATH.read_text() == text
        print("constraints.txt matches this environment" if same else
              "constraints.txt differs from this environment: python -m tools.constraints")
        return 0 if same else 1
    files.write_text(PATH, text)
    print(f"wrote {PATH.name}: {text.count(chr(10)) - HEADER.count(chr(10))} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
