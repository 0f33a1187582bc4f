"""The write-behind logger: handlers submit records and return; one task writes them.

Guarantees (README's "Guarantees" copies this list; the defaults are quoted):

* Answers never wait for the database: `submit` appends to a deque or writes
  one line to the spool file, and never raises for a bad record.
* A record survives a crash of the process (kill -9, an OOM kill, SIGKILL after
  a container's grace period) once it is committed or written to the spool file
  (`write(2)`: the kernel keeps it); it survives a power cut once it is committed
  or the spool is fsync'd. The spool is fsync'd by group commit every
  `sync_interval` (0.2 s) by a task of its own, whatever the database does.
* While the database is unavailable -- from a failed write until a write
  succeeds and the spool is replayed -- every record is written to the spool the
  moment it is submitted, and the records that were in memory are moved there at
  the first failure. A kill -9 during an outage loses nothing; a power cut loses
  at most the spool lines of the last `sync_interval`.
* While the database is up, a record waits in memory at most `flush_interval`
  (0.5 s) before its batch is written; a write still unfinished after
  `spill_after` (1 s) -- a hung or very slow database -- moves memory to the spool
  at the next group commit. So a kill -9 at any moment loses at most the records
  submitted during the last `flush_interval + spill_after + sync_interval`
  seconds (1.7 s) that were not committed yet, in practice the batch being written.
* A clean stop loses nothing and is bounded: `stop(timeout, deadline=...)` writes
  what it can until shortly before its deadline, then spools the rest and
  returns, whatever the database does. With the database down it returns after
  one failed attempt; with a write hung for `spill_after`, as soon as everything
  is on disk.
* Memory is bounded: past `max_queue` records, everything goes to the spool.
* One bad record never stops the log: a batch the database refuses for its data
  (SQLSTATE classes 22 and 23, SQLAlchemy DataError/IntegrityError, an encoding
  or type error) is split in halves until the refused record stands alone; that
  record is appended with the reason to `<spool>.rejected` (JSON lines, 0600)
  and the others are written. Connection errors, timeouts and anything not
  recognised as bad data are waited out with backoff and never reject a record.
  An unreadable spool line (torn by a crash) is set aside there as well.
* Order: records reach the database in submission order (a feedback click
  after its question): everything in memory is newer than everything in the
  spool, because memory is moved to the spool's end before a newer record is
  spooled, and the spool is written before memory.
* Exactly once: a batch is one transaction, dropped from memory (or the spool's
  read offset advanced) only after commit. Writing a record twice -- a batch
  replayed after an ambiguous failure, a spilled batch whose write then
  succeeded, a spool replayed again after a crash -- changes nothing: question
  ids are primary keys and only new ids are inserted; feedback and user rows are
  idempotent upserts; forgetting is idempotent and kept in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import itertools
import json
import logging
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repo
from db.records import (
    FeedbackLog,
    ForgetUser,
    QuestionLog,
    Record,
    UserSeen,
    from_json,
    new_question_id,
    to_json,
)

__all__ = [
    "FeedbackLog",
    "ForgetUser",
    "LogWriter",
    "QuestionLog",
    "Record",
    "UserSeen",
    "WriterStats",
    "apply_records",
    "is_permanent",
    "new_question_id",
]

log = logging.getLogger("omtanke.db.writer")

# While stopping, retry at least this often so a database that comes back is used.
STOPPING_MAX_BACKOFF: Final = 1.0
# stop() keeps this much of its time for spooling what is left and the last fsync.
STOP_RESERVE: Final = 0.25
# SQLSTATE classes that mean "this data can never be stored": data exception,
# integrity constraint violation. Everything else (08 connection, 53 resources,
# 57 operator intervention, 40 rollback, 42 a schema not migrated yet, ...) can pass.
PERMANENT_SQLSTATE_CLASSES: Final = frozenset({"22", "23"})


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counters for health checks and benchmarks."""

    written: int  # records committed (including those replayed from the spool)
    replayed: int  # of which came from the spool
    spooled: int  # records appended to the spool file
    retries: int  # failed batch attempts
    rejected: int  # records the database refused for good (kept in `<spool>.rejected`)
    queue_depth: int  # records waiting in memory
    spool_pending: int  # records in the spool not yet written
    healthy: bool  # the last attempt succeeded
    last_error: str | None
    spills: int = 0  # times memory was moved to the spool (outage, hung write, bound)
    syncs: int = 0  # group commits (fsyncs of the spool)


