"""README.md is the one screen a visitor reads first: small, with links that resolve."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_readme_is_under_10_kb():
    assert README.stat().st_size < 10_000, README.stat().st_size


def test_relative_links_point_to_files():
    links = LINK.findall(README.read_text(encoding="utf-8"))
    relative = [link.split("#")[0] for link in links
                if not re.match(r"[a-z]+:", link) and not link.startswith("#")]
    assert relative, "the README links into the repository"
    missing = [link for link in relative if not (ROOT / link).exists()]
    assert not missing, missing
