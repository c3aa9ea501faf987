"""Mail delivered by Microsoft 365 (Exchange Online): where its verdicts sit and which of its headers to believe.

Exchange Online Protection writes its SPF/DKIM/DMARC verdict in an ``Authentication-Results`` header *without*
an authserv-id (``spf=pass (sender IP is …) smtp.mailfrom=…; dkim=pass …;dmarc=pass action=none
header.from=…;compauth=pass``), beside a ``Received-SPF`` naming ``protection.outlook.com`` and next to the
``Received`` line in which a ``*.mail.protection.outlook.com`` front end took the message. A tenant declares it
trusts those verdicts with ``trusted_authserv_ids = ["protection.outlook.com"]`` (``EXCHANGE_ONLINE_ID``).

Which header is Microsoft's: the message must have been delivered by Exchange Online (its newest ``Received``
line written by a Microsoft host), and only the headers above the first line written by anyone else are read
(what a sender wrote comes below its own servers' lines). Exchange Online stamps every inbound message, on top of
what it received, so the topmost id-less header in that part is its own.

``X-MS-Exchange-Organization-*`` headers are removed by Exchange's header firewall from any message arriving
from outside the tenant, then written by Exchange itself: on delivered mail, ``…-AuthAs: Internal`` means a
mailbox of the tenant submitted it (a colleague's mail), ``Anonymous`` that it came from the internet.
"""

from __future__ import annotations

import re

from rempart.message.model import Message

EXCHANGE_ONLINE_ID = "protection.outlook.com"
MAX_TOP_HEADERS = 120  # Exchange writes a few dozen headers on top of what it received
_MICROSOFT_HOSTS = (".outlook.com", ".office365.com")
# An Authentication-Results value that starts with a method result ("spf=pass …"), not with an authserv-id.
_NO_AUTHSERV_ID = re.compile(r"^\s*(?:\([^)]*\)\s*)?[a-z][a-z0-9-]*\s*=", re.IGNORECASE)


def is_microsoft_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host.endswith(_MICROSOFT_HOSTS)


def delivered_by_exchange_online(message: Message) -> bool:
    """The newest ``Received`` line was written by an Exchange Online server."""
    return bool(message.received) and is_microsoft_host(message.received[0].by_host)


def exchange_online_results(message: Message) -> str | None:
    """The value of Exchange Online Protection's own ``Authentication-Results`` header on this message, or None
    (see the module docstring)."""
    if not delivered_by_exchange_online(message):
        return None
    for name, header, hop in message.top_headers(MAX_TOP_HEADERS):
        if name == "received":
            if hop is None or not is_microsoft_host(hop.by_host):
                return None  # below here the sender's servers wrote
        elif name == "authentication-results" and _NO_AUTHSERV_ID.match(header.value):
            return header.value
    return None


def submitted_inside_tenant(message: Message) -> bool:
    """Exchange Online says a mailbox of the tenant sent this message (``AuthAs: Internal``)."""
    if not delivered_by_exchange_online(message):
        return False
    auth_as = (message.header("X-MS-Exchange-Organization-AuthAs") or "").strip().lower()
    return auth_as == "internal" and all(is_microsoft_host(h.by_host) for h in message.received)
