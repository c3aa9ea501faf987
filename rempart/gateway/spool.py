"""The durable spool: a message the filter accepted survives a crash until the next hop has it.

Layout under the spool directory::

    tmp/      entries being written (left-overs are deleted at start: they were never acknowledged)
    queue/    accepted entries, one file per entry, named by its key; fsync'd with the directory
              before the filter answers 250 (entries written together share the directory fsync)
    done/     append-only logs (one per hour) of the keys handed on (delivered or quarantined);
              kept for the dedup window, then deleted
    failed/   entries the next hop refused permanently, with the reason beside them (never deleted)

Exactly once: an entry's key names the message (Message-ID and SHA-256 of the bytes received)
*and* its envelope, so a Postfix retry of a transaction the filter had already accepted (the
filter died between fsync and 250) is recognised and acknowledged without a second delivery,
while the same message sent to another batch of recipients is a new entry. After the next hop
answers 250, the key is appended to the done log *before* the queue file is removed; a queue file
whose key is in the log at start was delivered and is removed. The one window left — the
filter dies after the next hop's 250 and before the log append (microseconds) — re-delivers the
same bytes, which carry the same Message-ID and ``X-Rempart-Id`` (this key), so the mailbox can drop
the copy (docs/gateway.md: a Sieve ``duplicate`` test).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rempart.gateway.headers import first_value

MAGIC = b"RSPOOL1\n"
_HOUR = 3600


def message_key(raw: bytes, mail_from: str, rcpt_to: Sequence[str]) -> str:
    """The identity of one accepted transaction: Message-ID, digest of the bytes, envelope."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = first_value(raw, "message-id").decode("ascii", "replace")
    envelope = "\0".join([mail_from.lower(), *sorted(r.lower() for r in rcpt_to)])
    return hashlib.sha256(f"{message_id}\n{digest}\n{envelope}".encode("utf-8", "replace")).hexdigest()


