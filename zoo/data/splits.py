"""Split strings: a split name with an optional python slice, e.g. 'train', 'train[:50000]'."""

import dataclasses
import re

_SPLIT_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z_]\w*)\s*"
    r"(?:\[\s*(?P<start>[+-]?\d+)?\s*:\s*(?P<stop>[+-]?\d+)?\s*\])?\s*$")


@dataclasses.dataclass(frozen=True)
class SplitSelection:
    """A named split and the python slice [start:stop] of it to use (None: open end)."""

    name: str
    start: int | None = None
    stop: int | None = None

    def bounds(self, num_examples):
        """Resolve the slice against a split of `num_examples`: (start, stop), start < stop.

        Raises:
          ValueError: the slice selects no examples.
        """
        start, stop, _ = slice(self.start, self.stop).indices(num_examples)
        if stop <= start:
            raise ValueError(
                f"split {self!s} selects no examples (split {self.name!r} has {num_examples})")
        return start, stop

    def __str__(self):
        if self.start is None and self.stop is None:
            return self.name
        start = "" if self.start is None else self.start
        stop = "" if self.stop is None else self.stop
        return f"{self.name}[{start}:{stop}]"


def parse_split(split):
    """Parse 'name' or 'name[start:stop]' (python slice syntax, integers, no step).

    Raises:
      ValueError: the string is not of that form.
    """
    match = _SPLIT_RE.match(split) if isinstance(split, str) else None
    if match is None:
        raise ValueError(
            f"bad split {split!r}: expected a split name with an optional slice, e.g. 'train', "
            "'test', 'train[:50000]', 'train[50000:]', 'train[-1000:]'")
    start, stop = (None if v is None else int(v) for v in (match["start"], match["stop"]))
    return SplitSelection(match["name"], start, stop)


def check_split_name(selection, available, source):
    """Raise ValueError unless `selection.name` is one of `available` (names of `source`)."""
    if selection.name not in available:
        raise ValueError(
            f"unknown split {selection.name!r} for {source}; valid splits: "
            f"{', '.join(available)} (each with an optional slice such as "
            f"'{next(iter(available))}[:1000]')")
