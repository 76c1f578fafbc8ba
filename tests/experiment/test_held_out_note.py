"""A report says when the data has no held-out split (an image folder): its "held-out" or
"test" figures are then on training images (issue: nothing is called held-out that is not)."""

import numpy as np
from PIL import Image

from zoo.experiment import reports


def test_a_folder_without_a_test_split_is_named_in_the_report(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(folder / f"{i}.png")
    config = {"preset": "smoke", "seed": 0, "workdir": str(tmp_path / "w"), "command": "test",
              "data": f"folder:{folder}", "outliers": {"flip": "transform:hflip"},
              "other": "sklearn:digits", "missing": "folder:/path/to/img_align_celeba"}
    assert reports.specs_without_test_split(config) == [f"folder:{folder}"]
    reports.write_results(config, {}, "Title", ["body"])
    markdown = (tmp_path / "w" / "results.md").read_text()
    assert "**No held-out images:**" in markdown and "are training images" in markdown
    reports.write_results({**config, "data": "sklearn:digits"}, {}, "Title", ["body"])
    assert "No held-out images" not in (tmp_path / "w" / "results.md").read_text()
