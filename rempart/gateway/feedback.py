"""Feedback to the employee who reported a message: thanks, the verdict in plain words and — for an
attack — the two or three signs *in this very message* they could have spotted, in French or English.

Texts are data (``data/feedback.toml``); the signs are the verdict's own reasons, rendered by the
catalogue, so the feedback never says more than the analysis found. Sending goes through the
``FeedbackSender`` interface (SMTP to the company's relay on loopback by default).
"""

from __future__ import annotations

import smtplib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from importlib import resources
from typing import Any, Protocol

from rempart.catalogue import Catalogue

TOLD = ("malicious", "suspicious", "clean", "spam", "phishing_simulation")
ATTACKS = frozenset({"malicious", "suspicious", "phishing_simulation"})
FEEDBACK_HEADER = "X-Rempart-Feedback"


@cache
def texts() -> dict[str, Any]:
    raw = resources.files("rempart.gateway").joinpath("data/feedback.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def signs(reasons: Iterable[Mapping[str, Any]], lang: str, catalogue: Catalogue, limit: int) -> list[str]:
    """Plain-language signs from stored reasons, strongest first, internal codes left out."""
    hidden = tuple(texts()["hidden_prefixes"])
    out: list[str] = []
    for reason in reasons:
        code = str(reason.get("code", ""))
        if not code or code.startswith(hidden) or float(reason.get("weight", 0.0)) <= 0:
            continue
        own = reason.get("texts") or {}
        text = str(own.get(lang) or catalogue.text(code, lang, reason.get("evidence") or {})).strip()
        if text and text != code and text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class Feedback:
    reporter: str
    told: str  # one of TOLD
    subject: str  # the reported message's subject
    signs: Sequence[str] = ()
    best_effort: bool = False  # extracted from an inline forward
    followup: bool = False
    reported_on: str = ""  # date of the report (follow-ups)
    in_reply_to: str = ""  # Message-ID of the report mail, to thread the answer


def compose(feedback: Feedback, *, lang: str, sender: str, org: str) -> EmailMessage:
    t = texts()[lang]
    org_name = org or t["org_fallback"]
    subject = feedback.subject.strip() or t["no_subject"]
    paragraphs = [t["greeting"]]
    if feedback.followup:
        paragraphs.append(t["followup_intro"].format(date=feedback.reported_on))
    else:
        paragraphs.append(t["thanks"].format(org=org_name))
    paragraphs.append(t["verdict"][feedback.told].format(org=org_name))
    if feedback.signs and feedback.told in ATTACKS:
        paragraphs.append(t["signs_intro"] + "\n" + "\n".join(f"  - {s}" for s in feedback.signs))
    if feedback.best_effort:
        paragraphs.append(t["inline_note"])
    paragraphs.append(t["signature"].format(org=org_name))
    key = "subject_followup" if feedback.followup else "subject"
    return _message(sender, feedback.reporter, t[key].format(subject=subject), "\n\n".join(paragraphs),
                    feedback.in_reply_to, feedback.told)


def compose_unreadable(reporter: str, *, lang: str, sender: str, org: str, in_reply_to: str = "") -> EmailMessage:
    t = texts()[lang]
    org_name = org or t["org_fallback"]
    body = "\n\n".join([t["greeting"], t["unreadable"], t["signature"].format(org=org_name)])
    return _message(sender, reporter, t["subject_unreadable"], body, in_reply_to, "unreadable")


def _message(sender: str, to: str, subject: str, body: str, in_reply_to: str, kind: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply loops
    message[FEEDBACK_HEADER] = kind
    message.set_content(body + "\n")
    return message


class FeedbackSender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpFeedbackSender:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
            client.send_message(message)