async def apply_records(session: AsyncSession, records: Sequence[Record]) -> None:
    """Apply records in order within the caller's transaction.

    Between two `ForgetUser` markers, users then questions then feedback are
    written in bulk; questions before feedback keeps every click behind its question.
    """
    users: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []

    async def flush() -> None:
        if users:
            await repo.touch_users(session, rows=users)
        if questions:
            await repo.add_questions(session, rows=questions)
        if feedback:
            await repo.set_feedbacks(session, rows=feedback)
        users.clear()
        questions.clear()
        feedback.clear()

    for r in records:
        if isinstance(r, QuestionLog):
            questions.append(r.row())
        elif isinstance(r, FeedbackLog):
            feedback.append(r.row())
        elif isinstance(r, UserSeen):
            users.append(r.row())
        else:
            await flush()
            await repo.forget_user(session, user_key=r.user_key)
    await flush()


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, the DB-API error SQLAlchemy wraps, and their causes (no cycles)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen or len(seen) > 10:
            continue
        seen.add(id(e))
        yield e
        orig = getattr(e, "orig", None)
        todo += [orig if isinstance(orig, BaseException) else None, e.__cause__]


def is_permanent(exc: BaseException) -> bool:
    """True if the data is bad and retrying cannot help; False for anything to wait out.

    asyncpg's data errors reach us as a bare `DBAPIError` whose `orig` carries
    the SQLSTATE (e.g. 22021 for U+0000), so the code decides before the type.
    """
    for e in _causes(exc):
        if isinstance(e, OSError | TimeoutError):
            return False  # connection refused or reset, a timeout, a full disk
        code = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(code, str) and len(code) == 5:
            return code[:2] in PERMANENT_SQLSTATE_CLASSES
        if isinstance(e, DataError | IntegrityError | sqlite3.DataError | sqlite3.IntegrityError):
            return True
        if isinstance(e, sqlite3.InterfaceError) and "binding" in str(e):
            return True  # a value of a type SQLite cannot bind
        if isinstance(e, UnicodeError | OverflowError | TypeError | KeyError | AttributeError):
            return True  # a value the driver or a bind processor cannot encode
        if isinstance(e, ValueError) and "connection" not in str(e).lower():
            return True  # (aiosqlite says "no active connection" with a ValueError)
    return False


def _json_default(value: Any) -> Any:
    # numpy scalars and the like: a number if it is one, else its text.
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _line(record: Record, **meta: Any) -> bytes:
    """One JSON line; ASCII escapes keep any str intact, even a lone surrogate."""
    data = to_json(record)
    data.update(meta)
    return json.dumps(data, separators=(",", ":"), default=_json_default).encode("ascii") + b"\n"


@dataclass(slots=True)
class _Batch:
    """Records to write in one transaction, and where they came from."""

    records: list[Record]
    # Spool only: after each record, (read offset, lines read), and the same after the read.
    ends: list[tuple[int, int]] = field(default_factory=list)
    end: tuple[int, int] | None = None

    @property
    def from_spool(self) -> bool:
        return self.end is not None


