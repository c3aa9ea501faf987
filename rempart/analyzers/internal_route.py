"""Whether a message travelled only between the organisation's own mail servers.

Mail one colleague sends another never passes the MX that writes ``Authentication-Results``: nothing
authenticates it, and a forged "internal" message looks the same by its From line. Its ``Received`` trail does
not. Each line is written by the server that took the message (``by``), naming the client it took it from
(``from``, with the IP it saw). The topmost line is written by the company's own mailbox server; a message from
outside shows, somewhere below, the company's MX taking it from a public address — a line the sender cannot
remove. So when every line was written by a host of the organisation's domain and every client was a private or
loopback address (or, when no address is recorded, a host of the domain or of the local network), the message
never came from outside. The oldest line may name a public address when the server recorded an authenticated
submission ("with ESMTPSA": a colleague's phone on a mobile network, logged in over SMTP AUTH).

Not a proof against a compromised account or workstation (that is the inside), nor for hosted mail whose
internal hops are the provider's hosts (``*.prod.outlook.com``): those simply do not qualify. An MX behind a
load balancer that hides client addresses (every client seen as 10.x) would make outside mail look inside; such
a server should pass the client address on (PROXY protocol, XCLIENT) anyway.
"""

from __future__ import annotations

import ipaddress

from rempart.domains import in_domains
from rempart.message.model import Message, ReceivedHop

MAX_HOPS = 30  # an internal route has a handful; a longer trail is not read
# Names of a private network: Active Directory domains are often .local, .corp or, in German companies, .intern.
_LOCAL_SUFFIXES = (".local", ".lan", ".internal", ".intern", ".lokal", ".localdomain", ".intranet", ".corp",
                   ".home.arpa")


def is_private_address(ip: str) -> bool:
    """A private or loopback IPv4/IPv6 address as a Received header writes it ([10.0.0.1], IPv6:fd00::1)."""
    try:
        address = ipaddress.ip_address(ip.strip("[]").removeprefix("IPv6:").removeprefix("ipv6:"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def _local_name(host: str, domains: list[str]) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or in_domains(host, domains)


# RFC 3848 "with" keywords of a submission after SMTP AUTH. Only the keyword the server writes after "by" counts:
# a comment such as Postfix's "(Authenticated sender: …)" sits in the part of the line a client's HELO also fills.
_AUTHENTICATED_PROTOCOLS = frozenset({"ESMTPA", "ESMTPSA", "LMTPA", "LMTPSA", "UTF8SMTPA", "UTF8SMTPSA"})


def authenticated_submission(hop: ReceivedHop) -> bool:
    """The receiving server recorded that the client logged in (SMTP AUTH) before handing the message over."""
    return hop.protocol.upper() in _AUTHENTICATED_PROTOCOLS


def travelled_inside(message: Message, domains: list[str]) -> bool:
    """Every ``Received`` line written by a host of ``domains`` from a private address (see the module docstring)."""
    hops = message.received
    if not hops or not domains or len(hops) > MAX_HOPS:
        return False
    # The newest line: the company's own server wrote it, named in its domain or its private network's
    # (an Exchange server "EX01.hpt.intern"); every line below is checked the same way.
    if not _local_name(hops[0].by_host, domains):
        return False
    for i, hop in enumerate(hops):
        if not hop.by_host or not _local_name(hop.by_host, domains):
            return False
        if hop.from_ip:
            # A colleague on the road submits from a public address, but logs in first: the oldest line, written
            # by the company's server, records the authenticated submission (an outsider's forged line below it
            # would sit under the company MX's own line naming the outsider's public address)
            if not is_private_address(hop.from_ip) and not (i == len(hops) - 1 and authenticated_submission(hop)):
                return False
        elif not (hop.from_host and _local_name(hop.from_host, domains)):
            return False
    return True
