"""Every ```python block of the documentation runs: docs/**/*.md, README.md and the pages the
site takes from results/ and savedmodels/ (the model cards), each page's blocks in order in one
namespace, in a temporary working directory, with no network.

A block whose first line is `# not run: <reason>` is skipped (it needs the network, real data
or minutes); the reason may not be empty. Published models are loaded by name (`zoo.load(
"mnist_vae")`), which zoo.saved_model.catalog resolves to the savedmodels/ beside the package
from any working directory, or by the path relative to the repository that the model cards
show (`zoo.load("savedmodels/mnist_vae")`): the temporary directory links savedmodels/.
"""

import ipaddress
import re
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md"),
                *(ROOT / "results").rglob("*.md"), *(ROOT / "savedmodels").rglob("*.md")])
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
NOT_RUN = re.compile(r"#\s*not run:(.*)")


def python_blocks(text):
    """The ```python blocks of a Markdown page, in order, as (first line number, source)."""
    return [(text.count("\n", 0, match.start()) + 2, match.group(1))
            for match in FENCE.finditer(text)]


def runnable(blocks, page):
    """The blocks to run; a `# not run:` block must say why."""
    kept = []
    for line, source in blocks:
        marker = NOT_RUN.match(source.splitlines()[0] if source.strip() else "")
        if marker:
            assert marker.group(1).strip(), f"{page}:{line}: '# not run:' needs a reason"
            continue
        kept.append((line, source))
    return kept


def test_blocks_are_found_and_skips_need_a_reason():
    text = "a\n```python\nx = 1\n```\n```python\n# not run: needs a GPU\ny = 2\n```\n"
    blocks = python_blocks(text)
    assert blocks == [(3, "x = 1\n"), (6, "# not run: needs a GPU\ny = 2\n")]
    assert runnable(blocks, "page") == [(3, "x = 1\n")]
    with pytest.raises(AssertionError, match="needs a reason"):
        runnable([(1, "# not run:  \nz = 3\n")], "page")
    assert len(PAGES) > 10 and sum(len(python_blocks(p.read_text())) for p in PAGES) > 10


@pytest.fixture
def offline(monkeypatch):
    """Connections to anything but the loopback interface fail."""
    connect = socket.socket.connect

    def loopback_only(sock, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                allowed = ipaddress.ip_address(host).is_loopback
            except ValueError:
                allowed = host == "localhost"
            if not allowed:
                raise OSError(f"the documentation snippets run offline: no connection to {host}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


PAGES_WITH_CODE = [p for p in PAGES if runnable(python_blocks(p.read_text()), p)]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_snippets_run(page, tmp_path, monkeypatch, offline):
    (tmp_path / "savedmodels").symlink_to(ROOT / "savedmodels", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    name = str(page.relative_to(ROOT))
    namespace = {"__name__": "__snippets__"}
    for line, source in runnable(python_blocks(page.read_text()), name):
        code = compile("\n" * (line - 1) + source, name, "exec")  # tracebacks name the page line
        exec(code, namespace)  # noqa: S102 - the documentation's own examples
