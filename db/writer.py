"""The write-behind logger: handlers submit records and return; one task writes them.

Guarantees, and how:

* Answers never wait for the database: `submit` only appends to a deque
  (or, past the memory bound, appends a line to the spool file).
* Nothing is lost while the database is away: failed batches stay queued and
  are retried with exponential backoff; past `max_queue` records go to a JSON
  lines spool file (fsync'd by the writer task) that is replayed, in order,
  when the database is back and on the next start. `stop()` spools whatever
  it could not write before its timeout.
* Order: everything in memory is older than everything in the spool, and
  while the spool is non-empty new records go to its end; so a feedback
  click is never written before its question.
* Exactly once: a batch is one transaction, removed from the queue (or the
  spool) only after commit. A batch replayed after an ambiguous failure
  cannot duplicate: question ids are primary keys and only new ids are
  inserted; feedback and user rows are idempotent upserts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import json
import logging
import os
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy.exc import DataError, IntegrityError, StatementError
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
    "new_question_id",
]

log = logging.getLogger("omtanke.db.writer")

# Non-transient failures of one batch before it is split to find the bad record.
PERMANENT_FAILURES_BEFORE_SPLIT: Final = 2
# While stopping, retry at least this often so a database that comes back is used.
STOPPING_MAX_BACKOFF: Final = 1.0


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


def _is_permanent(exc: BaseException) -> bool:
    """True if retrying cannot help (the data is bad); anything else is waited out."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    if isinstance(exc, StatementError) and isinstance(exc.orig, TypeError | ValueError):
        return True  # a bind processor refused a value (e.g. a naive datetime)
    return isinstance(exc, TypeError | ValueError | KeyError | AttributeError)


def _encode(records: Iterable[Record]) -> bytes:
    return b"".join(
        # ASCII escapes: any str survives the round trip, even a lone surrogate.
        json.dumps(to_json(r), separators=(",", ":")).encode("ascii") + b"\n"
        for r in records
    )


