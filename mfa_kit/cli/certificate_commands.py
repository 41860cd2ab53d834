"""mfa-kit certificate: write the course certificate of a workspace's passed assessment.
No pass (or no assessment yet) is one line and exit 1; nothing is written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._common import UsageError

EXIT_NO_PASS = 1


def register(commands: argparse._SubParsersAction) -> None:
    certificate = commands.add_parser(
        "certificate",
        help="write the certificate of a passed assessment (one printable HTML page)",
        description=(
            "Reads the workspace's progress record and, if its last assessment was passed, "
            "writes the certificate (default: certificate.html in the workspace). Exit status "
            "1 and nothing written when there is no pass."
        ),
    )
    certificate.add_argument(
        "--workspace", metavar="DIR", default=None, help="the trainee's course folder"
    )
    certificate.add_argument(
        "-o", "--output", metavar="FILE.html", default=None, help="where to write it"
    )
    certificate.set_defaults(handler=_certificate)


def _certificate(args: argparse.Namespace) -> int:
    from ..certificate import CertificateError, write_certificate
    from ..progress import ProgressError
    from ..workspace import default_workspace

    workspace = Path(args.workspace) if args.workspace else default_workspace()
    if not workspace.is_dir():
        raise UsageError(f"{workspace} is not a course folder (no such directory)")
    output = Path(args.output) if args.output else None
    if output is not None:
        if output.suffix.lower() not in (".html", ".htm"):
            raise UsageError(f"{output} must end in .html")
        if not output.parent.is_dir():
            raise UsageError(f"{output.parent} is not a directory")
    try:
        path = write_certificate(workspace, output)
    except ProgressError as problem:
        raise UsageError(str(problem)) from None
    except CertificateError as problem:
        sys.stderr.write(f"mfa-kit certificate: {problem}\n")
        return EXIT_NO_PASS
    except OSError as problem:
        raise UsageError(f"cannot write {output or workspace}: {problem.strerror}") from None
    print(f"Certificate written: {path}")
    return 0
