"""A class of 10 on this machine: time until every trainee server is ready, memory per trainee,
the hub's and proxy's overhead, and how many trainees one 2-core, 24 GiB machine holds.

Memory is PSS (shared pages split between the processes that share them), read from
/proc/PID/smaps_rollup for every process that carries the classroom's tag; a trainee's share is
their server plus their kernel running the course's imports. MFA_KIT_BENCH_TRAINEES=N changes
the class size. Target: all 10 ready within 60 s of the trainer asking.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mfa_kit.classroom import lifecycle
from mfa_kit.classroom.roster import practice_roster

TRAINEES = int(os.environ.get("MFA_KIT_BENCH_TRAINEES", "10"))
TARGET_READY_S = 60.0
MACHINE_GIB = 24
MACHINE_CORES = 2
LOGIN_WAVE_S = 90
"""A class starts together: every server should be up within this after the first login."""
RESERVED_GIB = 2
"""Left for the operating system, the page cache and the trainer's own browser."""
COURSE_IMPORTS = (
    "import mfa_kit.course, mfa_kit.screens.agent, mfa_kit.screens.login, "
    "mfa_kit.screens.profile, mfa_kit.screens.phone, mfa_kit.qr; print('ok')"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    return dict(
        item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item
    )


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(root: Path) -> dict[str, dict]:
    """PSS (MiB) and CPU seconds per trainee, and for everything else (hub, proxy, services)."""
    usage: dict[str, dict] = {}
    for pid in lifecycle.tagged_processes(root):
        env = _environ(pid)
        owner = env.get("JUPYTERHUB_USER") or "overhead"
        if env.get("JUPYTERHUB_SERVICE_NAME"):
            owner = "overhead"
        entry = usage.setdefault(owner, {"mib": 0.0, "cpu": 0.0, "processes": 0})
        entry["mib"] += _pss_kib(pid) / 1024
        entry["cpu"] += _cpu_seconds(pid)
        entry["processes"] += 1
    return usage


def main() -> int:
    from tests.browser.test_classroom import Hub

    logins = [trainee.login for trainee in practice_roster(TRAINEES)]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve() / "classroom"
        port = _free_port()
        started = time.perf_counter()
        lifecycle.start(lifecycle.StartOptions(practice_roster(TRAINEES), root, port=port))
        hub_up = time.perf_counter() - started
        try:
            hub = Hub(root, port)
            overhead_alone = measure(root)["overhead"]["mib"]
            asked = time.perf_counter()
            for login in logins:
                hub.call(f"/hub/api/users/{login}/server", "POST")
            hub.wait_until_ready(logins)
            ready = time.perf_counter() - asked
            servers = measure(root)
            for login in logins:
                hub.run_in_kernel(login, COURSE_IMPORTS, keep=True)
            working = measure(root)
            load = os.getloadavg()[0]
        finally:
            lifecycle.stop(root)
            left = lifecycle.tagged_processes(root)
    server_mib = statistics.mean(servers[login]["mib"] for login in logins)
    trainee_mib = statistics.mean(working[login]["mib"] for login in logins)
    trainee_cpu = statistics.mean(working[login]["cpu"] for login in logins)
    overhead = working["overhead"]["mib"]
    free_mib = (MACHINE_GIB - RESERVED_GIB) * 1024 - overhead
    by_memory = int(free_mib // trainee_mib)
    login_wave_s = by_memory * trainee_cpu / MACHINE_CORES
    print(f"trainees:                               {TRAINEES}")
    print(f"hub ready (start to REST API answering): {hub_up:6.1f} s")
    print(
        f"all trainee servers ready:              {ready:6.1f} s "
        f"(target < {TARGET_READY_S:.0f} s; {ready / TRAINEES:.1f} s per trainee)"
    )
    print(
        f"hub + proxy + dashboard + culler:       {overhead_alone:6.0f} MiB idle, "
        f"{overhead:.0f} MiB with the class"
    )
    print(f"per trainee, server only:               {server_mib:6.0f} MiB (PSS)")
    print(f"per trainee, server + course kernel:    {trainee_mib:6.0f} MiB (PSS)")
    print(f"per trainee, CPU to start and import:   {trainee_cpu:6.1f} CPU-s")
    print(
        f"one {MACHINE_CORES}-core {MACHINE_GIB} GiB machine: {by_memory} trainees by memory "
        f"({RESERVED_GIB} GiB kept for the system); if all logged in at once the CPU would need "
        f"~{login_wave_s:.0f} s to start them"
    )
    comfortable = int(MACHINE_CORES * LOGIN_WAVE_S // trainee_cpu)
    print(
        f"recommended: {min(by_memory, comfortable)} trainees per machine (CPU-bound: a whole "
        f"class logging in within {LOGIN_WAVE_S:.0f} s; memory would allow {by_memory})"
    )
    print(f"load average during the run:            {load:.1f} (this machine's other users)")
    print(f"processes left after stop:              {len(left)}")
    return 0 if ready < TARGET_READY_S and not left else 1


if __name__ == "__main__":
    sys.exit(main())
