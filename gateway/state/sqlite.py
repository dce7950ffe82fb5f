"""The SQLite store: one file that survives restarts, shared safely by processes on one machine.

WAL mode lets readers and one writer work at once; ``busy_timeout`` makes a
process wait briefly for another's write instead of failing. An atomic claim is
one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired`` (SQLite counts the row
only when it was written). Expired rows read as absent at once and are purged in
the background, never on a request's path. The schema is versioned: each
migration runs once, in order, inside a transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosqlite

from gateway.state.base import StateUnavailable, unavailable

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        expires_at REAL
    );
    CREATE INDEX kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
    """,
    # AUTOINCREMENT: an id is never reused, even after the newest entries were trimmed.
    """
    CREATE TABLE log_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        log TEXT NOT NULL,
        at REAL NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX log_entries_by_log ON log_entries (log, id);
    """,
)
PURGE_EVERY_S = 60.0
LOG_POLL_S = 0.05
"""How often a waiting ``read_after`` looks for another process's appends (this process's wake it at once)."""
ROWS_PER_STATEMENT = 300


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self._db: aiosqlite.Connection | None = None
        self._purger: asyncio.Task[None] | None = None
        self._appended = asyncio.Event()

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        """``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``."""
        path = unquote(urlsplit(url).path)
        if not path.startswith("/") or path == "/":
            raise ValueError(f"{url!r}: a SQLite state_url is sqlite:///PATH (a file path)")
        return cls(Path(path[1:]))

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(self.path, isolation_level=None)
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA busy_timeout=5000")
            await db.execute("PRAGMA synchronous=NORMAL")
            await _migrate(db)
        except (OSError, sqlite3.Error) as exc:
            raise StateUnavailable(f"state store {self.url} cannot be opened: {exc}") from None
        self._db = db
        self._purger = asyncio.create_task(self._purge_forever(), name="job-gateway-state-purge")

    async def aclose(self) -> None:
        if self._purger is not None:
            self._purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purger
        if self._db is not None:
            await self._db.close()
            self._db = None

    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StateUnavailable(f"state store {self.url} is not open")
        return self._db

    async def check(self) -> None:
        await self._run("SELECT 1", ())

    async def get(self, key: str) -> bytes | None:
        rows = await self._run(
            "SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)", (key, time.time())
        )
        return bytes(rows[0][0]) if rows else None

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        found: dict[str, bytes] = {}
        # SQLite bounds the number of parameters of one statement: ask in slices.
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = await self._run(
                f"SELECT key, value FROM kv WHERE key IN ({marks}) AND (expires_at IS NULL OR expires_at > ?)",
                (*part, time.time()),
            )
            found.update((str(row[0]), bytes(row[1])) for row in rows)
        return [found.get(key) for key in keys]

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        await self._run(
            "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            (key, value, _expiry(ttl_s)),
        )

    async def claim(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        rows = await self._run(
            "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at "
            "WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ? RETURNING 1",
            (key, value, _expiry(ttl_s), time.time()),
        )
        return bool(rows)

    async def delete(self, key: str) -> None:
        await self._run("DELETE FROM kv WHERE key = ?", (key,))

    async def hold(self, keys: Sequence[str], owner: bytes, *, ttl_s: float) -> list[bool]:
        held: set[str] = set()
        now = time.time()
        for start in range(0, len(keys), ROWS_PER_STATEMENT):
            part = list(dict.fromkeys(keys[start : start + ROWS_PER_STATEMENT]))
            values = ",".join(["(?, ?, ?)"] * len(part))
            params: list[object] = []
            for key in part:
                params += [key, owner, now + ttl_s]
            # One statement: a row counts (RETURNING) only where it was inserted or updated.
            rows = await self._run(
                f"INSERT INTO kv (key, value, expires_at) VALUES {values} "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at "
                "WHERE kv.value = excluded.value OR (kv.expires_at IS NOT NULL AND kv.expires_at <= ?) "
                "RETURNING key",
                (*params, now),
            )
            held.update(str(row[0]) for row in rows)
        return [key in held for key in keys]

    async def release(self, keys: Sequence[str], owner: bytes) -> None:
        for start in range(0, len(keys), ROWS_PER_STATEMENT):
            part = list(keys[start : start + ROWS_PER_STATEMENT])
            marks = ",".join("?" * len(part))
            await self._run(f"DELETE FROM kv WHERE key IN ({marks}) AND value = ?", (*part, owner))

    async def append(self, log: str, body: bytes) -> int:
        rows = await self._run(
            "INSERT INTO log_entries (log, at, body) VALUES (?, ?, ?) RETURNING id", (log, time.time(), body)
        )
        self._appended.set()
        return int(rows[0][0])

    async def read_after(self, log: str, after: int, *, limit: int, wait_s: float = 0.0) -> list[tuple[int, bytes]]:
        deadline = time.monotonic() + wait_s
        while True:
            # Cleared before the query: an append of ours after it wakes the wait below.
            self._appended.clear()
            rows = await self._run(
                "SELECT id, body FROM log_entries WHERE log = ? AND id > ? ORDER BY id LIMIT ?", (log, after, limit)
            )
            remaining = deadline - time.monotonic()
            if rows or remaining <= 0:
                return [(int(row[0]), bytes(row[1])) for row in rows]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(LOG_POLL_S, remaining)):
                    await self._appended.wait()

    async def trim(self, log: str, *, keep: int, max_age_s: float) -> None:
        await self._run(
            "DELETE FROM log_entries WHERE log = ? AND (at < ? OR id <= "
            "(SELECT id FROM log_entries WHERE log = ? ORDER BY id DESC LIMIT 1 OFFSET ?))",
            (log, time.time() - max_age_s, log, keep),
        )

    async def purge(self) -> int:
        """Remove expired rows now; how many went."""
        rows = await self._run(
            "DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING 1", (time.time(),)
        )
        return len(rows)

    async def _run(self, sql: str, params: tuple[object, ...]) -> list[sqlite3.Row]:
        try:
            # One trip to aiosqlite's thread per statement (execute, fetch and close together).
            return list(await self._conn().execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise unavailable(f"state store {self.url} failed: {exc}") from None

    async def _purge_forever(self) -> None:
        while True:
            await asyncio.sleep(PURGE_EVERY_S)
            with contextlib.suppress(StateUnavailable):
                await self.purge()


def _expiry(ttl_s: float | None) -> float | None:
    return None if ttl_s is None else time.time() + ttl_s


async def _migrate(db: aiosqlite.Connection) -> None:
    await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    async with db.execute("SELECT MAX(version) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row is not None and row[0] is not None else 0
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        # One transaction per migration: a crash half-way leaves the previous version intact.
        await db.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nINSERT INTO schema_version (version) VALUES ({version});\nCOMMIT;"
        )
