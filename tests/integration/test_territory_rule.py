#!/usr/bin/env python3
"""Unit tests of the territory rule: liaison_grants_conflict() and its
parts, the one definition the check and the activation both use, called
directly in the test cluster with each case of the rule."""
import os
import subprocess
import sys

PSQL = os.environ.get("LIAISON_TEST_PSQL", "").split()
if not PSQL:
    sys.exit("LIAISON_TEST_PSQL is not set: run the tests through tests/run")

# (case, a: distributor, exclusive, region, all lines, lines, start, end,
#        b: ..., expected conflict)
D, E = 1, 2
CASES = [
    ("same country, exclusive vs non-exclusive",
     (D, True, "VN", False, [1], "2026-01-01", None), (E, False, "VN", False, [1], "2026-01-01", None), True),
    ("country vs its subdivision",
     (D, True, "VN", False, [1], "2026-01-01", None), (E, False, "VN-SG", False, [1], "2026-01-01", None), True),
    ("subdivision vs its country",
     (D, False, "VN-SG", False, [1], "2026-01-01", None), (E, True, "VN", False, [1], "2026-01-01", None), True),
    ("two subdivisions of one country",
     (D, True, "VN-SG", False, [1], "2026-01-01", None), (E, True, "VN-HN", False, [1], "2026-01-01", None), False),
    ("a subdivision vs its child (ISO 3166-2 parent)",
     (D, True, "ES-MD", True, [], "2026-01-01", None), (E, False, "ES-M", True, [], "2026-01-01", None), True),
    ("a child vs its parent subdivision",
     (D, False, "GB-LND", True, [], "2026-01-01", None), (E, True, "GB-ENG", True, [], "2026-01-01", None), True),
    ("a child vs another subdivision",
     (D, True, "ES-M", True, [], "2026-01-01", None), (E, True, "ES-CT", True, [], "2026-01-01", None), False),
    ("a child vs its country",
     (D, True, "ES", True, [], "2026-01-01", None), (E, False, "ES-M", True, [], "2026-01-01", None), True),
    ("different countries",
     (D, True, "VN", True, [], "2026-01-01", None), (E, True, "TH", True, [], "2026-01-01", None), False),
    ("a country is not a prefix of another's subdivision",
     (D, True, "VN", True, [], "2026-01-01", None), (E, True, "VNX", True, [], "2026-01-01", None), False),
    ("disjoint lines",
     (D, True, "VN", False, [1, 2], "2026-01-01", None), (E, True, "VN", False, [3], "2026-01-01", None), False),
    ("all lines vs one line",
     (D, True, "VN", True, [], "2026-01-01", None), (E, False, "VN", False, [3], "2026-01-01", None), True),
    ("one line vs all lines",
     (D, False, "VN", False, [3], "2026-01-01", None), (E, True, "VN", True, [], "2026-01-01", None), True),
    ("touching date ranges",
     (D, True, "VN", True, [], "2026-01-01", "2026-12-31"), (E, True, "VN", True, [], "2027-01-01", None), False),
    ("overlapping date ranges by one day",
     (D, True, "VN", True, [], "2026-01-01", "2027-01-01"), (E, True, "VN", True, [], "2027-01-01", None), True),
    ("open-ended vs a later range",
     (D, True, "VN", True, [], "2026-01-01", None), (E, False, "VN", True, [], "2030-06-01", "2030-12-31"), True),
    ("a later open-ended range vs an earlier closed one",
     (D, True, "VN", True, [], "2031-01-01", None), (E, False, "VN", True, [], "2030-06-01", "2030-12-31"), False),
    ("non-exclusive vs non-exclusive",
     (D, False, "VN", True, [], "2026-01-01", None), (E, False, "VN", True, [], "2026-01-01", None), False),
    ("the same distributor's own earlier version",
     (D, True, "VN", True, [], "2026-01-01", None), (D, True, "VN", True, [], "2026-01-01", None), False),
]


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "'{%s}'::bigint[]" % ",".join(str(x) for x in v)
    return "'%s'" % v


def args(g):
    d, excl, region, all_lines, lines, start, end = g
    return ", ".join([lit(d), lit(excl), lit(region), lit(all_lines), lit(lines),
                      lit(start) + "::date", lit(end) + "::date"])


query = " UNION ALL ".join(
    "SELECT %d, liaison_grants_conflict(%s, %s)" % (i, args(a), args(b))
    for i, (_, a, b, _) in enumerate(CASES))
p = subprocess.run(PSQL + ["-U", "liaison_app", "-c", query + " ORDER BY 1"],
                   capture_output=True, text=True)
if p.returncode != 0:
    sys.exit("psql: " + p.stderr)
got = dict(line.split("|") for line in p.stdout.split())
failed = 0
for i, (name, _, _, want) in enumerate(CASES):
    ok = (got.get(str(i)) == "t") == want
    failed += not ok
    print("%s - %s: %s" % ("ok" if ok else "not ok", name, "conflict" if want else "no conflict"))
# The rule is symmetric in which side is being activated.
query = " UNION ALL ".join(
    "SELECT %d, liaison_grants_conflict(%s, %s)" % (i, args(b), args(a))
    for i, (_, a, b, _) in enumerate(CASES))
p = subprocess.run(PSQL + ["-U", "liaison_app", "-c", query + " ORDER BY 1"],
                   capture_output=True, text=True)
if p.returncode != 0:
    sys.exit("psql: " + p.stderr)
got = dict(line.split("|") for line in p.stdout.split())
for i, (name, _, _, want) in enumerate(CASES):
    ok = (got.get(str(i)) == "t") == want
    failed += not ok
    if not ok:
        print("not ok - %s (sides swapped)" % name)
print("ok - rule symmetric in its two sides" if not failed else "territory rule: FAILED")
sys.exit(1 if failed else 0)
