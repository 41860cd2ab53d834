"""mfa-kit code | uri | qr | scan: codes, otpauth URIs and QR pictures from the command line."""

from __future__ import annotations

import argparse
import sys
import time

from ..otp import ISSUER, InvalidSecret, InvalidUri, Totp, build_uri, generate_secret, parse_uri
from ._common import UsageError, add_profile_arguments, parse_when, profile_from


def register(commands: argparse._SubParsersAction) -> None:
    code = commands.add_parser("code", help="print the code for a secret at a time")
    code.add_argument("--secret", required=True, help="base32 setup key")
    code.add_argument(
        "--at", default=None, metavar="WHEN", help="ISO 8601 with zone, or Unix seconds"
    )
    add_profile_arguments(code)
    code.set_defaults(handler=_code)

    uri = commands.add_parser("uri", help="print the otpauth URI the portal's QR code carries")
    uri.add_argument("--login", required=True, help="the Stratus Login Name")
    uri.add_argument("--issuer", default=ISSUER)
    uri.add_argument("--secret", default=None, help="base32 setup key (default: a fresh one)")
    uri.set_defaults(handler=_uri)

    qr = commands.add_parser("qr", help="write a QR code for a URI")
    qr.add_argument("uri")
    qr.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.png or FILE.svg")
    qr.set_defaults(handler=_qr)

    scan = commands.add_parser("scan", help="decode a QR picture and print its text")
    scan.add_argument("file")
    scan.set_defaults(handler=_scan)


def _totp(secret: str, profile=None) -> Totp:
    try:
        return Totp(secret, profile) if profile else Totp(secret)
    except InvalidSecret as problem:
        raise UsageError(str(problem)) from None


def _code(args: argparse.Namespace) -> int:
    at = time.time() if args.at is None else parse_when(args.at)
    print(_totp(args.secret, profile_from(args)).at(at))
    return 0


def _uri(args: argparse.Namespace) -> int:
    secret = args.secret or generate_secret()
    _totp(secret)
    try:
        print(build_uri(secret, args.login.strip(), issuer=args.issuer))
    except InvalidUri as problem:
        raise UsageError(str(problem)) from None
    return 0


def _qr(args: argparse.Namespace) -> int:
    from ..qr import write

    try:
        parse_uri(args.uri)
    except InvalidUri as problem:
        raise UsageError(f"not a usable otpauth URI: {problem}") from None
    try:
        write(args.uri, args.output)
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    except OSError as problem:
        raise UsageError(f"cannot write {args.output}: {problem.strerror}") from None
    return 0


def _scan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..qr import QrDecodeError, decode

    if not Path(args.file).is_file():
        raise UsageError(f"no such file: {args.file}")
    try:
        text = decode(args.file)
    except QrDecodeError as problem:
        sys.stderr.write(f"mfa-kit scan: {args.file}: {problem}\n")
        return 1
    print(text)
    return 0
