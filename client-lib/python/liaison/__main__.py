"""python3 -m liaison: quick calls from a shell.

    python3 -m liaison call GetHealth
    python3 -m liaison call GetDistributor '{"id": 3}'
    python3 -m liaison login acme an@acme.example      # prints a session token
    python3 -m liaison methods                         # every RPC's name

The server, CA and token come from --url/--ca/--token or LIAISON_URL,
LIAISON_CA and LIAISON_TOKEN. A failed call prints its status and message on
standard error and exits as the liaison CLI does: 2 invalid argument (and bad
usage), 3 not authenticated or not allowed, 4 not found, 5 conflict, 6
unavailable, 75 rate-limited (run it again after retry_after_ms), 1 anything
else. Output to a reader
that stopped (`| head -1`) ends quietly with 141, as a Unix tool killed by
SIGPIPE.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import List, Optional

from . import Client, Error, LibraryNotFound, _schema


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m liaison",
                                description="Call Liaison's RPCs through libliaison.")
    p.add_argument("--url", default=os.environ.get("LIAISON_URL"),
                   help="liaison://host[:port] (default: $LIAISON_URL)")
    p.add_argument("--ca", default=os.environ.get("LIAISON_CA"),
                   help="PEM CA bundle to verify the server (default: $LIAISON_CA, else the "
                        "system's)")
    p.add_argument("--token", default=os.environ.get("LIAISON_TOKEN"),
                   help="session, API or operator token (default: $LIAISON_TOKEN)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("call", help="call an RPC with a JSON request and print its response")
    c.add_argument("method", help="an RPC name from liaison.proto, e.g. GetHealth")
    c.add_argument("request", nargs="?", default="{}",
                   help="the request as a JSON object (default: {}); - reads standard input")
    lg = sub.add_parser("login", help="log in and print the session token")
    lg.add_argument("tenant")
    lg.add_argument("email")
    sub.add_parser("methods", help="list every RPC")
    return p


# What a shell reports for a program killed by SIGPIPE (128 + 13).
_EXIT_BROKEN_PIPE = 141

# The liaison CLI's exit codes by status (cli/main.c, cli_exit_code), so that a script reads a
# failure alike from either: it exited 1 for everything (a try-out: 1 for UNAUTHENTICATED, where
# the CLI exits 3).
_EXIT_BY_CODE = {
    "INVALID_ARGUMENT": 2, "OUT_OF_RANGE": 2,
    "UNAUTHENTICATED": 3, "PERMISSION_DENIED": 3,
    "NOT_FOUND": 4,
    "ALREADY_EXISTS": 5, "FAILED_PRECONDITION": 5, "ABORTED": 5,
    "UNAVAILABLE": 6, "DEADLINE_EXCEEDED": 6,
}
# EX_TEMPFAIL: refused for now, with the time to wait (a rate limit).
_EXIT_TEMPFAIL = 75


def exit_code(error: Error) -> int:
    """The exit code of a failed call, as the liaison CLI gives it."""
    if error.code_name == "RESOURCE_EXHAUSTED" and error.retry_after_ms > 0:
        return _EXIT_TEMPFAIL
    return _EXIT_BY_CODE.get(error.code_name, 1)


def main(argv: Optional[List[str]] = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader is gone; Python would report it again when it flushes
        # stdout at exit, so stdout goes to /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return _EXIT_BROKEN_PIPE


def _main(argv: Optional[List[str]]) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "methods":
            for name in _schema.methods():
                print(name)
            return 0
        if not args.url:
            print("python3 -m liaison: no server: give --url or set LIAISON_URL", file=sys.stderr)
            return 2
        with Client(args.url, ca=args.ca, token=args.token) as client:
            if args.command == "login":
                password = os.environ.get("LIAISON_PASSWORD") or getpass.getpass("Password: ")
                print(client.login(args.tenant, args.email, password))
                return 0
            if args.method not in _schema.methods():
                print("python3 -m liaison: no RPC named %s (python3 -m liaison methods lists "
                      "them)" % args.method, file=sys.stderr)
                return 2
            text = sys.stdin.read() if args.request == "-" else args.request
            try:
                request = json.loads(text)
            except ValueError as e:
                print("python3 -m liaison: the request is not JSON: %s" % e, file=sys.stderr)
                return 2
            if not isinstance(request, dict):
                print("python3 -m liaison: the request must be a JSON object", file=sys.stderr)
                return 2
            print(json.dumps(client.call(args.method, request), ensure_ascii=False, indent=2))
            return 0
    except Error as e:
        print(str(e), file=sys.stderr)
        return exit_code(e)
    except LibraryNotFound as e:
        print("python3 -m liaison: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
