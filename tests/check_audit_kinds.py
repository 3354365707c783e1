#!/usr/bin/env python3
"""check_audit_kinds.py ROOT - fails when an audit row can name an entity, or an action group,
that ListAuditLog's filters refuse (the lists in server/rpc_audit.c), or when a list names one
nothing writes.

Every liaison_audit(action, entity, id) call and EXEC_AUDITED(action, entity) use of server/*.c
and server/migrations/*.sql is read: its entity when written as a literal, and every quoted
GROUP.VERB in its action (an action built as 'order.' || p_status gives its group too)."""
import glob
import re
import sys

ROOT = sys.argv[1]


def calls(text, opener):
    """The argument text of each call opened by opener, to its balanced ')'."""
    for m in re.finditer(re.escape(opener), text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield text[m.end():i - 1]


def args(call):
    parts, depth, cur = [], 0, ""
    for ch in call:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + [cur.strip()]


written_entities, written_groups = set(), set()
for path in sorted(glob.glob(ROOT + "/server/*.c") + glob.glob(ROOT + "/server/migrations/*.sql")):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".c"):
        text = re.sub(r'"\s*\n\s*"', "", text)  # one C string of adjacent literals
    for opener, quote in (("liaison_audit(", "'"), ("EXEC_AUDITED(", '"')):
        for call in calls(text, opener):
            a = args(call)
            if len(a) < 2:
                continue
            m = re.fullmatch(quote + r"([a-z_]+)" + quote, a[1])
            if m:
                written_entities.add(m.group(1))
            written_groups.update(re.findall(r"'([a-z_]+)\.", a[0]))

source = open(ROOT + "/server/rpc_audit.c", encoding="utf-8").read()


def listed(name):
    m = re.search(r"static const char \*const " + name + r"\[\] = \{(.*?)\};", source, re.S)
    return set(re.findall(r'"([a-z_]+)"', m.group(1))) if m else set()


failed = False
for what, written, known in (("entity", written_entities, listed("audit_entities")),
                             ("action group", written_groups, listed("audit_action_groups"))):
    if not written:
        print("no %s found in the sources: this check reads nothing" % what)
        failed = True
    for name in sorted(written - known):
        print("%s '%s' is written but ListAuditLog refuses it: add it to server/rpc_audit.c"
              % (what, name))
        failed = True
    for name in sorted(known - written):
        print("%s '%s' is listed in server/rpc_audit.c but nothing writes it" % (what, name))
        failed = True
if failed:
    sys.exit(1)
print("audit kinds up to date: %d entities, %d action groups"
      % (len(written_entities), len(written_groups)))
