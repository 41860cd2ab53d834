"""mfa-kit diagnose | lint: why a code was refused, and what in a URI would trouble the app.

Diagnosis only reads: a portal database that does not exist is reported, never created.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import timedelta
from pathlib import Path

from ..clock import SystemClock
from ..diagnose import DEFAULT_WINDOW, Diagnosis, Verdict, diagnose_code, diagnose_login
from ..errors import AccountNotFound
from ..otp import DEFAULT_PROFILE, InvalidSecret, InvalidUri
from ._common import UsageError, add_profile_arguments, parse_when, profile_from

MAX_WINDOW = timedelta(days=30)
"""A longer search says nothing more useful and starts to take noticeable time."""


_WINDOW = re.compile(r"^\s*(\d+)\s*([dhms]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def register(commands: argparse._SubParsersAction) -> None:
    diagnose = commands.add_parser(
        "diagnose",
        help="say why a code was refused (secret mode or portal mode)",
        description=(
            "Secret mode (--secret) checks the code against one setup key; portal mode "
            "(--login) reads the practice portal's database, its record of attempts (without "
            "--code: the recent attempts explained) and also checks lockout, replay, "
            "the pending and previous setups and the company's other accounts. Exit status: "
            "0 a diagnosis, 1 the code typed cannot be a code at all (MALFORMED, still a "
            "diagnosis), 2 bad arguments."
        ),
    )
    source = diagnose.add_mutually_exclusive_group(required=True)
    source.add_argument("--secret", help="base32 setup key (secret mode)")
    source.add_argument("--login", help="the customer's Login Name (portal mode)")
    diagnose.add_argument(
        "--code",
        action="append",
        default=None,
        help=(
            "the code the customer typed; give it twice for two codes the app showed one "
            "after the other (strong evidence of where the phone's clock is)"
        ),
    )
    diagnose.add_argument(
        "--phone-offset",
        default=None,
        metavar="SECONDS",
        help=(
            "how far the phone's clock was seen off against the exact time (positive: "
            "ahead); tells a slow phone from a code read late"
        ),
    )
    diagnose.add_argument(
        "--at",
        default=None,
        metavar="WHEN",
        help="when it was typed: ISO 8601 with zone, or Unix seconds",
    )
    diagnose.add_argument(
        "--window",
        default=_window_text(DEFAULT_WINDOW),
        help="how far either side to search, like 7d, 24h, 90m or 3600s (default: %(default)s)",
    )
    diagnose.add_argument(
        "--db", default=None, metavar="PATH", help="portal database (portal mode)"
    )
    diagnose.add_argument(
        "--symptom", default=None, help="what the customer describes, e.g. 'google' (portal mode)"
    )
    diagnose.add_argument(
        "--since",
        default=None,
        metavar="WHEN",
        help=(
            "portal mode without --code: explain the attempts the portal recorded since "
            "WHEN (default: the day before --at)"
        ),
    )
    add_profile_arguments(diagnose)
    diagnose.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    diagnose.set_defaults(handler=_diagnose)

    triage = commands.add_parser(
        "triage",
        help="likely causes from what the customer can tell, without the secret",
        description=(
            "Asks what the customer sees (the screen's message, the Security code box, the "
            "phone's clock against the exact time, the entries in the app, recent changes, "
            "the button) and answers with the likely causes and the words to read out. "
            "--answers FILE.yaml answers from a file of question: answer lines instead. "
            "Exit status: 0 a result (contradictions are reported in it), 2 bad answers."
        ),
    )
    triage.add_argument("--answers", metavar="FILE.yaml", help="answers from a YAML file")
    triage.add_argument("--json", action="store_true", help="print the result as JSON")
    triage.set_defaults(handler=_triage)

    lint = commands.add_parser(
        "lint",
        help="Google Authenticator compatibility findings for an otpauth URI",
        description="Exit status: 0 no findings, 1 findings, 2 not a usable otpauth URI.",
    )
    lint.add_argument("uri")
    lint.add_argument("--json", action="store_true", help="print the findings as JSON")
    lint.set_defaults(handler=_lint)


def _window_text(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds}s"


def parse_window(text: str) -> timedelta:
    """``24h``, ``90m``, ``3600s``, ``2d`` or bare seconds, at most MAX_WINDOW."""
    match = _WINDOW.match(text or "")
    if not match:
        raise UsageError(f"cannot read the window {text!r}: use a number with h, m or s, like 24h")
    # Compared as a number first: a huge count would overflow timedelta (or, past 4300
    # digits, int itself) before any check.
    count = match[1].lstrip("0") or "0"
    seconds = int(count) * _UNIT_SECONDS[match[2].lower()] if len(count) <= 12 else None
    if seconds is None or seconds > MAX_WINDOW.total_seconds():
        raise UsageError(f"the window {text!r} is too long: at most {MAX_WINDOW.days} days")
    return timedelta(seconds=seconds)


def _when(text: str | None) -> float:
    return time.time() if text is None else parse_when(text)  # parse_when checks the range


def parse_phone_offset(text: str | None) -> float | None:
    """``--phone-offset``: signed seconds, within a year either way."""
    if text is None:
        return None
    try:
        seconds = float(text.strip())
    except ValueError:
        raise UsageError(
            f"cannot read the phone offset {text!r}: use signed seconds, like -95 or 300"
        ) from None
    if not abs(seconds) <= 366 * 86400:  # also false for nan
        raise UsageError(f"the phone offset {text!r} is more than a year")
    return seconds


def _codes(args: argparse.Namespace) -> tuple[str, str | None]:
    codes = args.code or []
    if not codes:
        raise UsageError("the following arguments are required: --code")
    if len(codes) > 2:
        raise UsageError("--code may be given at most twice (two codes shown one after the other)")
    return codes[0], codes[1] if len(codes) == 2 else None


def _diagnose(args: argparse.Namespace) -> int:
    window = parse_window(args.window)
    at = _when(args.at)
    phone_offset = parse_phone_offset(args.phone_offset)
    if args.secret is not None:
        if args.db is not None or args.symptom is not None or args.since is not None:
            raise UsageError("--db, --symptom and --since are for portal mode (--login)")
        code, next_code = _codes(args)
        profile = profile_from(args)
        try:
            diagnosis = diagnose_code(
                args.secret,
                code,
                at,
                profile=profile,
                window=window,
                next_code=next_code,
                phone_offset_seconds=phone_offset,
            )
        except InvalidSecret as problem:
            raise UsageError(str(problem)) from None
    else:
        if profile_from(args) != DEFAULT_PROFILE:
            raise UsageError(
                "--algorithm, --digits and --period are for secret mode; "
                "portal mode uses the portal's own settings"
            )
        diagnosis = _diagnose_login(args, at, window, phone_offset)
    if args.json:
        print(json.dumps(diagnosis.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(_text(diagnosis))
    # A code that cannot be a code is still a diagnosis, but one a script should notice.
    return 1 if diagnosis.verdict is Verdict.MALFORMED else 0


def _diagnose_login(
    args: argparse.Namespace, at: float, window: timedelta, phone_offset: float | None
) -> Diagnosis:
    from ..portal import Portal
    from ..store import Store, StoreError, default_path

    path = Path(args.db).expanduser() if args.db else default_path()
    # Read-only: a diagnosis must never create, migrate or otherwise change a customer's file.
    try:
        store = Store(path, read_only=True)
    except StoreError as problem:
        raise UsageError(str(problem)) from None
    with store:
        portal = Portal(store, SystemClock())
        if args.code:
            code, next_code = _codes(args)
            if args.since is not None:
                raise UsageError("--since is for explaining the record without --code")
        else:
            code, next_code = None, None
        since = parse_when(args.since) if args.since is not None else None
        try:
            return diagnose_login(
                portal,
                args.login,
                code,
                at,
                symptom=args.symptom,
                window=window,
                next_code=next_code,
                phone_offset_seconds=phone_offset,
                since=since,
            )
        except AccountNotFound as problem:
            raise UsageError(str(problem)) from None


def _text(diagnosis: Diagnosis) -> str:
    lines = [f"Verdict: {diagnosis.title} ({diagnosis.verdict.name})"]
    if diagnosis.offset_steps is not None:
        lines.append(
            f"Offset: {diagnosis.offset_steps:+d} time steps ({diagnosis.offset_seconds:+d} s;"
            " positive means the phone's clock is ahead)"
            + (", ambiguous: other times match too" if diagnosis.ambiguous else "")
        )
    if len(diagnosis.causes) == 1:
        lines.append(f"What happened: {diagnosis.explanation}")
        lines.append(f"What to do: {diagnosis.fix}")
    else:
        lines.append("Causes, in the order to act on them:")
        for number, cause in enumerate(diagnosis.causes, 1):
            label = "possible, " if cause.possible else ""
            odds = (
                f" (chance of a coincidence: {cause.odds:.2g})"
                if cause.possible and cause.odds
                else ""
            )
            lines.append(f"{number}. {cause.title} ({label}{cause.verdict.name}){odds}")
            lines.append(f"   What happened: {cause.explanation}")
            lines.append(f"   What to do: {cause.fix}")
    if diagnosis.attempts is not None:
        lines.append(f"Attempts the portal recorded: {len(diagnosis.attempts)}")
        for attempt in diagnosis.attempts:
            offset = attempt["offset_seconds"]
            where = "" if offset is None else f" at {offset:+d} s"
            lines.append(
                f"  {attempt['at']}  {attempt['event']}: {attempt['outcome']}"
                f" (matched {attempt['matched']}{where})"
            )
    lines.append(f"Read this to the customer: {diagnosis.read_out}")
    return "\n".join(lines)


def _triage(args: argparse.Namespace) -> int:
    from ..triage import TriageError, load_answers, triage

    try:
        answers = load_answers(args.answers) if args.answers else _ask()
    except TriageError as problem:
        raise UsageError(str(problem)) from None
    result = triage(answers)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.text())
    return 0


def _ask() -> object:
    """The questions one by one on the terminal (prompts on stderr, so --json stays clean)."""
    import sys

    from ..clock import to_datetime
    from ..triage import QUESTIONS, UNKNOWN, Answers, TriageError, phone_offset_from_times

    values: dict[str, object] = {}
    for question in QUESTIONS:
        while True:
            if question.name == "phone_offset_seconds":
                now = time.time()
                sys.stderr.write(
                    f"The exact time now: {to_datetime(now):%Y-%m-%d %H:%M:%S} UTC.\n"
                    f"{question.prompt}\n  (type the time the phone shows as HH:MM:SS, in "
                    "the customer's own time zone, or signed seconds like -95; Enter if "
                    "unknown)\n> "
                )
            else:
                sys.stderr.write(f"{question.prompt}\n")
                if question.choices:
                    for name, words in question.choices.items():
                        sys.stderr.write(f"  {name}: {words}\n")
                sys.stderr.write("> ")
            sys.stderr.flush()
            line = sys.stdin.readline()
            text = line.strip()
            try:
                if question.name == "phone_offset_seconds" and ":" in text:
                    values[question.name] = phone_offset_from_times(text, now)
                else:
                    values[question.name] = Answers.from_mapping(
                        {question.name: text or UNKNOWN}
                    ).as_dict()[question.name]
                break
            except TriageError as problem:
                if not line:  # end of input: the rest is unknown
                    raise UsageError(f"no answer to {question.name}: {problem}") from None
                sys.stderr.write(f"  {problem}; try again.\n")
    return Answers(**values)  # type: ignore[arg-type]


def _lint(args: argparse.Namespace) -> int:
    from ..lint import lint_uri

    try:
        findings = lint_uri(args.uri)
    except InvalidUri as problem:
        raise UsageError(f"not a usable otpauth URI: {problem}") from None
    if args.json:
        print(json.dumps({"findings": [f.as_dict() for f in findings]}, indent=2))
    elif findings:
        print("\n".join(str(f) for f in findings))
    else:
        print("No findings: Google Authenticator can use this URI as it is.")
    return 1 if findings else 0
