"""`zoo.saved_model.staging`: a killed export's staging folder is removed by the next export,
a live one's is kept."""

import os
import subprocess
import sys
import time

from zoo.saved_model import staging


def test_only_folders_of_dead_processes_or_old_unnamed_ones_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = {"dead": f".tmp-export-3-{dead.pid}-x1", "live": f".tmp-export-3-{live.pid}-x2",
                 "mine": f"{staging.prefix(4)}x3", "old": ".tmp-export-5-abc",
                 "new": ".tmp-export-6-def", "version": "1"}
        for name in names.values():
            (tmp_path / name).mkdir()
        past = time.time() - staging.MAX_AGE_SECONDS - 10
        os.utime(tmp_path / names["old"], (past, past))
        removed = staging.remove_stale(tmp_path)
    finally:
        live.kill()
        live.wait()
    assert sorted(removed) == sorted([names["dead"], names["old"]])
    assert sorted(os.listdir(tmp_path)) == sorted(
        [names["live"], names["mine"], names["new"], "1"])
