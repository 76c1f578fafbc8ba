"""The dependencies as the library declares them: ranges in setup.cfg with a floor and a
ceiling, the floors in constraints-lowest.txt (CI's second job), the exact tested set in
constraints.txt inside the ranges, and the version written once."""

import configparser
import pathlib
import re

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[1]


def install_requires():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].strip().splitlines()
    return [Requirement(line.strip()) for line in lines if line.strip()]


def pins(name):
    out = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            out[canonical(requirement.name)] = Version(spec.version)
    return out


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_requirement_is_a_range_with_floor_and_ceiling():
    for requirement in install_requires():
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators, f"{requirement} has no floor"
        if requirement.name != "importlib_resources":  # a backport: no ceiling to reason about
            assert "<" in operators, f"{requirement} has no ceiling"


def test_lowest_constraints_are_the_floors():
    lowest = pins("constraints-lowest.txt")
    for requirement in install_requires():
        floor = next(Version(s.version) for s in requirement.specifier if s.operator == ">=")
        assert lowest[canonical(requirement.name)] == floor, requirement


def test_tested_set_is_inside_the_ranges():
    tested = {name: version for name, version in pins("constraints.txt").items()}
    for requirement in install_requires():
        version = tested[canonical(requirement.name)]
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


def test_the_version_is_written_once():
    import zoo

    setup = (ROOT / "setup.cfg").read_text()
    assert "version = attr: zoo.__version__" in setup
    assert re.fullmatch(r"\d+\.\d+\.\d+", zoo.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{zoo.__version__}]" in changelog
