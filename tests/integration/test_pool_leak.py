#!/usr/bin/env python3
"""Pooled-connection leakage: runs test_pool_leak (10,000 transactions of
alternating tenants and callers, checked row by row) against a liaisond of
its own with one worker and two database connections, then stops that
server, which must report no sanitizer finding and a clean stop.

Usage: test_pool_leak.py LIAISOND CLI TEST_POOL_LEAK
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402

LIAISOND, CLI, PROGRAM = sys.argv[1:4]

# Long idle timeout: the callers' connections wait while the others log in.
srv = t.Server("pool-leak", LIAISOND, CLI, "db_pool_size = 2", "idle_timeout_ms = 120000")
try:
    srv.wait_ready()
    p = subprocess.run([PROGRAM, "liaison://127.0.0.1:%d" % srv.port, w.env("LIAISON_TEST_CA"),
                        w.env("LIAISON_TEST_OPERATOR_TOKEN")], timeout=600)
    t.check(p.returncode == 0, "10,000 pooled transactions: no row out of its caller's reach")
    # The point is callers sharing connections and transactions: make sure they did.
    batches = [int(n) for n in re.findall(r" db_batch=(\d+)", srv.log())]
    print("# requests logged %d, largest shared database transaction %d requests"
          % (len(batches), max(batches, default=0)))
    t.check(max(batches, default=0) > 1, "reads of several callers shared database transactions")
finally:
    t.check(srv.stop(), "liaisond stopped cleanly")
t.finish("test_pool_leak")
