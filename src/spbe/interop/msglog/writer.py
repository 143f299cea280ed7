"""Group commit: records handed in while one batch is being written and fsynced form the next batch,
so one ``fdatasync`` covers many requests. ``append`` returns only once its record is on disk.

Batches are strictly sequential. The event loop chains and signs a batch (a few µs per record, one
signature per batch); the writer thread only writes and ``fdatasync``s it, so it holds the GIL for as
little as possible and hands control back to the loop quickly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import logging
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from spbe.interop.msglog.anchors import Anchor
from spbe.interop.msglog.format import (
    GENESIS,
    SegmentHeader,
    chain,
    end_line,
    record_line,
    segment_name,
    signature_line,
    signed_message,
)
from spbe.interop.msglog.signing import SignerHolder

LOCK_NAME = "LOCK"
logger = logging.getLogger("spbe.interop.msglog")
AnchorSink = Callable[[Anchor], None]


def new_stream_id(node_id: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{node_id}-{socket.gethostname()}-{os.getpid()}-{stamp}"


class _SegmentFile:
    """The open segment of a stream and the chain head (writer thread only)."""

    def __init__(self, directory: Path, stream: str, signer: SignerHolder, max_bytes: int) -> None:
        self.directory, self.stream, self.signer, self.max_bytes = directory, stream, signer, max_bytes
        self.number, self.seq, self.head, self.fd, self.size = 0, 0, GENESIS, -1, 0
        self.opened_at, self.seq_at_open, self.max_seconds = 0.0, 0, 0.0
        # (segment, seq, head) of what is on disk; replaced as one tuple, so other threads read it whole
        self.durable: tuple[int, int, str] = (0, 0, GENESIS)

    def open_next(self) -> None:
        self.number += 1
        header = SegmentHeader(
            self.stream,
            self.number,
            self.head,
            dt.datetime.now(dt.UTC).isoformat(),
            self.signer.current.key_id,
            self.seq,
        )
        path = self.directory / segment_name(self.number)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
        self.head = header.start_hash()
        self.size = self._write(header.line())
        os.fdatasync(self.fd)
        _fsync_dir(self.directory)
        self.opened_at, self.seq_at_open = time.monotonic(), self.seq
        self.durable = (self.number, self.seq, self.head)

    def _write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        return len(data)

    def prepare(self, payloads: list[bytes]) -> tuple[bytes, str, int]:
        """Chain and sign one batch (event loop): its bytes, the new chain head and its last sequence number."""
        lines = []
        head, seq = self.head, self.seq
        for payload in payloads:
            head = chain(head, payload)
            seq += 1
            lines.append(record_line(head, payload))
        signer = self.signer.current
        signature = signer.sign(signed_message(self.stream, self.number, seq, head))
        lines.append(signature_line(seq, head, signer.key_id, signature))
        return b"".join(lines), head, seq

    def commit(self, data: bytes, head: str, seq: int) -> None:
        """Durably write a prepared batch (writer thread); the chain advances only once it is written."""
        self._write(data)
        self.size += len(data)
        self.head, self.seq = head, seq
        os.fdatasync(self.fd)
        self.durable = (self.number, seq, head)
        if self.size >= self.max_bytes or self._too_old():
            self.rotate()

    def _too_old(self) -> bool:
        return self.max_seconds > 0 and time.monotonic() - self.opened_at >= self.max_seconds

    def rotate_if_old(self) -> None:
        """Close a quiet segment that is older than ``max_seconds`` (so it can be exported)."""
        if self.fd >= 0 and self._too_old() and self.seq > self.seq_at_open:
            self.rotate()

    def rotate(self) -> None:
        self.close()
        self.open_next()

    def close(self) -> None:
        if self.fd >= 0:
            self._write(end_line(self.head))
            os.fdatasync(self.fd)
            os.close(self.fd)
            self.fd = -1


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MessageLogWriter:
    """One stream of the message log, written by group commit. Use ``start``/``append``/``close``."""

    def __init__(
        self,
        log_dir: Path,
        stream: str,
        signer: SignerHolder,
        *,
        segment_bytes: int = 64 << 20,
        segment_seconds: float = 0.0,
        anchor: AnchorSink | None = None,
        anchor_seconds: float = 2.0,
    ) -> None:
        """``segment_seconds`` > 0 also closes a segment by age (so a quiet node's records become
        exportable); ``anchor`` receives the durable position every ``anchor_seconds`` and at close
        (``anchors.py``), in a worker thread, never on the request path."""
        self.stream_dir = log_dir / stream
        self.stream = stream
        self._segment = _SegmentFile(self.stream_dir, stream, signer, segment_bytes)
        self._segment.max_seconds = segment_seconds
        self._pending: list[tuple[bytes, asyncio.Future[int]]] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="msglog")
        self._lock_fd = -1
        self._anchor_sink, self._anchor_seconds = anchor, anchor_seconds
        self._anchor_task: asyncio.Task[None] | None = None
        self._anchored: tuple[int, int, str] | None = None
        self._rotate_due = False
        self.batches = 0
        self.records = 0

    async def start(self) -> None:
        self.stream_dir.mkdir(parents=True, exist_ok=False)
        self._lock_fd = os.open(self.stream_dir / LOCK_NAME, os.O_WRONLY | os.O_CREAT, 0o640)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while this stream is live
        await asyncio.get_running_loop().run_in_executor(self._executor, self._segment.open_next)
        self._wakeup = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"msglog-{self.stream}")
        if self._anchor_sink is not None or self._segment.max_seconds > 0:
            await self._anchor(closed=False)
            self._anchor_task = asyncio.create_task(self._tick(), name=f"msglog-anchor-{self.stream}")

    async def _tick(self) -> None:
        """Every few seconds: anchor the durable position; ask ``_run`` to close a segment that is too old."""
        interval = self._anchor_seconds
        if self._segment.max_seconds > 0:
            interval = min(interval, max(self._segment.max_seconds / 4, 0.05))
        while True:
            await asyncio.sleep(interval)
            if self._segment._too_old() and self._wakeup is not None:
                self._rotate_due = True
                self._wakeup.set()
            await self._anchor(closed=False)

    async def _anchor(self, *, closed: bool) -> None:
        position = self._segment.durable
        if self._anchor_sink is None or (position == self._anchored and not closed):
            return
        number, seq, head = position
        signer = self._segment.signer.current
        signature = signer.sign(signed_message(self.stream, number, seq, head))
        anchor = Anchor(self.stream, number, seq, head, signer.key_id, signature, closed)
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._anchor_sink, anchor)
        except Exception:  # the database may be briefly away: logging goes on, the next tick retries
            logger.warning("could not anchor message-log stream %s", self.stream, exc_info=True)
            return
        self._anchored = position

    async def append(self, payload: bytes) -> int:
        """Queue one record (JSON bytes, no newline); return its sequence number once it is durable."""
        if self._wakeup is None:
            raise RuntimeError("message log not started")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((payload, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if self._rotate_due:  # here, between batches, so a rotation never races a batch
                self._rotate_due = False
                await self._rotate_if_old(loop)
            batch, self._pending = self._pending, []
            if not batch:
                continue
            try:
                last = await self._write(loop, [p for p, _ in batch])
            except Exception as exc:  # disk full, I/O error: every caller in the batch gets a 500
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.batches += 1
            self.records += len(batch)
            first = last - len(batch) + 1
            for index, (_, future) in enumerate(batch):
                if not future.done():
                    future.set_result(first + index)

    async def _rotate_if_old(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            await loop.run_in_executor(self._executor, self._segment.rotate_if_old)
        except Exception:
            logger.exception("could not rotate message-log segment of %s", self.stream)

    async def _write(self, loop: asyncio.AbstractEventLoop, payloads: list[bytes]) -> int:
        data, head, last = self._segment.prepare(payloads)
        await loop.run_in_executor(self._executor, self._segment.commit, data, head, last)
        return last

    async def close(self) -> None:
        if self._anchor_task is not None:
            self._anchor_task.cancel()
            await asyncio.gather(self._anchor_task, return_exceptions=True)
            self._anchor_task = None
        if self._task is not None:
            while self._pending:
                await asyncio.sleep(0.005)
            self._task.cancel()
            self._task = None
        await asyncio.get_running_loop().run_in_executor(self._executor, self._segment.close)
        await self._anchor(closed=True)
        self._executor.shutdown(wait=True)
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1
