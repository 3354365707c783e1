"""Portal sessions, kept server-side in SQLite.

The browser holds only a random session id (an HttpOnly cookie); the
Liaison session token, the CSRF token and the chosen language stay here.
Only a SHA-256 of the id is stored, so a copy of the database does not
let anyone take a session over. Sessions end after an idle time and after
an absolute lifetime; SQLite lets several gunicorn workers share them.
"""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from typing import Any, Dict, Optional

IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 12 * 60 * 60
# Sessions nobody signed in to (every first page view makes one, for its
# forms' CSRF token): at most this many are kept, the oldest go first, so a
# flood of cookieless requests cannot grow the file without bound.
MAX_ANONYMOUS = 50000


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    """Sessions in the SQLite file at path (":memory:" for one process)."""

    def __init__(self, path: str, max_anonymous: int = MAX_ANONYMOUS) -> None:
        self._path = path
        self._max_anonymous = max_anonymous
        self._local = threading.local()
        self._pruned = 0.0
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY,"
                       " token TEXT NOT NULL DEFAULT '', csrf TEXT NOT NULL,"
                       " lang TEXT NOT NULL DEFAULT '', identity TEXT NOT NULL DEFAULT '',"
                       " created REAL NOT NULL, seen REAL NOT NULL,"
                       " read_after INTEGER NOT NULL DEFAULT 0)")
            # A file made before read_after was kept gains it.
            if "read_after" not in [c[1] for c in db.execute("PRAGMA table_info(sessions)")]:
                db.execute("ALTER TABLE sessions ADD COLUMN read_after INTEGER NOT NULL"
                           " DEFAULT 0")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def create(self) -> str:
        """A new anonymous session (for the login form's CSRF token): its id."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        db = self._db()
        if now - self._pruned > 60:
            self.prune()
        db.execute("INSERT INTO sessions (key, csrf, created, seen) VALUES (?, ?, ?, ?)",
                   (_key(sid), secrets.token_urlsafe(32), now, now))
        # The cap is checked every 1/64th of it, so the check costs little.
        if self._max_anonymous and secrets.randbelow(max(1, self._max_anonymous // 64)) == 0:
            self.cap_anonymous()
        return sid

    def cap_anonymous(self) -> None:
        """Forgets the oldest sessions nobody signed in to, past the cap."""
        self._db().execute(
            "DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE token = ''"
            " ORDER BY seen DESC LIMIT -1 OFFSET ?)", (self._max_anonymous,))

    def get(self, sid: Optional[str]) -> Optional[Dict[str, Any]]:
        """The live session of sid, its idle time renewed; None when there is none."""
        if not sid or len(sid) > 100:
            return None
        now = time.time()
        db = self._db()
        row = db.execute("SELECT token, csrf, lang, identity, created, seen, read_after"
                         " FROM sessions WHERE key = ?", (_key(sid),)).fetchone()
        if row is None:
            return None
        if now - row[5] > IDLE_SECONDS or now - row[4] > LIFETIME_SECONDS:
            self.delete(sid)
            return None
        db.execute("UPDATE sessions SET seen = ? WHERE key = ?", (now, _key(sid)))
        return {"token": row[0], "csrf": row[1], "lang": row[2], "identity": row[3],
                "read_after": row[6]}

    def update(self, sid: str, **fields: str) -> None:
        allowed = {"token", "lang", "identity"}
        for name, value in fields.items():
            if name not in allowed:
                raise KeyError(name)
            self._db().execute("UPDATE sessions SET %s = ? WHERE key = ?" % name,
                               (value, _key(sid)))

    def wrote(self, sid: str, read_after: int) -> None:
        """Keeps the newest write time of the session's Liaison calls, so that the
        next page, on another connection (maybe to another server), reads them."""
        self._db().execute("UPDATE sessions SET read_after = max(read_after, ?) WHERE key = ?",
                           (read_after, _key(sid)))

    def rotate(self, sid: str) -> str:
        """A new id (and CSRF token) for the session of sid, as at login: an id
        seen before login is worth nothing after it."""
        new = secrets.token_urlsafe(32)
        self._db().execute("UPDATE sessions SET key = ?, csrf = ? WHERE key = ?",
                           (_key(new), secrets.token_urlsafe(32), _key(sid)))
        return new

    def delete(self, sid: str) -> None:
        self._db().execute("DELETE FROM sessions WHERE key = ?", (_key(sid),))

    def prune(self) -> None:
        """Forgets the sessions that ended (done at most once a minute on its own)."""
        now = time.time()
        self._pruned = now
        self._db().execute("DELETE FROM sessions WHERE seen < ? OR created < ?",
                           (now - IDLE_SECONDS, now - LIFETIME_SECONDS))
        self.cap_anonymous()
