"""`python -m bench [NAME ...]`: run every benchmark module bench/p<N>_<name>.py, or the ones named.

A name is a module (`p1_scan`) or its number (`p1`). Each benchmark runs in a process of its own (each
sets Django up on a database of its own) and prints its table; the exit code is non-zero when any of
them missed a target or failed.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


BENCHMARK = re.compile(r"^p(\d+)_\w+$")


def available() -> list[str]:
    """The benchmark modules: p<number>_<name>.py (helpers such as postoffice_run.py are not)."""
    modules = [path.stem for path in HERE.glob("p*_*.py") if BENCHMARK.match(path.stem)]
    return sorted(modules, key=lambda name: (int(BENCHMARK.match(name).group(1)), name))


def resolve(names: list[str]) -> list[str]:
    modules = available()
    chosen = []
    for name in names:
        matches = [module for module in modules if module == name or module.split("_")[0] == name]
        if not matches:
            raise SystemExit(f"No benchmark called {name!r}. Available: {', '.join(modules)}")
        chosen += [module for module in matches if module not in chosen]
    return chosen


def main(argv: list[str]) -> int:
    modules = resolve(argv) if argv else available()
    outcomes: list[tuple[str, int, float]] = []
    for module in modules:
        print(f"\n=== bench.{module}", flush=True)
        start = time.monotonic()
        code = subprocess.call([sys.executable, "-m", f"bench.{module}"], cwd=HERE.parent)
        outcomes.append((module, code, time.monotonic() - start))
    print("\nSummary")
    for module, code, seconds in outcomes:
        print(f"  {module:<20} {'ok' if code == 0 else 'MISSED or failed':<18} {seconds:,.0f} s")
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
