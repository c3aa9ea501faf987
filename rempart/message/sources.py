"""Where messages come from: files, Outlook .msg, mbox, maildirs, directory trees and stdin.

``iter_messages(paths)`` yields one ``Source`` per message and never raises mid-iteration: a path
that cannot be read yields a ``Source`` with ``error`` set. Labels say where a message came from:
the path, ``path#N`` for the N-th message of an mbox holding several, ``-`` for stdin.
An mbox is recognised by its leading ``From `` line and is read as a stream, so a multi-gigabyte
archive is never loaded at once. In a maildir, ``cur`` and ``new`` are read; ``tmp`` holds
deliveries in progress and is skipped. Hidden files and directories are skipped.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from rempart.message.outlook import read_msg

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MBOXRD_QUOTED = re.compile(rb"^>(>*From )")
_MAILDIR_SUBDIRS = ("cur", "new")


@dataclass(frozen=True, slots=True)
class Source:
    label: str  # path, "path#N" for the N-th message of an mbox, "-" for stdin
    raw: bytes
    error: str | None = None  # why the path could not be read; raw is then b""


def _error(label: str, err: BaseException) -> Source:
    reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err) or type(err).__name__
    return Source(label, b"", f"{type(err).__name__}: {reason}")


def _is_separator(line: bytes) -> bool:
    return line.startswith(b"From ")


def split_mbox(stream: BinaryIO) -> Iterator[bytes]:
    """Messages of an mbox stream, without their ``From `` lines, ``>From`` unquoted (mboxrd/mboxo)."""
    lines: list[bytes] = []
    previous_blank = True
    started = False
    for line in stream:
        if _is_separator(line) and previous_blank:
            if started:
                if lines and lines[-1].strip() == b"":
                    lines.pop()  # the blank line before a separator belongs to the mbox format
                yield b"".join(lines)
            lines = []
            started = True
            previous_blank = False
            continue
        if not started:
            started = True
        if line[:1] == b">" and _MBOXRD_QUOTED.match(line):
            line = line[1:]
        lines.append(line)
        previous_blank = line.strip() == b""
    if started:
        yield b"".join(lines)


def _labelled(label: str, messages: Iterable[bytes]) -> Iterator[Source]:
    """``label`` for a one-message mbox, ``label#N`` when it holds several (one message of look-ahead)."""
    iterator = iter(messages)
    first = next(iterator, None)
    if first is None:
        return
    second = next(iterator, None)
    if second is None:
        yield Source(label, first)
        return
    yield Source(f"{label}#1", first)
    yield Source(f"{label}#2", second)
    for index, raw in enumerate(iterator, 3):
        yield Source(f"{label}#{index}", raw)


def _from_file(path: str) -> Iterator[Source]:
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if head.startswith(OLE2_MAGIC):  # Outlook .msg; another OLE2 file fails there, with a reason
                handle.close()
                yield Source(path, read_msg(path))
                return
            handle.seek(0)
            if head.startswith(b"From "):
                yield from _labelled(path, split_mbox(handle))
                return
            raw = handle.read()
    except Exception as err:  # unreadable file, broken .msg, I/O error mid-mbox: reported, never raised
        yield _error(path, err)
        return
    yield Source(path, raw)


def _is_maildir(path: str) -> bool:
    return all(os.path.isdir(os.path.join(path, sub)) for sub in ("cur", "new", "tmp"))


def _files_under(path: str, recursive: bool) -> Iterator[str]:
    """Files under a directory, sorted, hidden names skipped; a maildir's cur/new only."""
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as err:
        raise _Unreadable(path, err) from None
    maildir = _is_maildir(path)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if maildir and entry.name not in _MAILDIR_SUBDIRS:
                continue
            if recursive or maildir:
                yield from _files_under(entry.path, recursive)
        elif not maildir:
            yield entry.path


class _Unreadable(Exception):
    def __init__(self, path: str, err: OSError) -> None:
        super().__init__(path)
        self.path = path
        self.err = err


def _from_directory(path: str, recursive: bool) -> Iterator[Source]:
    try:
        for file in _files_under(path, recursive):
            yield from _from_file(file)
    except _Unreadable as err:
        yield _error(err.path, err.err)


def _from_stdin() -> Iterator[Source]:
    try:
        data = sys.stdin.buffer.read()
    except Exception as err:
        yield _error("-", err)
        return
    if data.startswith(b"From "):
        yield from _labelled("-", split_mbox(io.BytesIO(data)))
    else:
        yield Source("-", data)


def iter_messages(paths: Sequence[str], *, recursive: bool = True) -> Iterator[Source]:
    """Every message under ``paths``, in order; never raises for a bad path (see ``Source.error``)."""
    for path in paths:
        if path == "-":
            yield from _from_stdin()
        elif os.path.isdir(path):
            yield from _from_directory(path, recursive)
        elif os.path.exists(path):
            yield from _from_file(path)
        else:
            yield Source(path, b"", "FileNotFoundError: no such file or directory")


def _count_file(path: str) -> int:
    try:
        with open(path, "rb") as handle:
            if not handle.read(5).startswith(b"From "):
                return 1
            handle.seek(0)
            count = 0
            previous_blank = True
            for line in handle:
                if previous_blank and _is_separator(line):
                    count += 1
                previous_blank = line.strip() == b""
            return max(count, 1)
    except OSError:
        return 1  # it will be yielded as one Source with an error


def count_messages(paths: Sequence[str], *, recursive: bool = True) -> int:
    """How many Sources ``iter_messages`` will yield (reads mbox files once; stdin counts as 1)."""
    total = 0
    for path in paths:
        if path != "-" and os.path.isdir(path):
            try:
                total += sum(_count_file(f) for f in _files_under(path, recursive))
            except _Unreadable:
                total += 1
        else:
            total += 1 if path == "-" or not os.path.exists(path) else _count_file(path)
    return total