class _Spool:
    """An append-only JSON lines file with a read offset; emptied once fully replayed.

    The offset is kept in `<spool>.offset` when the writer stops, so a restart
    does not replay the written head again (after a crash it does: harmless).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset_path = path.with_name(path.name + ".offset")
        self.pending = 0  # complete records after the read offset
        self.corrupt = 0
        self._fd: int | None = None
        self._size = 0
        self._offset = 0
        self._dirty = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    @property
    def active(self) -> bool:
        """Records are waiting in the file (so new records must queue behind them)."""
        return self._size > self._offset

    @property
    def offset(self) -> int:
        return self._offset

    @property
    def size(self) -> int:
        return self._size

    def open(self) -> None:
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            # Two writers on one spool would replay each other's records out of order.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RuntimeError(f"spool {self.path} is in use by another log writer") from None
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # A crash tore the last line: end it so the next record starts clean (it is set aside).
            os.write(fd, b"\n")
            size += 1
        self._fd, self._size, self._offset = fd, size, self._saved_offset(fd, size)
        self.offset_path.unlink(missing_ok=True)
        if self._offset >= size:
            self._truncate()
        self.pending = self._count_lines() if self.active else 0

    def _saved_offset(self, fd: int, size: int) -> int:
        """The offset the last writer stopped at, if it is a line boundary in this file."""
        try:
            offset = int(self.offset_path.read_text().strip())
        except (OSError, ValueError):
            return 0
        if 0 < offset <= size and os.pread(fd, 1, offset - 1) == b"\n":
            return offset
        return 0

    def save_offset(self) -> None:
        """Remember how much is already written (at stop)."""
        if self._offset and self.active:
            tmp = self.offset_path.with_name(self.offset_path.name + ".tmp")
            tmp.write_text(f"{self._offset}\n")
            os.replace(tmp, self.offset_path)

    def _count_lines(self) -> int:
        with self.path.open("rb") as f:
            f.seek(self._offset)
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))

    def append(self, lines: Sequence[bytes]) -> None:
        """Write whole lines at the end, or nothing (a failed write is cut off again)."""
        self.open()
        assert self._fd is not None
        data = memoryview(b"".join(lines))
        start = self._size
        try:
            while data:  # os.write may write less than asked
                n = os.write(self._fd, data)
                data = data[n:]
                self._size += n
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, start)  # no torn line in front of later records
            self._size = start
            raise
        self.pending += len(lines)
        self._dirty = True

    def needs_sync(self) -> bool:
        return self._dirty and self._fd is not None

    def sync(self) -> bool:
        """fsync what was appended (safe from a worker thread: it only touches the fd)."""
        with self._lock:  # close() must not pull the fd from under a running fsync
            fd = self._fd
            if self._dirty and fd is not None:
                self._dirty = False
                os.fsync(fd)
                return True
        return False

    def read(self, max_records: int) -> tuple[_Batch, list[tuple[bytes, str]]]:
        """Up to `max_records` records from the offset, and the unreadable lines met."""
        batch = _Batch([])
        bad: list[tuple[bytes, str]] = []
        lines = 0
        with self.path.open("rb") as f:
            f.seek(self._offset)
            pos = self._offset
            while len(batch.records) < max_records and pos < self._size:
                line = f.readline()
                if not line:
                    break
                pos += len(line)
                lines += 1
                try:
                    batch.records.append(from_json(json.loads(line)))
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    self.corrupt += 1
                    bad.append((line, f"unreadable spool line: {type(exc).__name__}: {exc}"))
                else:
                    batch.ends.append((pos, lines))
        batch.end = (pos, lines)
        return batch, bad

    def advance(self, offset: int, lines: int) -> None:
        """Mark records up to `offset` as written; empty the file once all are."""
        self._offset = offset
        self.pending = max(0, self.pending - lines)
        if self._offset >= self._size and self._fd is not None:
            self._truncate()

    def _truncate(self) -> None:
        assert self._fd is not None
        os.ftruncate(self._fd, 0)
        self._size = self._offset = self.pending = 0
        self._dirty = True

    def close(self) -> None:
        if self._fd is None:
            return
        self.sync()
        with self._lock:
            os.close(self._fd)
            self._fd = None
        if self._size == 0:
            self.path.unlink(missing_ok=True)  # nothing pending: leave no file behind


class LogWriter:
    """Bounded write-behind queue with one writer task; see the module docstring.

    `submit` must be called from the event loop's thread. Call `start()` once
    the loop runs and `stop()` on shutdown (the bot's SIGTERM path).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        spool_path: Path,
        max_queue: int = 10_000,
        batch_size: int = 500,
        flush_interval: float = 0.5,
        max_backoff: float = 30.0,
        min_backoff: float = 0.1,
        write_timeout: float = 30.0,
        sync_interval: float = 0.2,
        spill_after: float = 1.0,
    ) -> None:
        if max_queue < 1 or batch_size < 1:
            raise ValueError("max_queue and batch_size must be positive")
        if sync_interval <= 0 or spill_after <= 0:
            raise ValueError("sync_interval and spill_after must be positive")
        self._sessionmaker = sessionmaker
        self._spool = _Spool(Path(spool_path))
        self.rejected_path = Path(str(spool_path) + ".rejected")
        self._max_queue = max_queue
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_backoff = max_backoff
        self._min_backoff = min_backoff
        self._write_timeout = write_timeout
        self._sync_interval = sync_interval
        self._spill_after = spill_after

        # Invariant: everything in memory is newer than everything in the spool,
        # and the spool is written first.
        self._queue: deque[Record] = deque()
        self._wake = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._stopped = False
        self._busy = False
        self._urgent = False
        # The memory batch being written: its size, when its write began, and,
        # once spilled, where its lines start in the spool and their lengths.
        self._inflight = 0
        self._write_started: float | None = None
        self._spilled_head: tuple[int, list[int]] | None = None
        self._spill_failing = False

        self._written = 0
        self._replayed = 0
        self._spooled = 0
        self._retries = 0
        self._rejected = 0
        self._spills = 0
        self._syncs = 0
        self._healthy = True
        self._last_error: str | None = None

    # --- producer side ---------------------------------------------------------

    def submit(self, record: Record) -> None:
        """Queue a record; never blocks on the database, never raises for a bad record."""
        try:
            line = _line(record)
        except (TypeError, ValueError) as exc:
            self._reject_line(repr(record), f"cannot serialise: {type(exc).__name__}: {exc}")
            return
        if self._stopped:
            # No writer any more: straight to disk for the next start (closed again,
            # durably, so the next process can take the spool over).
            try:
                self._spool.append([line])
                self._spool.close()
                self._spooled += 1
            except OSError as exc:
                log.error("log record lost after stop: cannot spool it: %s", exc)
            return
        if not self._spool.is_open:
            # A spool left by the last run must be seen before the first record is
            # queued: its records are older and have to be written first.
            try:
                self._spool.open()
            except OSError as exc:
                log.error("cannot open the spool %s: %s", self._spool.path, exc)
        if self._spool.active or not self._healthy or len(self._queue) >= self._max_queue:
            if self._queue:
                self._spill()  # older records first: the file stays in order
            if not self._queue:
                try:
                    self._spool.append([line])
                except OSError as exc:
                    # Disk full or gone: memory past the bound beats losing the record
                    # (and raising into a handler that is busy answering someone).
                    log.error("cannot spool a log record, keeping it in memory: %s", exc)
                else:
                    self._spooled += 1
                    self._wake.set()
                    return
        self._queue.append(record)
        if len(self._queue) == 1 or len(self._queue) >= self._batch_size:
            self._wake.set()

    def stats(self) -> WriterStats:
        """Current counters."""
        return WriterStats(
            written=self._written,
            replayed=self._replayed,
            spooled=self._spooled,
            retries=self._retries,
            rejected=self._rejected,
            queue_depth=len(self._queue),
            spool_pending=self._spool.pending,
            healthy=self._healthy,
            last_error=self._last_error,
            spills=self._spills,
            syncs=self._syncs,
        )

    @property
    def idle(self) -> bool:
        """Nothing queued, spooled or being written."""
        return not self._queue and not self._spool.active and not self._busy

    # --- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        """Open the spool (replaying a previous run's records first) and start writing."""
        if self._task is not None or self._stopped:
            raise RuntimeError("LogWriter can be started once")
        self._spool.open()
        if self._spool.active:
            log.info(
                "replaying %d spooled log records from %s", self._spool.pending, self._spool.path
            )
        self._task = asyncio.create_task(self._run(), name="omtanke-log-writer")
        self._ticker = asyncio.create_task(self._tick(), name="omtanke-log-spool-sync")

    async def flush(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 (a deadline, not a cancel scope)
        """Wait until everything submitted so far is written; False on timeout."""
        self._urgent = True  # don't wait for a batch to fill up
        self._wake.set()
        try:
            async with asyncio.timeout(timeout):
                while not self.idle:
                    if self._task is None or self._task.done():
                        return False
                    await asyncio.sleep(0.01)
        except TimeoutError:
            return False
        return True

    async def stop(self, timeout: float = 10.0, *, deadline: float | None = None) -> None:  # noqa: ASYNC109 (then spool, not cancel)
        """Write what is pending, spool the rest; return within `timeout` s or by `deadline`.

        `deadline` is an instant on the event loop's clock (`loop.time()`, i.e.
        `time.monotonic()`), for a shutdown that shares one deadline among its
        parts; the earlier of the two applies. If the database is down (or a
        write hangs), this returns as soon as everything is spooled.
        """
        if self._stopped:
            return
        loop = asyncio.get_running_loop()
        end = loop.time() + max(0.0, timeout)
        if deadline is not None:
            end = min(end, deadline)
        self._stop_requested.set()
        self._wake.set()
        task = self._task
        if task is not None:
            done: set[asyncio.Task[None]] = set()
            while not done and (budget := end - STOP_RESERVE - loop.time()) > 0:
                done, _ = await asyncio.wait({task}, timeout=min(budget, 0.05))
                if not done and self._hung() and not self._queue:
                    break  # everything is on disk; waiting on a hung database gains nothing
            if not done:
                task.cancel()
                # A cancelled database call normally unwinds at once; don't hang shutdown on it.
                rest = end - STOP_RESERVE / 2 - loop.time()
                await asyncio.wait({task}, timeout=max(0.0, rest))
            elif not task.cancelled() and task.exception() is not None:
                log.error("log writer task failed", exc_info=task.exception())
        if self._ticker is not None:
            self._ticker.cancel()
        # From here on the writer task, even if it still hangs in a call, changes nothing.
        self._stopped = True
        self._spilled_head, self._inflight = None, 0
        if self._queue:
            self._spill()
            if self._queue:
                log.error("%d log records could not be spooled and are lost", len(self._queue))
        if self._spool.is_open:
            await self._final_sync(end - loop.time())

    def _hung(self) -> bool:
        """A write has been in flight for `spill_after` seconds or more."""
        started = self._write_started
        return started is not None and (
            asyncio.get_running_loop().time() - started >= self._spill_after
        )

    async def _final_sync(self, remaining: float) -> None:
        """Save the read offset, fsync and close the spool; give up waiting at the deadline."""
        if self._spool.active:
            with contextlib.suppress(OSError):
                self._spool.save_offset()
            log.warning(
                "%d log records wait in %s for the next start",
                self._spool.pending,
                self._spool.path,
            )
        sync = asyncio.create_task(asyncio.to_thread(self._spool.sync))
        done, _ = await asyncio.wait({sync}, timeout=max(0.05, remaining))
        if not done:
            log.error("the spool's last fsync did not finish by the deadline; leaving it open")
            return
        if sync.exception() is not None:
            log.error("cannot fsync the spool %s: %s", self._spool.path, sync.exception())
        with contextlib.suppress(OSError):
            self._spool.close()

    async def __aenter__(self) -> LogWriter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- moving memory to disk ---------------------------------------------------

    def _spill(self) -> None:
        """Append everything in memory to the spool (it is newer than the spool's records)."""
        if not self._queue:
            return
        try:
            lines = [_line(r) for r in self._queue]
        except (TypeError, ValueError):  # submit() encoded each one already
            log.exception("cannot encode a queued log record")
            return
        base = self._spool.size
        try:
            self._spool.append(lines)
        except OSError as exc:
            if not self._spill_failing:
                log.error(
                    "cannot spool %d log records, keeping them in memory: %s", len(lines), exc
                )
            self._spill_failing = True
            return
        self._spill_failing = False
        if self._inflight:
            # Being written right now: if that write commits, the writer skips these lines.
            self._spilled_head = (base, [len(x) for x in lines[: self._inflight]])
        self._spooled += len(lines)
        self._spills += 1
        self._queue.clear()
        self._wake.set()

    async def _tick(self) -> None:
        """Group commit: fsync the spool every `sync_interval`; spill past `spill_after`."""
        failing = False
        while True:
            await asyncio.sleep(self._sync_interval)
            if self._queue and (self._hung() or not self._healthy):
                self._spill()
            try:
                if self._spool.needs_sync() and await asyncio.to_thread(self._spool.sync):
                    self._syncs += 1
                failing = False
            except OSError as exc:
                if not failing:
                    log.error("cannot fsync the spool %s: %s", self._spool.path, exc)
                failing = True

    # --- the writer task -----------------------------------------------------------

    @property
    def _stopping(self) -> bool:
        return self._stop_requested.is_set()

    async def _run(self) -> None:
        """Supervise the loop: an unexpected error (e.g. spool I/O) must not end logging."""
        while True:
            try:
                await self._loop()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("log writer loop failed; restarting it")
                self._busy, self._inflight, self._write_started = False, 0, None
                if self._stopping:
                    return
                await self._sleep(self._max_backoff)

    async def _loop(self) -> None:
        backoff = self._min_backoff
        while True:
            if not self._queue and not self._spool.active:
                self._urgent = False
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._gather()
            batch = self._next_batch()
            if not batch.records:
                self._consume(batch, 0)  # only unreadable lines
                continue
            loop = asyncio.get_running_loop()
            self._busy, self._write_started = True, loop.time()
            rejected_before = self._rejected
            try:
                done, error = await self._write_isolating(batch.records)
            finally:
                self._busy, self._write_started = False, None
            self._consume(batch, done, rejected=self._rejected - rejected_before)
            if error is None:
                if not self._healthy:
                    log.info("database writable again")
                self._healthy, self._last_error = True, None
                backoff = self._min_backoff
                continue
            self._note_failure(error)
            self._spill()  # from now until a write succeeds, records go to disk at once
            if self._stopping:
                return  # everything is on disk; don't spend the shutdown deadline waiting
            await self._sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _gather(self) -> None:
        """Let a small batch fill up for up to `flush_interval` (fewer, larger inserts)."""
        if self._urgent or self._stopping or self._spool.active:
            return
        if len(self._queue) >= self._batch_size:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._flush_interval
        while len(self._queue) < self._batch_size and not (self._stopping or self._urgent):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._wake.wait()
            if self._spool.active:
                return  # memory was spilled meanwhile

    def _next_batch(self) -> _Batch:
        """The oldest records: from the spool first, then memory."""
        if self._spool.active:
            batch, bad = self._spool.read(self._batch_size)
            for line, reason in bad:
                self._reject_line(line.decode("utf-8", "backslashreplace").rstrip("\n"), reason)
            return batch
        records = list(itertools.islice(self._queue, self._batch_size))
        self._inflight, self._spilled_head = len(records), None
        return _Batch(records)

    def _consume(self, batch: _Batch, done: int, rejected: int = 0) -> None:
        """Drop the first `done` records of a batch (committed, or `rejected` of them set aside)."""
        inflight, self._inflight = self._inflight, 0
        spilled, self._spilled_head = self._spilled_head, None
        if self._stopped:
            return  # stop() has spooled everything; a late commit only means a harmless replay
        self._written += done - rejected
        if batch.end is not None:
            self._replayed += done - rejected
            if done == len(batch.records):  # (none: only unreadable lines)
                self._spool.advance(*batch.end)
            elif done:
                self._spool.advance(*batch.ends[done - 1])
        elif spilled is not None:
            # Spilled while being written: the committed ones are the spool's head.
            base, lengths = spilled
            if done and self._spool.offset == base:
                self._spool.advance(base + sum(lengths[:done]), done)
        else:
            assert done <= inflight
            for _ in range(done):
                self._queue.popleft()

    async def _write(self, batch: Sequence[Record]) -> None:
        async with asyncio.timeout(self._write_timeout):
            async with self._sessionmaker() as session, session.begin():
                await apply_records(session, batch)

    async def _write_isolating(self, records: Sequence[Record]) -> tuple[int, BaseException | None]:
        """Write `records` in order, setting aside each one the database refuses.

        A refused batch is split in halves, recursively, so one bad record costs
        about 2·log2(batch) small transactions. Returns how many records from the
        start are done (written or set aside) and the error that stopped it, if
        the database became unavailable; records written before that are
        harmless to write again (see the module docstring).
        """
        try:
            await self._write(records)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._retries += 1
            if not is_permanent(exc):
                return 0, exc
            if len(records) == 1:
                self._reject(records[0], exc)
                return 1, None
            mid = len(records) // 2
            left, error = await self._write_isolating(records[:mid])
            if error is not None:
                return left, error
            right, error = await self._write_isolating(records[mid:])
            return mid + right, error
        return len(records), None

    def _reject(self, record: Record, exc: BaseException) -> None:
        # The first line only: SQLAlchemy appends the statement and its parameters
        # (the user's text), which stay out of the log; the record itself is in the file.
        reason = f"{type(exc).__name__}: {exc}".split("\n[SQL:", 1)[0][:1000]
        self._rejected += 1
        log.error("database refused a log record (set aside in %s): %s", self.rejected_path, reason)
        self._append_rejected(_line(record, reason=reason, rejected_at=_now()))

    def _reject_line(self, raw: str, reason: str) -> None:
        self._rejected += 1
        log.error("log record set aside in %s: %s", self.rejected_path, reason)
        data = {"t": "raw", "line": raw, "reason": reason, "rejected_at": _now()}
        self._append_rejected(json.dumps(data, separators=(",", ":")).encode("ascii") + b"\n")

    def _append_rejected(self, line: bytes) -> None:
        # Like the spool, it holds question texts: readable by the bot's user only.
        try:
            self.rejected_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.rejected_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            log.error("cannot write %s: %s", self.rejected_path, exc)

    def _note_failure(self, exc: BaseException) -> None:
        if self._healthy:
            log.warning(
                "log write failed, spooling and retrying with backoff (spool %d): %s",
                self._spool.pending,
                exc,
            )
        self._healthy = False
        self._last_error = f"{type(exc).__name__}: {exc}"[:500]

    async def _sleep(self, delay: float) -> None:
        """Back off for `delay` s; a stop request cuts it short."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._stop_requested.wait()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
