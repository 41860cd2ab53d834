"""Speed checks for the kit, run with ``python -m benchmarks``.

Each ``bench_*.py`` module has ``main() -> int`` (0: targets met) and prints its own numbers.
"""
