"""How long `import mfa_kit` (and the portal layers a notebook imports first) takes.

Target: under 150 ms, compared in this run with the interpreter's own start-up, so the
ratio shows what the kit adds on top of Python itself.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

TARGET_MS = 150.0
ROUNDS = 15
IMPORT = "import mfa_kit, mfa_kit.portal, mfa_kit.authenticator, mfa_kit.diagnose"


def _wall_ms(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - start) * 1000


def _self_reported_ms() -> float:
    """Cumulative microseconds Python itself reports for the kit's top modules."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORT],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in result.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        # top-level entries only (no leading spaces in the name column)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].startswith("mfa_kit"):
            if not line.split("|")[2].startswith("  "):
                total += int(parts[1])
    return total / 1000


def main() -> int:
    bare, kit, reported = [], [], []
    for _ in range(ROUNDS):
        bare.append(_wall_ms("pass"))
        kit.append(_wall_ms(IMPORT))
        reported.append(_self_reported_ms())
    bare_ms, kit_ms, own_ms = (statistics.median(x) for x in (bare, kit, reported))
    print(f"python -c pass:            median {bare_ms:7.1f} ms")
    print(f"python -c '{IMPORT}': median {kit_ms:7.1f} ms")
    print(f"added by the kit (wall):   median {kit_ms - bare_ms:7.1f} ms")
    print(f"-X importtime, kit only:   median {own_ms:7.1f} ms (target < {TARGET_MS:.0f} ms)")
    print(f"ratio to target:           {own_ms / TARGET_MS:.2f}")
    return 0 if own_ms < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
