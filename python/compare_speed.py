#!/usr/bin/env python3
"""`savant reproduce` against `import savant; savant.reproduce()`, each in a fresh process,
alternating, N runs each (the module should cost at most 5% over the command line).

  python/compare_speed.py SAVANT_CLI PYTHONPATH [N]

Prints every run's wall time (process start to exit) and the medians. The Python run writes
the same run directory as the command (out=...), so both do the same work; a third column
times savant.reproduce() without files, the numbers alone."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

cli, pythonpath = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
env = {"PYTHONPATH": pythonpath, "PATH": "/usr/bin:/bin"}


cpu = {}


def wall(cmd, **kw) -> float:
    """Wall seconds of the process; its CPU seconds (user + system) go to cpu[cmd[-1]]."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{cmd} failed")
    cpu.setdefault(cmd[-1], []).append(usage.ru_utime + usage.ru_stime)
    return elapsed


times = {"cli": [], "python (out=)": [], "python (no files)": []}
with tempfile.TemporaryDirectory() as work:
    for i in range(runs):
        times["cli"].append(wall([cli, "reproduce", "--out", f"{work}/cli"]))
        times["python (out=)"].append(wall(
            [sys.executable, "-c", f"import savant; savant.reproduce(out='{work}/py')"], env=env))
        times["python (no files)"].append(wall(
            [sys.executable, "-c", "import savant; savant.reproduce()"], env=env))
        print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()),
              flush=True)
base = statistics.median(times["cli"])
for k, v in times.items():
    m = statistics.median(v)
    ratios = [b / a - 1 for a, b in zip(times["cli"], v)]
    print(f"{k:>18}: wall median {m:.3f} s (min {min(v):.3f}, max {max(v):.3f}), "
          f"{100 * (m / base - 1):+.1f}% against the command; run by run "
          f"{' '.join(f'{100 * r:+.0f}%' for r in ratios)}")
names = dict(zip(times, cpu))
for k, key in names.items():
    c = cpu[key]
    print(f"{k:>18}: CPU (user + system) median {statistics.median(c):.3f} s "
          f"(min {min(c):.3f}, max {max(c):.3f})")
