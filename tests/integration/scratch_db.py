"""A database of a test's own in the cluster tests/run started, for tests
that break the schema on purpose or rewrite its bookkeeping: created empty
(owned by the migrating role), migrated by the liaisond under test, dropped
at the end. Other suites never connect to it, and every object it holds is
its own; roles are the cluster's, so a test changes them only inside a
transaction it rolls back."""
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_wire as w  # noqa: E402


def _with_database(url, name):
    """url (postgresql:///DB?...) naming database name instead."""
    query = urllib.parse.urlsplit(url).query
    return "postgresql:///%s?%s" % (name, query)


def database_of(url):
    """The database a postgresql:///DB?... URL names."""
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))


def role_of(url):
    """The user= of a postgresql:// URL (liaisond's role, or the migrator's)."""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["user"][0]


class ScratchDatabase:
    def __init__(self, tag):
        self.name = "liaison_%s_%d" % (tag, os.getpid())
        self.migrate_url = _with_database(w.env("LIAISON_TEST_MIGRATE_URL"), self.name)
        self.app_url = _with_database(w.env("LIAISON_TEST_DATABASE_URL"), self.name)
        owner = role_of(w.env("LIAISON_TEST_MIGRATE_URL"))
        self.psql(None, 'CREATE DATABASE "%s" OWNER "%s"' % (self.name, owner), database="liaison")

    def psql(self, stdin, command=None, database=None, check=True):
        """psql as the cluster's superuser on this database: a command, or a
        script on standard input; (returncode, stdout, stderr) unless check."""
        cmd = w.env("LIAISON_TEST_PSQL").split() + ["-U", "postgres", "-d",
                                                     database or self.name]
        if command:
            cmd += ["-c", command]
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120)
        if check:
            if p.returncode != 0:
                raise RuntimeError("psql: %s" % p.stderr)
            return p.stdout.strip()
        return p.returncode, p.stdout.strip(), p.stderr.strip()

    def liaisond(self, liaisond, *args, url=None):
        """Runs `liaisond ARGS` against this database; (returncode, stdout, stderr)."""
        env = dict(os.environ, LIAISOND_DATABASE_URL=url or self.migrate_url,
                   LIAISOND_TLS_CERT="x", LIAISOND_TLS_KEY="x")
        p = subprocess.run([liaisond] + list(args), capture_output=True, text=True, env=env,
                           timeout=300)
        return p.returncode, p.stdout, p.stderr

    def drop(self):
        self.psql(None, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name,
                  database="liaison", check=False)
