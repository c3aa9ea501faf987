"""The organisation a message was delivered to, when the configuration names none.

An install without an ``[org]`` profile still protects someone: the company whose mail server took the
message. When ``[org] domains`` and ``[auth] trusted_authserv_ids`` are both empty, the engine looks for
that company in the message itself:

- a recipient domain (envelope RCPT TO, else ``Delivered-To``, ``X-Original-To``, ``To``, ``Cc``) that is
  not a free-mail provider;
- an ``Authentication-Results`` header whose authserv-id is a host of that domain, written *above* the
  ``Received`` header in which a host of that domain took the message from outside (a public address; the
  relays between the company's own servers, from private addresses, are above it too): it was written by the
  company's own servers after they took the message, where a sender cannot put a header (RFC 8601 §5 asks
  the receiving MTA to delete any older header claiming its authserv-id).

Microsoft 365 writes its verdict with no authserv-id and names no host of the company: a message Exchange Online
delivered and stamped (``exchange_online.py``) is the company's when all its recipients share one domain, with
``trusted_authserv_ids = ["protection.outlook.com"]``. Google Workspace likewise: Gmail's ``Received … by
mx.google.com`` line under Google's own, then its ``Authentication-Results: mx.google.com`` (Gmail writes it just
below that line), with ``trusted_authserv_ids = ["mx.google.com"]``.

With both, the message is scanned as if the profile said ``domains = [that domain]`` and
``trusted_authserv_ids = [that id]``: spoofs and lookalikes of the company's own domain, its internal
mail and its MX's SPF/DKIM/DMARC verdicts then count as for a configured install, and the verdict says
so (``engine.implicit_org``). Mail carrying no such header (an archive, a honeypot's export, a mailing
list) is scanned with the configuration as it is: nothing is guessed from the recipient alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rempart.analyzers.auth import parse_authentication_results
from rempart.analyzers.base import Envelope
from rempart.analyzers.exchange_online import EXCHANGE_ONLINE_ID, exchange_online_results
from rempart.analyzers.internal_route import is_private_address
from rempart.domains import icann_registered_domain, is_subdomain_of
from rempart.message.model import Message, ReceivedHop

MAX_RECIPIENTS = 20  # addresses looked at; a message to hundreds of domains names no single company
MAX_TOP_HEADERS = 100  # the receiving servers' headers are at the top of the block
GOOGLE_ID = "mx.google.com"  # the authserv-id of Gmail and Google Workspace


@dataclass(frozen=True, slots=True)
class ImplicitOrg:
    domain: str  # registered domain of the receiving company
    authserv_id: str  # of its MX's Authentication-Results header


def recipient_domains(message: Message, envelope: Envelope | None, skip: str = "") -> Iterator[str]:
    """Registered domains of the recipients: the envelope's RCPT TO, else the delivery headers, To and Cc; an
    address equal to ``skip`` is left out."""
    if envelope is not None and envelope.rcpt_to:
        addresses = list(envelope.rcpt_to)
    else:
        addresses = [h.value.strip().strip("<>") for h in message.headers
                     if h.name.lower() in ("delivered-to", "x-original-to")]
        addresses += [a.address for a in (*message.to, *message.cc)]
    for address in addresses[:MAX_RECIPIENTS]:
        if skip and address.strip().lower() == skip:
            continue
        domain = address.rpartition("@")[2].strip().lower().rstrip(".")
        if "." in domain:
            yield icann_registered_domain(domain)


def infer_org(message: Message, envelope: Envelope | None, freemail: frozenset[str]) -> ImplicitOrg | None:
    """The receiving company, when the message proves which one it is (see the module docstring)."""
    candidates = list(dict.fromkeys(d for d in recipient_domains(message, envelope) if d and d not in freemail))
    if not candidates:
        return None
    hosted = EXCHANGE_ONLINE_ID if exchange_online_results(message) is not None else \
        GOOGLE_ID if _google_verdict(message) else ""
    if hosted:
        # Microsoft 365 and Google Workspace name no host of the company in their headers: the company is the
        # recipients' one domain. A sender writing to itself put the real recipients in Bcc (bulk mail from a
        # hijacked mailbox): its own domain is not the recipient's company.
        sender = message.from_address.address.lower() if message.from_address else ""
        named = list(dict.fromkeys(d for d in recipient_domains(message, envelope, skip=sender)
                                   if d and d not in freemail))
        return ImplicitOrg(named[0], hosted) if len(named) == 1 else None
    # The top of the header block, in order: ("received", by-host) or ("results", authserv-id). The receiving
    # company's servers write at the top; how far down a sender's own headers go is not our business.
    top: list[tuple[str, str, ReceivedHop | None]] = []  # (kind, host, the parsed Received line)
    for name, header, hop in message.top_headers(MAX_TOP_HEADERS):
        if name == "received":
            top.append(("received", hop.by_host if hop is not None else "", hop))
        elif name == "authentication-results":
            top.append(("results", parse_authentication_results(header.value).authserv_id, None))
    for domain in candidates:
        results: list[str] = []  # authserv-ids of this domain above its MX's inbound Received line
        for kind, host, hop in top:
            if kind == "results" and host and is_subdomain_of(host, domain):
                results.append(host)
            elif kind == "received" and host and is_subdomain_of(host, domain):
                if results:
                    return ImplicitOrg(domain, results[0])
                if not _from_inside(hop, domain):
                    break  # the company's MX took it from outside and wrote no verdict above that line
                # a relay between the company's own servers (mx1 -> mailbox server): its MX's line is further down
    return None


def _google_verdict(message: Message) -> bool:
    """Gmail took the message (a ``Received … by mx.google.com`` line under Google's own lines only) and wrote its
    ``Authentication-Results: mx.google.com`` between that line and the sender's own (Gmail's placement)."""
    inbound = False
    for name, header, hop in message.top_headers(MAX_TOP_HEADERS):
        if name == "received":
            by_host = hop.by_host.lower() if hop is not None else ""
            if inbound or not (by_host == GOOGLE_ID or by_host.startswith("2002:") or by_host.endswith(".google.com")):
                return False  # the sender's servers, or a line Google did not write above its MX's
            inbound = by_host == GOOGLE_ID
        elif name == "authentication-results" and inbound:
            return parse_authentication_results(header.value).authserv_id == GOOGLE_ID
    return False


def _from_inside(hop: ReceivedHop | None, domain: str) -> bool:
    """The client of this Received line is one of the company's own: a private address or, with no address
    recorded (a local LMTP hand-off), a host of the domain."""
    if hop is None:
        return False
    if hop.from_ip:
        return is_private_address(hop.from_ip)
    client = hop.from_host.lower().rstrip(".")
    return client == "localhost" or (bool(client) and is_subdomain_of(client, domain))

