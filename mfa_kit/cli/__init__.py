"""The ``mfa-kit`` command: one subcommand per job, each in a module of its own."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ._common import EXIT_USAGE, Parser, UsageError

EXIT_CLOSED_PIPE = 141
"""128 + SIGPIPE: what a shell reports for a command whose output pipe was closed."""

# Each module adds its subcommands; a handler returns the exit status.
_MODULES = (
    "otp_commands",
    "servers",
    "diagnose_commands",
    "reproduce",
    "classroom_commands",
    "certificate_commands",
    "course_commands",
)


def build_parser() -> Parser:
    import importlib

    parser = Parser(
        prog="mfa-kit", description="MFA training and support kit for the Stratus Web Portal"
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"mfa-kit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    problem = _not_text(argv)
    if problem:
        sys.stderr.write(f"mfa-kit: error: {problem}\n")
        return EXIT_USAGE
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UsageError as problem:
        sys.stderr.write(f"mfa-kit {args.command}: error: {problem}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as command-line tools do, with the
        # shell's status for a closed pipe rather than one this kit gives a meaning.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLOSED_PIPE


def _not_text(argv: Sequence[str]) -> str | None:
    """Why an argument is not text, or None.

    Python carries bytes that are not valid UTF-8 as lone surrogates; they would fail later,
    deep inside a command, as a traceback. The value itself is not echoed: it may be a secret.
    """
    for position, argument in enumerate(argv):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            before = argv[position - 1] if position else ""
            where = (
                f"the value after {before}"
                if before.startswith("-")
                else f"argument {position + 1}"
            )
            return f"{where} is not valid text (UTF-8): retype it"
    return None


if __name__ == "__main__":
    raise SystemExit(main())
