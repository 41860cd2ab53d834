"""`mfa-kit reproduce`: a batch of 20 tickets and a single ticket, end to end as a script runs
them (a fresh `python -m mfa_kit` process, reports written with --html), against the design
it replaced in the same run: the ticket notebook executed by papermill in a kernel of its own
per ticket.

Targets: at most 1 s per ticket in the batch of 20, at most 2.5 s for one ticket (wall
time, medians). Ratios are printed against the kernel-per-ticket run, timed alongside. CPU
time and the load average are printed too: on a shared machine wall time includes waiting.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mfa_kit.ticket import load

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "tickets" / "examples").glob("*.yaml"))
NOTEBOOK = REPO / "notebooks" / "08_reproduce_a_ticket.ipynb"
BATCH = 20
BATCH_TARGET_S = 1.0
SINGLE_TARGET_S = 2.5
SINGLE_ROUNDS = 3
KERNEL_ROUNDS = 2


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _batch_tickets(folder: Path) -> list[Path]:
    """BATCH ticket files: the examples in turn, each with an id of its own."""
    paths = []
    for number in range(BATCH):
        source = EXAMPLES[number % len(EXAMPLES)]
        text = source.read_text(encoding="utf-8")
        ticket_id = load(source).id
        path = folder / f"batch-{number:02d}.yaml"
        path.write_text(text.replace(f"id: {ticket_id}", f"id: B-{number:02d}"), encoding="utf-8")
        paths.append(path)
    return paths


def _run(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `python -m mfa_kit reproduce …` process."""
    cpu = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mfa_kit", "reproduce", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"reproduce failed ({result.returncode}): {result.stderr.strip()}")
    return wall, _children_cpu() - cpu


def _kernel_per_ticket(ticket: Path, out: Path) -> float:
    """The replaced design: papermill runs the ticket notebook in a fresh kernel."""
    import papermill

    started = time.perf_counter()
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters=load(ticket).parameters(),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        cwd=str(NOTEBOOK.parent),
        stderr_file=open(os.devnull, "w"),  # noqa: SIM115 - closed with the process
    )
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-reproduce-") as name:
        folder = Path(name)
        tickets = _batch_tickets(folder)

        batch_wall, batch_cpu = _run(
            [*map(str, tickets), "-o", str(folder / "reports"), "--html", "--json"], folder
        )
        singles = [
            _run([str(EXAMPLES[0]), "-o", str(folder / "one"), "--html"], folder)
            for _ in range(SINGLE_ROUNDS)
        ]
        single_wall = statistics.median(wall for wall, _ in singles)
        single_cpu = statistics.median(cpu for _, cpu in singles)
        kernel = [
            _kernel_per_ticket(EXAMPLES[i % len(EXAMPLES)], folder / f"kernel-{i}.ipynb")
            for i in range(KERNEL_ROUNDS)
        ]
        kernel_per_ticket = statistics.median(kernel)
        sizes = [p.stat().st_size for p in (folder / "reports").iterdir()]

    per_ticket = batch_wall / BATCH
    load1 = os.getloadavg()[0]
    print(f"load average (1 min):     {load1:.1f} on {os.cpu_count()} CPUs")
    print(
        f"batch of {BATCH}:              {batch_wall:6.2f} s wall, {per_ticket:5.2f} s per ticket "
        f"(target ≤ {BATCH_TARGET_S:g} s); CPU {batch_cpu / BATCH:5.2f} s per ticket"
    )
    print(
        f"one ticket:               {single_wall:6.2f} s wall (median of {SINGLE_ROUNDS}, "
        f"target ≤ {SINGLE_TARGET_S:g} s); CPU {single_cpu:5.2f} s"
    )
    print(
        f"kernel per ticket (old):  {kernel_per_ticket:6.2f} s per ticket "
        f"(papermill, median of {KERNEL_ROUNDS})"
    )
    print(f"speed-up, batch:          {kernel_per_ticket / per_ticket:5.1f}x per ticket")
    print(f"speed-up, one ticket:     {kernel_per_ticket / single_wall:5.1f}x")
    print(f"largest report file:      {max(sizes) / 1024:6.1f} KB (limit 100 KB)")
    if load1 > (os.cpu_count() or 1):
        print(
            "note: the machine is oversubscribed (load above its CPU count): wall times "
            "include waiting for a CPU; the CPU times and the ratios are the steadier figures"
        )
    ok = per_ticket <= BATCH_TARGET_S and single_wall <= SINGLE_TARGET_S and max(sizes) < 100 * 1024
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
