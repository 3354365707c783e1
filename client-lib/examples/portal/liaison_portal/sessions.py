"""Portal sessions, kept server-side in SQLite.

The browser holds only a random session id (an HttpOnly cookie); the CSRF
token and the chosen language stay here, and so does the Liaison session
token, sealed. The file keeps only a SHA-256 of the id, and the token
encrypted (AES-GCM) under a key derived from the id: a copy of the database
does not let anyone take a session over, nor call Liaison with its token.
The file and its -wal and -shm are the owner's alone. Sessions end after an
idle time and after an absolute lifetime; SQLite lets several gunicorn
workers share them.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import stat
import threading
import time
from typing import Any, Dict, Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 12 * 60 * 60
# Sessions nobody signed in to (every first page view makes one, for its
# forms' CSRF token): at most this many are kept, the oldest go first, so a
# flood of cookieless requests cannot grow the file without bound.
MAX_ANONYMOUS = 50000
NONCE_BYTES = 12


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _cipher(sid: str) -> AESGCM:
    """The session's own token key. The id has 256 random bits and the file
    keeps only its SHA-256, so the key is the cookie's to give, never the file's."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"liaison-portal session token").derive(sid.encode())
    return AESGCM(key)


def _seal(sid: str, token: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    # The row's key as associated data: a sealed token moved to another row opens there to nothing.
    return nonce + _cipher(sid).encrypt(nonce, token.encode(), _key(sid).encode())


def _unseal(sid: str, sealed: Optional[bytes]) -> str:
    """The token sealed for sid; "" (signed out) when there is none or it does not open."""
    if not sealed:
        return ""
    try:
        return _cipher(sid).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:],
                                    _key(sid).encode()).decode()
    except (InvalidTag, ValueError):
        return ""


def _owner_only(path: str) -> None:
    """Makes the database file owner-only before SQLite opens it (SQLite gives
    its -wal and -shm the file's mode), and tightens a file made before."""
    if path == ":memory:" or path.startswith("file:"):
        return
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, path + "-wal", path + "-shm"):
        try:
            mode = os.stat(name).st_mode
        except FileNotFoundError:
            continue
        if stat.S_IMODE(mode) & 0o077:
            os.chmod(name, 0o600)


class SessionStore:
    """Sessions in the SQLite file at path (":memory:" for one process)."""

    def __init__(self, path: str, max_anonymous: int = MAX_ANONYMOUS) -> None:
        self._path = path
        self._max_anonymous = max_anonymous
        self._local = threading.local()
        self._pruned = 0.0
        _owner_only(path)
        self._migrate()

    def _migrate(self) -> None:
        """Creates the table, or brings one of an earlier portal up to date.
        Every gunicorn worker runs this: the write lock makes it once."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY,"
                       " sealed BLOB, csrf TEXT NOT NULL,"
                       " lang TEXT NOT NULL DEFAULT '', identity TEXT NOT NULL DEFAULT '',"
                       " created REAL NOT NULL, seen REAL NOT NULL,"
                       " read_after INTEGER NOT NULL DEFAULT 0)")
            columns = [c[1] for c in db.execute("PRAGMA table_info(sessions)")]
            if "read_after" not in columns:
                db.execute("ALTER TABLE sessions ADD COLUMN read_after INTEGER NOT NULL"
                           " DEFAULT 0")
            if "token" in columns:
                # Tokens kept in clear by an earlier portal: those sessions are
                # signed out, their bytes overwritten rather than freed.
                db.execute("PRAGMA secure_delete = ON")
                db.execute("ALTER TABLE sessions ADD COLUMN sealed BLOB")
                db.execute("ALTER TABLE sessions DROP COLUMN token")
        if "token" in columns:
            db.execute("PRAGMA secure_delete = OFF")
            # Nor may the old pages linger in the write-ahead log.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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
            "DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE sealed IS NULL"
            " ORDER BY seen DESC LIMIT -1 OFFSET ?)", (self._max_anonymous,))

    def get(self, sid: Optional[str]) -> Optional[Dict[str, Any]]:
        """The live session of sid, its idle time renewed; None when there is none."""
        if not sid or len(sid) > 100:
            return None
        now = time.time()
        db = self._db()
        row = db.execute("SELECT sealed, csrf, lang, identity, created, seen, read_after"
                         " FROM sessions WHERE key = ?", (_key(sid),)).fetchone()
        if row is None:
            return None
        if now - row[5] > IDLE_SECONDS or now - row[4] > LIFETIME_SECONDS:
            self.delete(sid)
            return None
        db.execute("UPDATE sessions SET seen = ? WHERE key = ?", (now, _key(sid)))
        return {"token": _unseal(sid, row[0]), "csrf": row[1], "lang": row[2],
                "identity": row[3], "read_after": row[6]}

    def update(self, sid: str, **fields: str) -> None:
        """Sets the session's token ("": signed out), lang or identity."""
        for name, value in fields.items():
            column: str = name
            stored: Any = value
            if name == "token":
                column, stored = "sealed", _seal(sid, value) if value else None
            elif name not in ("lang", "identity"):
                raise KeyError(name)
            self._db().execute("UPDATE sessions SET %s = ? WHERE key = ?" % column,
                               (stored, _key(sid)))

    def wrote(self, sid: str, read_after: int) -> None:
        """Keeps the newest write time of the session's Liaison calls, so that the
        next page, on another connection (maybe to another server), reads them."""
        self._db().execute("UPDATE sessions SET read_after = max(read_after, ?) WHERE key = ?",
                           (read_after, _key(sid)))

    def rotate(self, sid: str) -> str:
        """A new id (and CSRF token) for the session of sid, as at login: an id
        seen before login is worth nothing after it. A token sealed under the
        old id would not open under the new one: it is dropped."""
        new = secrets.token_urlsafe(32)
        self._db().execute("UPDATE sessions SET key = ?, csrf = ?, sealed = NULL WHERE key = ?",
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
