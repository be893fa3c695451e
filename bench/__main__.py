"""`python -m bench [NAME ...] [--scale X] [--list]`: run the benchmarks of bench/registry.py, or the ones named.

A name is a benchmark's key (`p1`) or its module (`p1_scan`). Each benchmark runs in a process of its own
(each sets Django up on a database of its own) and prints its table, every figure beside its target; the
summary at the end lists each benchmark's targets, whether it met them and how long it took. The exit
code is non-zero when any of them missed a target or failed.

    python -m bench                 # all of them (make bench)
    python -m bench p2              # one
    python -m bench p1 --scale 10   # ten times the data (P1 at 10,000,000 applications)
    python -m bench --scale 0.1     # a quick look at a tenth of the size (targets are for scale 1)
    python -m bench p2 --runs 1     # options a benchmark module takes are passed on to it
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.registry import BENCHMARKS, Benchmark

HERE = Path(__file__).resolve().parent


def resolve(names: list[str]) -> list[Benchmark]:
    chosen: list[Benchmark] = []
    for name in names:
        matches = [benchmark for benchmark in BENCHMARKS if name in (benchmark.key, benchmark.module)]
        if not matches:
            available = ", ".join(benchmark.key for benchmark in BENCHMARKS)
            raise SystemExit(f"No benchmark called {name!r}. Available: {available}")
        chosen += [benchmark for benchmark in matches if benchmark not in chosen]
    return chosen


def listing() -> None:
    for benchmark in BENCHMARKS:
        print(f"{benchmark.key}  bench.{benchmark.module}: {benchmark.work}")
        for target in benchmark.targets:
            print(f"      target: {target}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. p1 or p2_outbox")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply each benchmark's data size")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and their targets")
    arguments, passed_on = parser.parse_known_args(argv)
    if arguments.list:
        listing()
        return 0
    chosen = resolve(arguments.names) if arguments.names else list(BENCHMARKS)
    outcomes: list[tuple[Benchmark, int, float]] = []
    began = time.monotonic()
    for benchmark in chosen:
        command = [sys.executable, "-m", f"bench.{benchmark.module}", *benchmark.arguments(arguments.scale), *passed_on]
        print(f"\n=== {benchmark.key}: {' '.join(command[1:])}", flush=True)
        start = time.monotonic()
        code = subprocess.call(command, cwd=HERE.parent)
        outcomes.append((benchmark, code, time.monotonic() - start))
    print(f"\nSummary (scale {arguments.scale:g})")
    for benchmark, code, seconds in outcomes:
        verdict = "ok" if code == 0 else "MISSED or failed"
        print(
            f"  {benchmark.key} {benchmark.module:<14} {verdict:<17} {seconds:6,.0f} s   {'; '.join(benchmark.targets)}"
        )
    print(f"  total {time.monotonic() - began:,.0f} s")
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
