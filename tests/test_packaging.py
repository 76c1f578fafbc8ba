"""setup.cfg's ranges, the constraints files, the one version and what the wheel carries.

setup.cfg declares ranges (oldest version the fast suite passed with, ceiling below the next
major), constraints.txt the exact tested set, constraints-lowest.txt the lower bounds CI's
lower-bound job installs. These tests read the files only (packaging's parsers, setuptools'
package finder); tools/smoke_wheel.py builds and installs the real wheel.
"""

import configparser
import pathlib
import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import zoo

ROOT = pathlib.Path(__file__).resolve().parents[1]


def setup_cfg():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "setup.cfg")
    return config


def requirements(text):
    return [Requirement(line) for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def install_requires():
    return requirements(setup_cfg()["options"]["install_requires"])


def extras():
    section = setup_cfg()["options.extras_require"]
    return {name: requirements(section[name]) for name in section}


def pins(name):
    """{canonical name: Version} of a constraints file (name==version lines)."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            package, _, version = line.partition("==")
            assert version and not re.search(r"[<>=!~,;@ ]", version), line
            found[canonicalize_name(package)] = Version(version)
    return found


def bounds(requirement):
    """(lower, upper) of a `>=lower,<upper` requirement; AssertionError otherwise."""
    by_operator = {spec.operator: Version(spec.version) for spec in requirement.specifier}
    assert sorted(by_operator) == ["<", ">="], f"{requirement}: want exactly >=lower,<upper"
    return by_operator[">="], by_operator["<"]


def next_breaking(version):
    """The first release that may break `version`'s API: the next major (next minor for 0.x)."""
    if version.major == 0:
        return Version(f"0.{version.minor + 1}")
    return Version(f"{version.major + 1}")


def test_every_install_requires_entry_is_a_range_up_to_below_the_next_major():
    tested = pins("constraints.txt")
    for requirement in install_requires():
        lower, upper = bounds(requirement)
        name = canonicalize_name(requirement.name)
        assert name in tested, f"{requirement.name} is not in constraints.txt"
        assert lower <= tested[name] < upper, (requirement, tested[name])
        # The ceiling is the next breaking release after the tested one, no lower, no higher.
        assert upper == next_breaking(tested[name]), (requirement, tested[name])


@pytest.mark.parametrize("name", ["constraints.txt", "constraints-lowest.txt"])
def test_constraints_satisfy_every_range_of_setup_cfg(name):
    chosen = pins(name)
    everything = install_requires() + [r for group in extras().values() for r in group]
    for requirement in everything:
        version = chosen.get(canonicalize_name(requirement.name))
        if version is not None or name == "constraints.txt":
            assert version is not None, f"{requirement.name} is not pinned in {name}"
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{name}: {requirement.name}=={version} is outside setup.cfg's {requirement}")


INSTALL_TEXTS = [".ci/run", "README.md", "docs/**/*.md", "zoo/**/*.py", "tools/*.py",
                 "colab/*.ipynb"]


def test_every_extra_an_install_command_names_is_declared():
    """`.[a,b]` and `vae-zoo[a]` in CI, the README, the docs and the code's messages: an extra
    setup.cfg lacks only makes pip warn, and the tests that need it skip."""
    declared = set(extras())
    named = {}
    for pattern in INSTALL_TEXTS:
        for path in sorted(ROOT.glob(pattern)):
            text = path.read_text()
            for match in re.finditer(r"(?:vae-zoo|[\s'\"]\.)\[([a-z,]+)\]", text):
                for extra in match.group(1).split(","):
                    named.setdefault(extra, path.relative_to(ROOT).as_posix())
    assert {"test", "export", "docs"} <= set(named), named  # the scan finds the commands
    missing = {extra: path for extra, path in named.items() if extra not in declared}
    assert not missing, f"extras named but not declared in setup.cfg: {missing}"


def test_constraints_lowest_pins_exactly_the_lower_bounds():
    lowest = pins("constraints-lowest.txt")
    lower = {canonicalize_name(r.name): bounds(r)[0] for r in install_requires()}
    assert lowest == lower


def test_version_has_one_source():
    config = setup_cfg()
    assert config["metadata"]["version"] == "attr: zoo.__version__"
    version = Version(zoo.__version__)
    assert str(version) == zoo.__version__  # a normalized PEP 440 version
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(zoo.__version__)}\] - \d{{4}}-\d\d-\d\d$", changelog,
                     re.MULTILINE), "CHANGELOG.md has no section for zoo.__version__"
    # No second copy: CITATION.cff and the constraints files do not state the zoo's version.
    assert not re.search(r"^version:", (ROOT / "CITATION.cff").read_text(), re.MULTILINE)
    assert "vae-zoo" not in pins("constraints.txt")


def test_the_wheel_carries_the_packages_and_no_savedmodels():
    setuptools = pytest.importorskip("setuptools")
    config = setup_cfg()
    include = config["options.packages.find"]["include"].split()
    packages = setuptools.find_packages(where=str(ROOT), include=include)
    assert {p.split(".")[0] for p in packages} == {"zoo", "recipes", "tools"}
    assert not (ROOT / "savedmodels" / "__init__.py").exists()  # so no package finder takes it
    package_data = config["options.package_data"]
    assert all("savedmodels" not in package_data[key] for key in package_data)
    manifest = [line for line in (ROOT / "MANIFEST.in").read_text().splitlines()
                if not line.startswith("#")]
    assert manifest and not [line for line in manifest if "savedmodels" in line]
    # What the wheel needs besides .py files is in package_data: the FD-MNIST classifier.
    assets = sorted(p.name for p in (ROOT / "zoo" / "metrics" / "assets").iterdir())
    assert assets == ["mnist_classifier.json", "mnist_classifier.keras"]


def test_license_and_citation_are_there():
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text
    assert setup_cfg()["metadata"]["license"] == "Apache-2.0"
    citation = (ROOT / "CITATION.cff").read_text()
    assert citation.startswith("cff-version: 1.2.0\n")
    for title in ("Diagnosing and Enhancing VAE Models",
                  "The Usual Suspects? Reassessing Blame for VAE Posterior Collapse",
                  "On the Regularization Balance in Autoencoder-Based Generative Models",
                  "When Do Variational Autoencoders Know What They Don't Know?",
                  "On the Value of Infinite Gradients in Variational Autoencoder Models"):
        assert title in citation, title
