"""python3 -m liaison_portal [--host 127.0.0.1] [--port 8080]: the portal on
Werkzeug's threaded server, for development and tests. In production run
it with gunicorn behind a TLS terminator (see the README)."""
from __future__ import annotations

import argparse
import os
import signal
import sys

from werkzeug.serving import run_simple

from . import create_app


def main() -> None:
    p = argparse.ArgumentParser(prog="python3 -m liaison_portal",
                                description="The Liaison distributor portal (development server).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    args = p.parse_args()
    if args.host in ("127.0.0.1", "::1", "localhost"):
        # Plain HTTP on this machine only: a Secure cookie would never come back.
        os.environ.setdefault("PORTAL_SECURE_COOKIES", "0")
    # SIGTERM ends the process as Ctrl-C does, so that its clean-up runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(args.host, args.port, create_app(), threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
