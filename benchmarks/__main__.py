"""Run every ``bench_*`` module in this package; exit non-zero if any missed its target."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main() -> int:
    failed = []
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )
    for name in names:
        print(f"== {name}")
        status = importlib.import_module(f"benchmarks.{name}").main()
        print(f"== {name}: {'ok' if status == 0 else 'TARGET MISSED'}\n")
        if status:
            failed.append(name)
    if failed:
        print(f"missed targets: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