def derived_key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SpoolEntry:
    key: str
    action: str  # "deliver" (content goes to the next hop) | "quarantine" (content goes to the store)
    mail_from: str
    rcpt_to: tuple[str, ...]
    content: bytes
    mail_options: tuple[str, ...] = ()  # BODY=8BITMIME, SMTPUTF8 as the sender asked
    meta: dict[str, Any] = field(default_factory=dict)  # quarantine: the case document
    accepted_at: float = 0.0

    def encode(self) -> bytes:
        header = {
            "key": self.key,
            "action": self.action,
            "mail_from": self.mail_from,
            "rcpt_to": list(self.rcpt_to),
            "mail_options": list(self.mail_options),
            "meta": self.meta,
            "accepted_at": self.accepted_at,
        }
        return MAGIC + json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n" + self.content

    @classmethod
    def decode(cls, data: bytes) -> SpoolEntry:
        if not data.startswith(MAGIC):
            raise ValueError("not a spool entry")
        line_end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC):line_end])
        return cls(
            key=str(header["key"]),
            action=str(header["action"]),
            mail_from=str(header["mail_from"]),
            rcpt_to=tuple(header["rcpt_to"]),
            content=data[line_end + 1:],
            mail_options=tuple(header.get("mail_options", ())),
            meta=dict(header.get("meta") or {}),
            accepted_at=float(header.get("accepted_at", 0.0)),
        )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """Thread-safe: entries are written from a thread pool while the event loop checks keys."""

    def __init__(self, root: Path, *, dedup_window_hours: int = 144) -> None:
        self.root = root
        self.window = dedup_window_hours * _HOUR
        self.tmp, self.queue, self.done_dir, self.failed = (root / n for n in ("tmp", "queue", "done", "failed"))
        self._lock = threading.Lock()
        self._queued: set[str] = set()
        self._done: dict[str, set[str]] = {}  # hour log name -> keys
        self._done_keys: set[str] = set()
        self._counter = 0
        self._log: tuple[str, Any] | None = None  # (hour, open done log)
        # Group commit of the queue directory: renames take a ticket; one fsync of the directory makes
        # every rename ticketed before it started durable (see ``_commit_rename``).
        self._dir_sync = threading.Condition(threading.Lock())
        self._renamed = 0  # tickets given
        self._synced = 0  # every ticket up to this one is durable
        self._syncing = False
        self.puts = 0
        self.dir_syncs = 0

    # -- start ------------------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Prepare the directories after a start or a crash; return the keys still to hand on, oldest first."""
        for d in (self.tmp, self.queue, self.done_dir, self.failed):
            d.mkdir(parents=True, exist_ok=True)
        for leftover in self.tmp.iterdir():
            leftover.unlink(missing_ok=True)  # never acknowledged: the sender still has it
        self._load_done()
        pending: list[tuple[float, str]] = []
        for entry in self.queue.iterdir():
            key = entry.name
            if key in self._done_keys:
                entry.unlink(missing_ok=True)  # handed on just before the crash
                continue
            try:
                pending.append((entry.stat().st_mtime, key))
            except FileNotFoundError:
                continue
        _fsync_dir(self.queue)
        with self._lock:
            self._queued = {k for _, k in pending}
        return [k for _, k in sorted(pending)]

    def _load_done(self) -> None:
        cutoff = self._hour_name(time.time() - self.window)
        done: dict[str, set[str]] = {}
        for log in sorted(self.done_dir.glob("*.log")):
            if log.stem < cutoff:
                log.unlink(missing_ok=True)
                continue
            keys = {line for line in log.read_text("ascii", "replace").split("\n") if len(line) == 64}
            done[log.stem] = keys
        with self._lock:
            self._done = done
            self._done_keys = set().union(*done.values()) if done else set()

    @staticmethod
    def _hour_name(when: float) -> str:
        return time.strftime("%Y%m%d%H", time.gmtime(when))

    # -- keys -------------------------------------------------------------------------------------

    def seen(self, key: str) -> bool:
        """True when ``key`` is queued or was handed on within the dedup window."""
        with self._lock:
            return key in self._queued or key in self._done_keys

    def queued_count(self) -> int:
        with self._lock:
            return len(self._queued)

    # -- entries ----------------------------------------------------------------------------------

    def put(self, entry: SpoolEntry) -> None:
        """Write ``entry`` durably (its file fsync'd, then the directory: shared with the entries written
        at the same time, see ``_commit_rename``). Raises OSError when the disk refuses."""
        with self._lock:
            self._counter += 1
            name = f"{entry.key}.{os.getpid()}.{self._counter}"
        tmp = self.tmp / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            data = entry.encode()
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        os.rename(tmp, self.queue / entry.key)
        self._commit_rename()
        with self._lock:
            self._queued.add(entry.key)
            self.puts += 1

    def _commit_rename(self) -> None:
        """Return once the rename just done is durable: the queue directory fsync'd after it.

        Group commit: entries written at the same time (one per spool thread) share directory fsyncs.
        The first caller fsyncs the directory for every rename ticketed so far; callers arriving during
        that fsync wait for it, then one of them fsyncs for all of them. Nobody returns before an fsync
        that *started after* its rename has completed. A failed fsync raises in its caller; the waiters
        try again themselves.
        """
        with self._dir_sync:
            self._renamed += 1
            ticket = self._renamed
            while self._synced < ticket:
                if self._syncing:
                    self._dir_sync.wait()
                    continue
                self._syncing = True
                upto = self._renamed
                self._dir_sync.release()
                synced = False
                try:
                    _fsync_dir(self.queue)
                    synced = True
                finally:
                    self._dir_sync.acquire()
                    self._syncing = False
                    if synced:
                        self._synced = max(self._synced, upto)
                        self.dir_syncs += 1
                    self._dir_sync.notify_all()

    def load(self, key: str) -> SpoolEntry:
        return SpoolEntry.decode((self.queue / key).read_bytes())

    def mark_done(self, key: str, *, remove: bool = True) -> None:
        """``key`` was handed on: log it, then drop its queue file (in that order, see the module doc).

        With ``remove=False`` the queue file is left for ``remove`` (the event loop logs at once and
        leaves the unlink, which can wait milliseconds on the file system journal, to a thread)."""
        hour = self._hour_name(time.time())
        with self._lock:
            if self._log is None or self._log[0] != hour:
                if self._log is not None:
                    self._log[1].close()
                self._log = (hour, open(self.done_dir / f"{hour}.log", "ab", buffering=0))  # noqa: SIM115
            self._log[1].write(key.encode("ascii") + b"\n")  # one write(2): in the kernel before unlink
            self._done.setdefault(hour, set()).add(key)
            self._done_keys.add(key)
            self._queued.discard(key)
        if remove:
            self.remove(key)

    def remove(self, key: str) -> None:
        """Drop the queue file of a key already logged as handed on."""
        (self.queue / key).unlink(missing_ok=True)

    def mark_failed(self, key: str, reason: str) -> None:
        """Keep a refused entry aside with its reason; an operator re-queues it by moving it back."""
        with contextlib.suppress(FileNotFoundError):
            os.rename(self.queue / key, self.failed / key)
        (self.failed / f"{key}.reason").write_text(reason + "\n", encoding="utf-8")
        self.mark_done(key)

    def close(self) -> None:
        with self._lock:
            if self._log is not None:
                self._log[1].close()
                self._log = None

    def prune(self) -> None:
        """Forget keys older than the dedup window (called now and then)."""
        cutoff = self._hour_name(time.time() - self.window)
        with self._lock:
            old = [h for h in self._done if h < cutoff]
            for h in old:
                self._done_keys -= self._done.pop(h)
        for h in old:
            (self.done_dir / f"{h}.log").unlink(missing_ok=True)
