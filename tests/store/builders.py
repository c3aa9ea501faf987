"""NewCase values for store tests (plain data: the store does not depend on the engine)."""

from __future__ import annotations

from rempart.store.campaigns import signature
from rempart.store.cases import NewCase

LURE = (
    "Bonjour, votre boîte mail sera suspendue aujourd'hui. Confirmez votre mot de passe sur le portail "
    "de vérification avant 18h pour conserver l'accès à vos messages et à vos documents partagés."
)


def new_case(
    n: int = 0,
    *,
    level: str = "malicious",
    body: str = LURE,
    to: str = "bob@corp.fr",
    sender: str = "it-support@corp-verify.fr",
    message_id: str | None = None,
    hosts: tuple[str, ...] = ("corp-verify.fr",),
    quarantine: bool = False,
) -> NewCase:
    raw = (
        f"From: IT <{sender}>\r\nTo: {to}\r\nSubject: Mailbox {n}\r\n"
        f"Message-ID: {message_id or f'<m{n}@corp-verify.fr>'}\r\n\r\n{body}\r\n"
    ).encode()
    return NewCase(
        raw=raw,
        level=level,
        score={"clean": 0.1, "suspicious": 0.6, "malicious": 0.9}[level],
        lure_type="credential_phishing" if level != "clean" else "none",
        verdict={
            "verdict": level,
            "reasons": [
                {
                    "code": "intent.credentials_request",
                    "weight": 0.5,
                    "source": "intent",
                    "evidence": {"address": sender},
                    "texts": {},
                }
            ],
        },
        facts={"subject": f"Mailbox {n}", "body": {"text": body}},
        subject=f"Mailbox {n}",
        message_id=message_id or f"<m{n}@corp-verify.fr>",
        sender_address=sender,
        sender_domain=sender.rpartition("@")[2],
        addresses=(("from", sender), ("to", to)),
        signature=signature(body, hosts),
        quarantine=quarantine,
    )
