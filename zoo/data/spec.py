"""Data spec strings: 'source:arg', optionally followed by '?key=value&key=value' options.

Examples: 'tfds:mnist', 'idx:../shared/data/mnist', 'npz:/data/cifar.npz', 'sklearn:digits',
'folder:/data/img_align_celeba?crop=celeba64'. Options in the spec and keyword options passed
to `zoo.data.load` are merged; the same option given both ways must agree.
"""

import dataclasses
import urllib.parse

EXAMPLES = ("tfds:mnist", "idx:/path/to/mnist", "folder:/path/to/img_align_celeba?crop=celeba64",
            "npz:/path/to/data.npz", "sklearn:digits")


@dataclasses.dataclass(frozen=True)
class Spec:
    """A parsed data spec: source prefix, its argument (name or path) and its options."""

    source: str
    arg: str
    options: dict


def parse_spec(spec, sources, options=None):
    """Parse `spec` and merge keyword `options` into the spec's own options.

    Args:
      spec: 'source:arg[?key=value&...]'.
      sources: mapping of valid source prefixes to their option names (tuples).
      options: keyword options (None values are treated as not given).

    Raises:
      ValueError: malformed spec, unknown source, unknown option, or conflicting values.
    """
    valid = ", ".join(f"'{name}:'" for name in sources)
    if not isinstance(spec, str) or ":" not in spec:
        raise ValueError(
            f"bad data spec {spec!r}: expected 'source:arg' with source one of {valid}; "
            f"examples: {', '.join(EXAMPLES)}")
    source, rest = spec.split(":", 1)
    if source not in sources:
        raise ValueError(
            f"unknown data source {source!r} in {spec!r}; valid sources: {valid}; "
            f"examples: {', '.join(EXAMPLES)}")
    arg, _, query = rest.partition("?")
    if not arg:
        raise ValueError(f"bad data spec {spec!r}: nothing after '{source}:'")
    merged = dict(urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    for key, value in (options or {}).items():
        if value is None:
            continue
        if key in merged and str(merged[key]) != str(value):
            raise ValueError(
                f"option {key!r} is {merged[key]!r} in the spec {spec!r} but {value!r} as a "
                "keyword argument")
        merged[key] = value
    unknown = sorted(set(merged) - set(sources[source]))
    if unknown:
        allowed = ", ".join(sources[source]) or "none"
        raise ValueError(
            f"unknown option(s) {', '.join(unknown)} for source '{source}:'; valid options: "
            f"{allowed}")
    return Spec(source, arg, merged)


def source_of(spec):
    """The source prefix of a spec string ('idx' of 'idx:DIR?opt=1'), or None for a value that
    is not one (not a string, or no ':')."""
    if not isinstance(spec, str) or ":" not in spec:
        return None
    return spec.partition(":")[0]


def argument_of(spec):
    """The argument of a spec string, without its options ('DIR' of 'idx:DIR?opt=1')."""
    return spec.partition(":")[2].partition("?")[0]


def with_option(spec, key, value):
    """`spec` with the option `key=value` appended ('?' or '&' as the spec needs)."""
    return f"{spec}{'&' if '?' in spec else '?'}{key}={value}"


def as_bool(value, name=None):
    """A value as bool: True/False or the strings true/false/yes/no/on/off/1/0 (`name`: the
    option's, for the error)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    what = f"option {name!r} must be" if name else "expected"
    raise ValueError(f"{what} true or false, got {value!r}")


def as_size(value, name):
    """An option value as (height, width): an int N (N x N), 'N', 'HxW' or a pair."""
    if isinstance(value, str):
        parts = value.lower().split("x")
    elif isinstance(value, int):
        parts = [value]
    else:
        parts = list(value)
    try:
        size = tuple(int(p) for p in parts)
    except (TypeError, ValueError):
        size = ()
    if len(size) == 1:
        size = size * 2
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(
            f"option {name!r} must be a positive size N, 'HxW' or (height, width), got {value!r}")
    return size
