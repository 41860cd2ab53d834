"""mfa-kit classroom start | stop | status: a class on JupyterHub on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._common import UsageError


def register(commands: argparse._SubParsersAction) -> None:
    from ..classroom import DEFAULT_PORT, IDLE_TIMEOUT_MINUTES, default_state

    classroom = commands.add_parser("classroom", help="a class on JupyterHub (trainer's view)")
    actions = classroom.add_subparsers(
        dest="action", metavar="ACTION", parser_class=type(classroom)
    )
    actions.required = True

    start = actions.add_parser("start", help="start the hub, the proxy and the dashboard")
    who = start.add_mutually_exclusive_group(required=True)
    who.add_argument("--roster", type=Path, metavar="FILE.csv", help="login,name,email per row")
    who.add_argument("--trainees", type=int, metavar="N", help="a practice roster of N trainees")
    start.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"the port trainees open (default {DEFAULT_PORT})",
    )
    start.add_argument(
        "--ip",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="where to listen (default 127.0.0.1; a real class: the LAN address)",
    )
    start.add_argument("--ssl-cert", type=Path, metavar="FILE", help="TLS certificate (PEM)")
    start.add_argument("--ssl-key", type=Path, metavar="FILE", help="TLS private key (PEM)")
    start.add_argument(
        "--no-totp",
        action="store_true",
        help="log in with a password only (no Security code at the hub)",
    )
    start.add_argument(
        "--idle-minutes",
        type=int,
        default=IDLE_TIMEOUT_MINUTES,
        metavar="M",
        help=f"stop a trainee server idle this long (default {IDLE_TIMEOUT_MINUTES})",
    )
    for parser in (start,):
        _state(parser, default_state())
    start.set_defaults(handler=_start)

    stop = actions.add_parser("stop", help="stop the hub, the proxy and every trainee server")
    _state(stop, default_state())
    stop.set_defaults(handler=_stop)

    status = actions.add_parser("status", help="trainees and whether each one's server runs")
    _state(status, default_state())
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)


def _state(parser: argparse.ArgumentParser, default: Path) -> None:
    parser.add_argument(
        "--state",
        type=Path,
        default=default,
        metavar="DIR",
        help=f"the hub's state folder (default {default})",
    )


def _trainees(args: argparse.Namespace):
    from ..classroom.roster import RosterError, practice_roster, read_roster

    try:
        return read_roster(args.roster) if args.roster else practice_roster(args.trainees)
    except RosterError as problem:
        raise UsageError(str(problem)) from None


def _start(args: argparse.Namespace) -> int:
    from ..classroom import TRAINER
    from ..classroom.lifecycle import ClassroomError, StartOptions, start

    if not 1 <= args.idle_minutes <= 7 * 24 * 60:
        raise UsageError(f"--idle-minutes must be between 1 and 10080, not {args.idle_minutes}")
    options = StartOptions(
        trainees=_trainees(args),
        root=args.state,
        port=args.port,
        ip=args.ip,
        ssl_cert=args.ssl_cert,
        ssl_key=args.ssl_key,
        totp=not args.no_totp,
        idle_minutes=args.idle_minutes,
    )
    try:
        classroom, passwords, url = start(options)
    except ClassroomError as problem:
        raise UsageError(str(problem)) from None
    except RuntimeError as problem:
        sys.stderr.write(f"mfa-kit classroom: {problem}\n")
        return 1
    print(f"The class is open at {url}/  ({len(classroom.trainees)} trainees)")
    if args.ip not in ("127.0.0.1", "::1", "localhost") and args.ssl_cert is None:
        print(
            f"Warning: {args.ip} is reachable from the network without TLS: passwords and "
            "Security codes cross it in clear text (use --ssl-cert and --ssl-key)."
        )
    print(f"Trainer login: {TRAINER}; dashboard: {url}/services/dashboard/")
    print(f"Trainer API token: {classroom.trainer_token_file} (REST API {url}/hub/api)")
    if passwords is not None:
        print(
            "First passwords (shown this once; also in "
            f"{classroom.first_passwords}, readable only by you):"
        )
        print(passwords, end="")
        if classroom.totp:
            print(
                "Each login adds its setup_key in Google Authenticator (Add → Enter a setup "
                "key) and types the app's code as the Security code."
            )
    else:
        print(f"First passwords were shown when the class was created: {classroom.first_passwords}")
    print(f"Idle trainee servers stop after {args.idle_minutes} minutes (their work is kept).")
    print(f"Stop the class with: mfa-kit classroom stop --state {classroom.root}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from ..classroom.lifecycle import ClassroomError, stop

    try:
        killed = stop(args.state)
    except ClassroomError as problem:
        raise UsageError(str(problem)) from None
    suffix = f" ({len(killed)} processes had to be ended by force)" if killed else ""
    print(f"The classroom in {args.state.expanduser().resolve()} is stopped{suffix}.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from ..classroom.lifecycle import ClassroomError, status

    try:
        report = status(args.state)
    except ClassroomError as problem:
        raise UsageError(str(problem)) from None
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{'running at ' + report['url'] if report['running'] else 'stopped'}: {report['state']}")
    for trainee in report["trainees"]:
        print(f"  {trainee['login']:<20} {trainee['server']}")
    return 0
