"""The report mailbox behind a small interface, and its IMAP-over-TLS implementation (stdlib imaplib).

Every message in the watched mailbox is unprocessed by construction: the loop moves each one to the
processed (or unreadable) folder once it is fully handled, so a restart simply finds what is left.
Messages are read with ``BODY.PEEK[]`` (the \\Seen flag is not touched) and moved with ``UID MOVE``
(RFC 6851), or copy + delete + expunge where the server lacks MOVE.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import re
import ssl
from pathlib import Path
from typing import Protocol

from rempart.config import ImapSettings
from rempart.errors import ConfigError

_UID = re.compile(rb"UID (\d+)")


class MailboxError(Exception):
    """The mailbox could not be reached or refused an operation (the loop retries at the next poll)."""


class ReportMailbox(Protocol):
    def open(self) -> None: ...

    def close(self) -> None: ...

    def uids(self) -> list[str]: ...

    def fetch(self, uid: str) -> bytes: ...

    def move(self, uid: str, folder: str) -> None: ...


def read_password(settings: ImapSettings) -> str:
    if settings.password_file:
        try:
            return Path(settings.password_file).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(f"[gateway.imap] password_file cannot be read ({err.strerror}).") from None
    value = os.environ.get(settings.password_env or "", "")
    if not value:
        raise ConfigError(
            f"No IMAP password: set [gateway.imap] password_file or the {settings.password_env} variable."
        )
    return value


def quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapMailbox:
    def __init__(self, settings: ImapSettings, password: str, *, timeout: float = 30.0) -> None:
        self.settings = settings
        self.password = password
        self.timeout = timeout
        self._conn: imaplib.IMAP4_SSL | None = None
        self._move = False

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.settings.tls_ca_file or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def open(self) -> None:
        s = self.settings
        try:
            conn = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=self._context(), timeout=self.timeout)
            conn.login(s.username, self.password)
            _, caps = conn.capability()
            self._move = b"MOVE" in (caps[0] or b"").upper().split()
            for folder in (s.processed_folder, s.unreadable_folder):
                conn.create(quoted(folder))  # NO [ALREADYEXISTS] is fine
            status, _ = conn.select(quoted(s.mailbox))
            if status != "OK":
                raise MailboxError(f"mailbox {s.mailbox} cannot be selected")
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as err:
            raise MailboxError(f"IMAP {s.host}:{s.port}: {err}") from None
        self._conn = conn

    def _c(self) -> imaplib.IMAP4_SSL:
        if self._conn is None:
            raise MailboxError("mailbox not open")
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
            with contextlib.suppress(Exception):
                conn.logout()

    def uids(self) -> list[str]:
        try:
            status, data = self._c().uid("SEARCH", "ALL")
        except (OSError, imaplib.IMAP4.error) as err:
            raise MailboxError(f"IMAP search failed: {err}") from None
        if status != "OK":
            raise MailboxError(f"IMAP search refused: {data!r}")
        return [u.decode("ascii") for u in (data[0] or b"").split()]

    def fetch(self, uid: str) -> bytes:
        try:
            status, data = self._c().uid("FETCH", uid, "(BODY.PEEK[])")
        except (OSError, imaplib.IMAP4.error) as err:
            raise MailboxError(f"IMAP fetch failed: {err}") from None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        raise MailboxError(f"IMAP fetch of {uid} returned no message ({status})")

    def move(self, uid: str, folder: str) -> None:
        conn = self._c()
        try:
            if self._move:
                status, data = conn.uid("MOVE", uid, quoted(folder))
            else:
                status, data = conn.uid("COPY", uid, quoted(folder))
                if status == "OK":
                    conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
                    conn.expunge()
        except (OSError, imaplib.IMAP4.error) as err:
            raise MailboxError(f"IMAP move failed: {err}") from None
        if status != "OK":
            raise MailboxError(f"IMAP move of {uid} to {folder} refused: {data!r}")
