"""griffe extension for the API pages: a docstring's doctest examples render as code.

The zoo's docstrings carry runnable doctest examples (`>>> ...` lines and their expected
output) inside prose, not under a Google-style "Examples:" section, so Markdown would read the
`>>>` lines as nested block quotes. This wraps each run of doctest lines (from a `>>>` line to
the blank line that ends its expected output, as doctest reads it) in a ```pycon fence; the
source docstrings, which doctest runs, stay as they are.
"""

import griffe

FENCE = "```"


def fence_doctests(text):
    """`text` with every doctest run (a `>>>` line up to the next blank line) fenced as pycon;
    code already inside a fence is left alone."""
    out, inside, fenced = [], False, False
    for line in text.split("\n"):
        stripped = line.strip()
        if not inside and stripped.startswith(FENCE):
            fenced = not fenced
        elif not inside and not fenced and stripped.startswith(">>>"):
            out.append(FENCE + "pycon")
            inside = True
        elif inside and not stripped:
            out.append(FENCE)
            inside = False
        out.append(line)
    if inside:
        out.append(FENCE)
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
