"""MkDocs hook: the pages the project writes outside docs/ join the site as they are.

`results/` (each recipe run's results.md and figures, results/README.md the index) and
`savedmodels/` (the model cards and their index, written by `python -m tools.publish`) are
added as site files at build time, under the same paths, so the site shows the files the
recipes and tools wrote and holds no second copy that could drift from them. Their relative
links (figures beside a results.md, cards from the index) resolve as they do on GitHub.
"""

from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("results", "savedmodels")
SUFFIXES = (".md", ".png")


def on_files(files, config):
    """Add every Markdown page and PNG figure of FOLDERS to the site's files."""
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                files.append(File(path.relative_to(ROOT).as_posix(), str(ROOT),
                                  config["site_dir"], config["use_directory_urls"]))
    return files
