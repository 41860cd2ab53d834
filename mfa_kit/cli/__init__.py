"""The ``mfa-kit`` command: one subcommand per job, each in a module of its own."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._common import EXIT_USAGE, Parser, UsageError

# Each module adds its subcommands; a handler returns the exit status.
_MODULES = ("otp_commands", "servers", "diagnose_commands", "reproduce")


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
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UsageError as problem:
        sys.stderr.write(f"mfa-kit {args.command}: error: {problem}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