class _Spool:
    """An append-only JSON lines file with a read offset; emptied once fully replayed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending = 0  # complete records after the read offset
        self.corrupt = 0
        self._fd: int | None = None
        self._size = 0
        self._offset = 0
        self._dirty = False
        self._lock = threading.Lock()

    @property
    def replayed_bytes(self) -> int:
        """Bytes at the head of the file already written to the database."""
        return self._offset

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    @property
    def active(self) -> bool:
        """Records are waiting in the file (so new records must queue behind them)."""
        return self._size > self._offset

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
            # A crash tore the last line: end it so the next record starts clean (it is skipped).
            os.write(fd, b"\n")
            size += 1
        self._fd, self._size, self._offset = fd, size, 0
        self.pending = self._count_lines() if size else 0

    def _count_lines(self) -> int:
        with self.path.open("rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))

    def append(self, records: Sequence[Record]) -> None:
        self.open()
        assert self._fd is not None
        data = memoryview(_encode(records))
        while data:  # os.write may write less than asked
            n = os.write(self._fd, data)
            data = data[n:]
            self._size += n
        self.pending += len(records)
        self._dirty = True

    def needs_sync(self) -> bool:
        return self._dirty and self._fd is not None

    def sync(self) -> None:
        """fsync what was appended (safe from a worker thread: it only touches the fd)."""
        with self._lock:  # close() must not pull the fd from under a running fsync
            fd = self._fd
            if self._dirty and fd is not None:
                self._dirty = False
                os.fsync(fd)

    def read(self, max_records: int) -> tuple[list[Record], int, int]:
        """Up to `max_records` records from the offset: (records, new offset, lines read)."""
        records: list[Record] = []
        lines = 0
        with self.path.open("rb") as f:
            f.seek(self._offset)
            pos = self._offset
            while lines < max_records and pos < self._size:
                line = f.readline()
                if not line:
                    break
                pos += len(line)
                lines += 1
                try:
                    records.append(from_json(json.loads(line)))
                except (ValueError, TypeError, KeyError) as exc:
                    self.corrupt += 1
                    log.error("skipping unreadable spool line in %s: %s", self.path, exc)
        return records, pos, lines

    def advance(self, offset: int, lines: int) -> None:
        """Mark records up to `offset` as written; empty the file once all are."""
        self._offset = offset
        self.pending = max(0, self.pending - lines)
        if self._offset >= self._size and self._fd is not None:
            os.ftruncate(self._fd, 0)
            self._size = self._offset = self.pending = 0
            self._dirty = True

    def prepend(self, records: Sequence[Record]) -> None:
        """Rewrite the file as `records` + the unreplayed rest (they are older)."""
        self.open()
        tmp = self.path.with_name(self.path.name + ".tmp")
        with self.path.open("rb") as src, tmp.open("wb") as dst:
            os.chmod(tmp, 0o600)
            dst.write(_encode(records))
            src.seek(self._offset)
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)
        self._fsync_dir()
        with self._lock:
            assert self._fd is not None
            os.close(self._fd)
            self._fd = None
        self.open()

    def _fsync_dir(self) -> None:
        with contextlib.suppress(OSError):
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

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
    ) -> None:
        if max_queue < 1 or batch_size < 1:
            raise ValueError("max_queue and batch_size must be positive")
        self._sessionmaker = sessionmaker
        self._spool = _Spool(Path(spool_path))
        self._rejected_path = Path(str(spool_path) + ".rejected")
        self._max_queue = max_queue
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_backoff = max_backoff
        self._min_backoff = min_backoff
        self._write_timeout = write_timeout

        self._queue: deque[Record] = deque()
        self._wake = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._busy = False
        self._urgent = False

        self._written = 0
        self._replayed = 0
        self._spooled = 0
        self._retries = 0
        self._rejected = 0
        self._healthy = True
        self._last_error: str | None = None

    # --- producer side ---------------------------------------------------------

    def submit(self, record: Record) -> None:
        """Queue a record; never blocks on the database."""
        if self._stopped:
            # No writer any more: straight to disk, durably, for the next start
            # (closed again, so the next process can take the spool over).
            self._spool.append([record])
            self._spool.close()
            self._spooled += 1
            return
        if not self._spool.is_open:
            # A spool left by the last run must be seen before the first record is
            # queued: its records are older and have to be written first.
            self._spool.open()
        if self._spool.active or len(self._queue) >= self._max_queue:
            try:
                self._spool.append([record])
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

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (then spool, not cancel)
        """Write what is pending within `timeout` seconds, spool the rest, stop the task."""
        if self._stopped:
            return
        self._stop_requested.set()
        self._wake.set()
        task = self._task
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=timeout)
            if not done:
                task.cancel()
                # A cancelled database call normally unwinds at once; don't hang shutdown on it.
                await asyncio.wait({task}, timeout=2.0)
            elif not task.cancelled() and task.exception() is not None:
                log.error("log writer task failed", exc_info=task.exception())
        self._stopped = True
        leftover = list(self._queue)
        self._queue.clear()
        if leftover:
            # Older than anything in the spool, so it goes in front.
            self._spool.prepend(leftover)
            self._spooled += len(leftover)
            log.warning("spooled %d unwritten log records to %s", len(leftover), self._spool.path)
        elif self._spool.active and self._spool.replayed_bytes:
            self._spool.prepend([])  # drop the replayed head so a restart does not reread it
        if self._spool.active:
            log.warning(
                "%d log records wait in %s for the next start",
                self._spool.pending,
                self._spool.path,
            )
        self._spool.close()

    async def __aenter__(self) -> LogWriter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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
                self._busy = False
                await self._sleep(self._max_backoff)

    async def _loop(self) -> None:
        backoff = self._min_backoff
        permanent_failures = 0
        while True:
            await self._sync_spool()
            if not self._queue and not self._spool.active:
                self._urgent = False
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._gather()
            batch, spool_pos = self._next_batch()
            if spool_pos is not None and not batch:
                self._spool.advance(*spool_pos)  # only unreadable lines
                continue
            self._busy = True
            try:
                await self._write(batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._retries += 1
                self._note_failure(exc)
                permanent = _is_permanent(exc)
                permanent_failures = permanent_failures + 1 if permanent else 0
                if permanent_failures >= PERMANENT_FAILURES_BEFORE_SPLIT:
                    rejected = await self._write_one_by_one(batch)
                    if rejected is not None:
                        self._consume(batch, spool_pos, rejected)
                        permanent_failures = 0
                        backoff = self._min_backoff
                        continue
                await self._sleep(backoff)
                cap = STOPPING_MAX_BACKOFF if self._stopping else self._max_backoff
                backoff = min(backoff * 2, cap)
                continue
            finally:
                self._busy = False
            if not self._healthy:
                log.info("database writable again; writing %d queued records", len(self._queue))
            self._healthy, self._last_error = True, None
            self._consume(batch, spool_pos)
            backoff = self._min_backoff
            permanent_failures = 0

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

    def _next_batch(self) -> tuple[list[Record], tuple[int, int] | None]:
        """The oldest records: from memory first, then the spool (with where it ends)."""
        if self._queue:
            return list(itertools.islice(self._queue, self._batch_size)), None
        records, offset, lines = self._spool.read(self._batch_size)
        return records, (offset, lines)

    def _consume(
        self, batch: list[Record], spool_pos: tuple[int, int] | None, rejected: int = 0
    ) -> None:
        """Drop a committed batch from memory or the spool."""
        self._written += len(batch) - rejected
        if spool_pos is None:
            for _ in batch:
                self._queue.popleft()
        else:
            self._spool.advance(*spool_pos)
            self._replayed += len(batch) - rejected

    async def _write(self, batch: Sequence[Record]) -> None:
        async with asyncio.timeout(self._write_timeout):
            async with self._sessionmaker() as session, session.begin():
                await apply_records(session, batch)

    async def _write_one_by_one(self, batch: Sequence[Record]) -> int | None:
        """Write record by record, setting aside those the database refuses.

        Returns how many were refused, or None if the database became
        unreachable meanwhile (the batch is retried later; records already
        written are harmless to write again, see the module docstring).
        """
        rejected = 0
        for record in batch:
            try:
                await self._write([record])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not _is_permanent(exc):
                    self._note_failure(exc)
                    return None
                self._reject(record, exc)
                rejected += 1
        return rejected

    def _reject(self, record: Record, exc: BaseException) -> None:
        self._rejected += 1
        log.error("database rejected a log record (kept in %s): %s", self._rejected_path, exc)
        # Like the spool, it holds question texts: readable by the bot's user only.
        fd = os.open(self._rejected_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, _encode([record]))
            os.fsync(fd)
        finally:
            os.close(fd)

    def _note_failure(self, exc: BaseException) -> None:
        if self._healthy:
            log.warning(
                "log write failed, retrying with backoff (queue %d, spool %d): %s",
                len(self._queue),
                self._spool.pending,
                exc,
            )
        self._healthy = False
        self._last_error = f"{type(exc).__name__}: {exc}"[:500]

    async def _sleep(self, delay: float) -> None:
        """Back off for `delay` s, syncing the spool meanwhile; a stop request cuts it short."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        was_stopping = self._stopping
        while (remaining := deadline - loop.time()) > 0:
            await self._sync_spool()
            if self._stopping and not was_stopping:
                return  # one prompt attempt to flush on shutdown
            step = min(remaining, max(self._flush_interval, 0.05))
            if was_stopping:
                await asyncio.sleep(step)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(step):
                    await self._stop_requested.wait()

    async def _sync_spool(self) -> None:
        if self._spool.needs_sync():
            await asyncio.to_thread(self._spool.sync)
