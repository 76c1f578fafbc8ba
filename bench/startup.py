r"""Benchmark: start-up time of `import zoo` against `import tensorflow, keras`.

    python -m bench.startup                 # 5 interleaved rounds (about 2 minutes)
    python -m bench.startup --rounds=9 --importtime=8

Each round times, in fresh processes, `python -c "import tensorflow, keras"` (what any Keras
program pays) and `python -c "import zoo"`, interleaved so that load drifts of a shared machine
hit both alike; medians are reported with their ratio (target: at most 1.2x). `--importtime=N`
lists the N slowest modules that `import zoo` adds on top of TensorFlow and Keras
(`python -X importtime`: each module's own import time, for the modules that
`import tensorflow, keras` does not import itself) and their total.
"""

import os
import statistics
import subprocess
import sys
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_integer("rounds", 5, "Interleaved rounds (medians are reported).")
flags.DEFINE_integer("importtime", 10, "List this many of the slowest modules zoo adds (0: "
                     "none).")

BASELINE = "import tensorflow, keras"
ZOO = "import zoo"


def seconds(statement):
    """Wall time of a fresh `python -c statement`."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_times(statement):
    """{module: own microseconds} of `python -X importtime -c statement`."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], env=env,
                            capture_output=True, text=True, check=True)
    times = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = line.split("|")
        own = own.removeprefix("import time:").strip()
        if own.isdigit():
            times[name.strip()] = int(own)
    return times


def main(argv):
    del argv
    rounds = {BASELINE: [], ZOO: []}
    for index in range(FLAGS.rounds):
        for statement in rounds:
            rounds[statement].append(seconds(statement))
        print(f"round {index + 1}: " + ", ".join(f"{s!r} {t[-1]:.2f} s"
                                                 for s, t in rounds.items()), flush=True)
    base, zoo = (statistics.median(rounds[s]) for s in (BASELINE, ZOO))
    print(f"median of {FLAGS.rounds}: {BASELINE!r} {base:.2f} s, {ZOO!r} {zoo:.2f} s: "
          f"{zoo / base:.2f}x (target at most 1.2x); load {os.getloadavg()[0]:.2f}")
    if FLAGS.importtime:
        known = import_times(BASELINE)
        added = {name: us for name, us in import_times(ZOO).items() if name not in known}
        print(f"modules import zoo adds: {len(added)}, {sum(added.values()) / 1e6:.2f} s of "
              f"their own import time; the slowest:")
        for name, us in sorted(added.items(), key=lambda item: -item[1])[:FLAGS.importtime]:
            print(f"  {us / 1e6:7.3f} s  {name}")


if __name__ == "__main__":
    app.run(main)
