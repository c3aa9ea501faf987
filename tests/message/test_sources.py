from __future__ import annotations

import io
import os
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rempart.config import Limits
from rempart.message.outlook import to_rfc822
from rempart.message.parse import parse_message
from rempart.message.sources import Source, count_messages, iter_messages

MESSAGES = Path(__file__).resolve().parent.parent / "messages" / "parsing"


def test_single_eml(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(b"From: a@example.fr\n\nhi")
    assert list(iter_messages([str(path)])) == [Source(str(path), b"From: a@example.fr\n\nhi")]


def test_mbox_with_several_messages() -> None:
    path = str(MESSAGES / "three.mbox")
    sources = list(iter_messages([path]))
    assert [s.label for s in sources] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert all(s.error is None for s in sources)
    first = parse_message(sources[0].raw, Limits())
    assert first.subject == "Message 1"
    assert first.text == "Body 1\nFrom the archive, a quoted line.\n"  # mboxrd quoting undone
    assert count_messages([path]) == 3


def test_single_message_mbox_keeps_plain_label(tmp_path: Path) -> None:
    path = tmp_path / "spamassassin-style.eml"
    path.write_bytes(
        b"From someone@example.org Thu Aug 22 12:00:00 2002\nFrom: someone@example.org\n\nbody\n"
    )
    (source,) = iter_messages([str(path)])
    assert source.label == str(path)
    assert source.raw.startswith(b"From: someone@example.org")


def test_directory_recursion_sorted_and_hidden_skipped(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b" / "2.eml").write_bytes(b"From: two@example.fr\n\n2")
    (tmp_path / "a.eml").write_bytes(b"From: one@example.fr\n\n1")
    (tmp_path / ".secret.eml").write_bytes(b"From: x@example.fr\n\nx")
    (tmp_path / ".hidden" / "3.eml").write_bytes(b"From: x@example.fr\n\nx")
    labels = [s.label for s in iter_messages([str(tmp_path)])]
    assert labels == [str(tmp_path / "a.eml"), str(tmp_path / "b" / "2.eml")]
    assert [s.label for s in iter_messages([str(tmp_path)], recursive=False)] == [str(tmp_path / "a.eml")]
    assert count_messages([str(tmp_path)]) == 2


def test_maildir_reads_cur_and_new(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "box" / sub).mkdir(parents=True)
    (tmp_path / "box" / "cur" / "1700000000.1.host:2,S").write_bytes(b"From: a@example.fr\n\nseen")
    (tmp_path / "box" / "new" / "1700000001.2.host").write_bytes(b"From: b@example.fr\n\nnew")
    (tmp_path / "box" / "tmp" / "1700000002.3.host").write_bytes(b"From: c@example.fr\n\npartial")
    raws = [s.raw for s in iter_messages([str(tmp_path / "box")])]
    assert raws == [b"From: a@example.fr\n\nseen", b"From: b@example.fr\n\nnew"]


def test_unreadable_paths_yield_errors_and_iteration_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "good.eml"
    good.write_bytes(b"From: a@example.fr\n\nok")
    broken_msg = tmp_path / "broken.msg"
    broken_msg.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    sources = list(iter_messages([str(tmp_path / "missing.eml"), str(broken_msg), str(good)]))
    assert [s.error is not None for s in sources] == [True, True, False]
    assert sources[0].raw == b"" and "FileNotFoundError" in (sources[0].error or "")
    assert sources[2].raw == b"From: a@example.fr\n\nok"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "locked.eml"
    path.write_bytes(b"x")
    path.chmod(0)
    (source,) = iter_messages([str(path)])
    assert source.error is not None and "PermissionError" in source.error


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(b"From: a@example.fr\n\nfrom stdin"))
    monkeypatch.setattr(sys, "stdin", fake)
    assert list(iter_messages(["-"])) == [Source("-", b"From: a@example.fr\n\nfrom stdin")]
    fake = io.TextIOWrapper(io.BytesIO((MESSAGES / "three.mbox").read_bytes()))
    monkeypatch.setattr(sys, "stdin", fake)
    assert [s.label for s in iter_messages(["-"])] == ["-#1", "-#2", "-#3"]


def test_large_mbox_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    with path.open("wb") as out:
        for i in range(2000):
            out.write(
                f"From x@example.fr Mon Mar 10 10:00:00 2025\nFrom: x@example.fr\nSubject: {i}\n\nbody\n\n".encode()
            )
    sources = iter_messages([str(path)])
    first = next(sources)
    assert first.label.endswith("#1")
    assert sum(1 for _ in sources) == 1999
    assert count_messages([str(path)]) == 2000


# -- Outlook .msg --------------------------------------------------------------------------------
# extract-msg cannot write .msg files and no .msg written for the project is available, so the
# conversion is tested on an object with the attributes extract_msg's Message exposes.


@dataclass
class FakeAttachment:
    longFilename: str | None
    data: object
    mimetype: str | None = None
    contentId: str | None = None
    hidden: bool = False
    shortFilename: str | None = None


@dataclass
class FakeMsg:
    headerText: str | None = None
    sender: str = ""
    to: str = ""
    cc: str = ""
    subject: str = ""
    date: datetime | None = None
    messageId: str = ""
    inReplyTo: str = ""
    body: str = ""
    htmlBody: bytes | None = None
    attachments: list[FakeAttachment] = field(default_factory=list)


def test_msg_conversion_with_transport_headers() -> None:
    fake = FakeMsg(
        headerText=(
            "Microsoft Mail Internet Headers Version 2.0\r\nReceived: from mx.example.fr (mx.example.fr "
            "[192.0.2.1]) by mail.rempart.test; Tue, 4 Mar 2025 09:00:00 +0100\r\n"
            "From: =?utf-8?b?SMOpbMOobmU=?= <helene@example.fr>\r\nSubject: Facture\r\n"
            'Content-Type: multipart/alternative;\r\n boundary="orig"\r\nMIME-Version: 1.0\r\n'
        ),
        sender="ignored <ignored@example.fr>",
        body="Bonjour, voir https://factures.example.fr/1",
        htmlBody=b"<p>Bonjour, <a href='https://factures.example.fr/1'>facture</a></p>",
        attachments=[
            FakeAttachment("Relevé d'identité bancaire.pdf", b"%PDF-1.4 rib", "application/pdf"),
            FakeAttachment("logo.png", b"\x89PNG\r\n\x1a\n", "image/png", contentId="logo1", hidden=True),
        ],
    )
    m = parse_message(to_rfc822(fake), Limits())
    assert m.from_[0].name == "Hélène" and m.from_[0].address == "helene@example.fr"
    assert m.received[0].from_ip == "192.0.2.1"
    assert "Bonjour" in m.text and "Bonjour" in m.html_text
    assert {u.url for u in m.urls} == {"https://factures.example.fr/1"}
    rib, logo = m.attachments
    assert (rib.filename, rib.sniffed_type, rib.inline) == (
        "Relevé d'identité bancaire.pdf",
        "application/pdf",
        False,
    )
    assert (logo.inline, logo.content_id) == (True, "logo1")
    assert not [d for d in m.defects if d.code.startswith("mime_")]


def test_msg_conversion_synthesises_headers_and_nests_msgs() -> None:
    inner = FakeMsg(sender="Inner <inner@example.org>", subject="Inner", body="inner body")
    fake = FakeMsg(
        sender="Paul Martin <paul@example.fr>",
        to="compta@rempart.test",
        subject="Réunion",
        date=datetime(2025, 3, 4, 8, 0, tzinfo=UTC),
        messageId="<m1@example.fr>",
        body="Texte",
        attachments=[FakeAttachment("inner.msg", inner)],
    )
    m = parse_message(to_rfc822(fake), Limits())
    assert m.subject == "Réunion" and m.from_[0].address == "paul@example.fr"
    assert m.date == datetime(2025, 3, 4, 8, 0, tzinfo=UTC) and m.message_id == "<m1@example.fr>"
    assert m.text == "Texte"
    assert m.embedded[0].subject == "Inner" and m.embedded[0].text == "inner body"


def test_copied_test_messages_round_trip(tmp_path: Path) -> None:
    shutil.copy(MESSAGES / "attachments.eml", tmp_path / "x.eml")
    (source,) = iter_messages([str(tmp_path)])
    assert len(parse_message(source.raw, Limits()).attachments) == 4
