"""A recipe whose data is missing says so in one line and leaves no workdir behind."""

import pytest
from recipe_case import run_recipe, run_recipe_command


def test_a_missing_idx_folder_gives_one_readable_line_and_no_workdir(tmp_path):
    workdir = tmp_path / "run"
    result = run_recipe("mnist_balance", workdir, f"--data=idx:{tmp_path / 'no_mnist_here'}")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "the data 'idx:" in result.stderr and "IDX folder not found" in result.stderr
    assert "train-images-idx3-ubyte" in result.stderr and "tfds:mnist" in result.stderr
    assert not workdir.exists()


@pytest.mark.slow
def test_a_tfds_default_offline_stops_in_seconds_with_what_to_do(tmp_path):
    # The cpu preset of mnist_balance reads tfds:mnist; with no prepared copy in an empty
    # TFDS_DATA_DIR and no network here, the recipe stops before writing anything.
    workdir = tmp_path / "run"
    result = run_recipe_command("mnist_balance", workdir, "--preset=cpu", "--data=tfds:mnist",
                                env={"TFDS_DATA_DIR": str(tmp_path / "tfds")})
    if result.returncode == 0:
        pytest.skip("this machine can download TFDS data sets")
    assert "Traceback" not in result.stderr
    assert "not prepared" in result.stderr and "--data=SPEC" in result.stderr
    assert not workdir.exists()
