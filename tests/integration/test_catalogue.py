#!/usr/bin/env python3
"""The catalogue gate (issue 14): tests/integration/catalogue_gate.sql
lists every way the schema lets tenant rows or the audit trail out of the
database's hands (row security not enabled, not forced or without a policy;
a key, unique constraint or foreign key not led by tenant_id; liaisond's
role a superuser, with BYPASSRLS, or owning anything; a SECURITY DEFINER
function without pg_temp last in a pinned search_path; liaisond's role
allowed to UPDATE, DELETE or TRUNCATE an audit table, or to execute a C
function the gate does not know). The test database,
as tests/run migrated it, must give no row. Then, on a database of its own
migrated from scratch, each breakage below is made inside a transaction
that is rolled back, and the gate must name it: a gate that cannot fail
proves nothing."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_test as t  # noqa: E402
import liaison_wire as w  # noqa: E402
import scratch_db  # noqa: E402
from liaison_test import check  # noqa: E402

LIAISOND = sys.argv[1]
GATE = open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "catalogue_gate.sql")).read()
APP = scratch_db.role_of(w.env("LIAISON_TEST_DATABASE_URL"))
PROBE_ROLE = "liaison_gate_probe_%d" % os.getpid()

# (what is broken, SQL that breaks it, a line the gate must print)
BREAKAGES = [
    ("a C function the app role may execute, unreviewed",
     "CREATE FUNCTION gate_probe_c(bigint, text) RETURNS void AS 'liaison_wall', "
     "'liaison_wall_auth' LANGUAGE C; GRANT EXECUTE ON FUNCTION gate_probe_c(bigint, text) TO "
     + APP,
     APP + " may execute C function gate_probe_c(bigint,text), which the gate does not know"),
    ("row security not forced", "ALTER TABLE distributors NO FORCE ROW LEVEL SECURITY",
     "distributors: row-level security is not forced (its owner bypasses it)"),
    ("tenants' row security not forced", "ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY",
     "tenants: row-level security is not forced (its owner bypasses it)"),
    ("row security disabled", "ALTER TABLE contacts DISABLE ROW LEVEL SECURITY",
     "contacts: row-level security is not enabled"),
    ("no policy", "DROP POLICY tenant_isolation ON products",
     "products: no row-level security policy applies to " + APP),
    ("a policy for another role only",
     "DROP POLICY tenant_isolation ON products; CREATE POLICY other ON products TO "
     "postgres USING (true)",
     "products: no row-level security policy applies to " + APP),
    ("a new tenant table without row security",
     "CREATE TABLE gate_probe (tenant_id bigint NOT NULL, id bigint, PRIMARY KEY (tenant_id, id))",
     "gate_probe: row-level security is not enabled"),
    ("a tenant table without a primary key",
     "CREATE TABLE gate_probe (tenant_id bigint NOT NULL, id bigint);"
     "ALTER TABLE gate_probe ENABLE ROW LEVEL SECURITY;"
     "ALTER TABLE gate_probe FORCE ROW LEVEL SECURITY;"
     "CREATE POLICY p ON gate_probe USING (tenant_id = liaison_tenant())",
     "gate_probe: no primary key"),
    ("a primary key led by id",
     "CREATE TABLE gate_probe (tenant_id bigint NOT NULL, id bigint, PRIMARY KEY (id, tenant_id))",
     "gate_probe: primary key gate_probe_pkey does not lead with tenant_id: "
     "PRIMARY KEY (id, tenant_id)"),
    ("a unique constraint without tenant_id first",
     "ALTER TABLE product_lines ADD CONSTRAINT gate_probe_u UNIQUE (code, tenant_id)",
     "product_lines: unique constraint gate_probe_u does not lead with tenant_id: "
     "UNIQUE (code, tenant_id)"),
    ("a unique index without tenant_id first",
     "CREATE UNIQUE INDEX gate_probe_i ON distributors (lower(name), tenant_id)",
     "distributors: unique index gate_probe_i does not lead with tenant_id: "
     "CREATE UNIQUE INDEX gate_probe_i ON public.distributors USING btree "
     "(lower(name), tenant_id)"),
    ("a foreign key without tenant_id first",
     "ALTER TABLE contacts ADD CONSTRAINT gate_probe_fk FOREIGN KEY (distributor_id, tenant_id) "
     "REFERENCES distributors (id, tenant_id)",
     "contacts: foreign key gate_probe_fk does not lead with tenant_id: FOREIGN KEY "
     "(distributor_id, tenant_id) REFERENCES distributors(id, tenant_id)"),
    ("a non-tenant table's reference into a tenant table",
     "CREATE TABLE gate_probe (id bigint PRIMARY KEY, dist bigint, t bigint, "
     "FOREIGN KEY (dist, t) REFERENCES distributors (id, tenant_id))",
     "gate_probe: foreign key gate_probe_dist_t_fkey refers to tenant table distributors without "
     "leading with tenant_id: FOREIGN KEY (dist, t) REFERENCES distributors(id, tenant_id)"),
    ("liaisond's role with BYPASSRLS", "ALTER ROLE %s BYPASSRLS" % APP,
     "role %s (%s has its rights) has BYPASSRLS" % (APP, APP)),
    ("liaisond's role a member of a superuser",
     "CREATE ROLE %s SUPERUSER; GRANT %s TO %s" % (PROBE_ROLE, PROBE_ROLE, APP),
     "role %s (%s has its rights) is a superuser" % (PROBE_ROLE, APP)),
    ("liaisond's role owns a table", "ALTER TABLE operators OWNER TO " + APP,
     "%s owns table operators" % APP),
    ("liaisond's role owns a sequence",
     "CREATE SEQUENCE gate_probe_seq; ALTER SEQUENCE gate_probe_seq OWNER TO " + APP,
     "%s owns sequence gate_probe_seq" % APP),
    ("liaisond's role owns a function",
     "CREATE FUNCTION gate_probe_f() RETURNS int LANGUAGE sql AS 'SELECT 1';"
     "ALTER FUNCTION gate_probe_f() OWNER TO " + APP,
     "%s owns function gate_probe_f()" % APP),
    ("liaisond's role owns a type",
     "CREATE TYPE gate_probe_kind AS ENUM ('a'); ALTER TYPE gate_probe_kind OWNER TO " + APP,
     "%s owns type gate_probe_kind" % APP),
    ("liaisond's role owns a schema", "CREATE SCHEMA gate_probe AUTHORIZATION " + APP,
     "%s owns schema gate_probe" % APP),
    ("liaisond's role owns something else (a collation)",
     "CREATE COLLATION gate_probe_c FROM \"C\"; ALTER COLLATION gate_probe_c OWNER TO " + APP,
     "%s owns collation gate_probe_c" % APP),
    ("liaisond's role a member of the owner",
     "GRANT %s TO %s" % (scratch_db.role_of(w.env("LIAISON_TEST_MIGRATE_URL")), APP),
     "%s owns table tenants" % scratch_db.role_of(w.env("LIAISON_TEST_MIGRATE_URL"))),
    ("liaisond's role may create in public", "GRANT CREATE ON SCHEMA public TO " + APP,
     "%s may create objects in schema public" % APP),
    ("a definer function with pg_temp first",
     "ALTER FUNCTION liaison_tenant_lookup(text) SET search_path = pg_temp, pg_catalog, public",
     "SECURITY DEFINER function liaison_tenant_lookup(text) pins search_path = pg_temp, "
     "pg_catalog, public without pg_temp last"),
    ("a definer function without pg_temp",
     "ALTER FUNCTION liaison_tenant_lookup(text) SET search_path = pg_catalog, public",
     "SECURITY DEFINER function liaison_tenant_lookup(text) pins search_path = pg_catalog, "
     "public without pg_temp last"),
    ("a definer function with no search_path",
     "ALTER FUNCTION liaison_tenant_delete(text, text, text, text) RESET search_path",
     "SECURITY DEFINER function liaison_tenant_delete(text,text,text,text) does not pin its "
     "search_path"),
    ("password hashes readable", "GRANT SELECT ON users TO " + APP,
     "%s may read users.password_hash" % APP),
    ("password hashes readable by column", "GRANT SELECT (password_hash) ON users TO " + APP,
     "%s may read users.password_hash" % APP),
    ("password hashes writable", "GRANT UPDATE (password_hash) ON users TO " + APP,
     "%s may write users.password_hash" % APP),
    ("a column of users added without its grant", "ALTER TABLE users ADD COLUMN gate_probe text",
     "users.gate_probe: %s may not read it (grant SELECT on it)" % APP),
    ("UPDATE on audit_log", "GRANT UPDATE ON audit_log TO " + APP,
     "%s may UPDATE audit table audit_log" % APP),
    ("UPDATE on one column of platform_audit", "GRANT UPDATE (action) ON platform_audit TO " + APP,
     "%s may UPDATE audit table platform_audit" % APP),
    ("DELETE on platform_audit", "GRANT DELETE ON platform_audit TO " + APP,
     "%s may DELETE audit table platform_audit" % APP),
    ("TRUNCATE on audit_log", "GRANT TRUNCATE ON audit_log TO " + APP,
     "%s may TRUNCATE audit table audit_log" % APP),
    ("DELETE on a new audit table",
     "CREATE TABLE export_audit (id bigint PRIMARY KEY); GRANT DELETE ON export_audit TO " + APP,
     "%s may DELETE audit table export_audit" % APP),
    ("an audit table renamed out of the gate's sight",
     "ALTER TABLE platform_audit RENAME TO platform_events",
     "audit table platform_audit not found (renamed? name it in the gate)"),
]


def gate(run_psql, breakage=""):
    """The gate's rows through run_psql (a script in, its output back), after
    breakage inside a transaction that is rolled back."""
    script = "BEGIN;\n%s;\n\\set app_role %s\n%s\nROLLBACK;\n" % (breakage, APP, GATE)
    return [line for line in run_psql(script).splitlines() if line]


def main_psql(script):
    """A script as the cluster's superuser on the database the suites share."""
    p = subprocess.run(w.env("LIAISON_TEST_PSQL").split() + ["-U", "postgres"], input=script,
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return p.stdout.strip()


found = gate(main_psql)
for line in found:
    print("# " + line)
check(found == [], "the test database passes the catalogue gate (%d problems)" % len(found))

db = scratch_db.ScratchDatabase("gate")
try:
    rc, out, err = db.liaisond(LIAISOND, "migrate")
    if not check(rc == 0, "a database of the test's own is migrated"):
        print("# " + err.strip()[-500:])
    found = gate(db.psql)
    for line in found:
        print("# " + line)
    check(found == [], "... and passes the gate as migrated (%d problems)" % len(found))
    for what, breakage, expected in BREAKAGES:
        found = gate(db.psql, breakage)
        if not check(expected in found, "the gate catches %s" % what):
            print("# expected: " + expected)
            for line in found:
                print("# got: " + line)
    found = gate(db.psql)
    check(found == [], "every breakage was rolled back (%d problems)" % len(found))
finally:
    db.drop()

t.finish("catalogue")
