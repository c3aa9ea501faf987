"""Rempart in the mail flow: the SMTP content filter beside Postfix and the employee report loop.

Modules, each with one job::

    smtp          the content filter (aiosmtpd + XFORWARD): scan, stamp, spool, hand on, release
    spool         durable spool: fsync before 250, exactly-once keys, done log, failed entries
    scanning      scan workers with a hard deadline; the case document for quarantine
    disposition   what happens to one message (headers, subject tag, quarantine) — pure
    headers       header surgery on raw bytes
    delivery      the next hop behind a small interface (SMTP), back-off
    quarantine    hold and release through the store
    simulation    the company's own phishing simulations
    run           assembling the processes for ``rempart gateway``

Errors: operational problems (bad address, bad range) are ``ConfigError`` at start; during
operation nothing raises past the SMTP session — a problem of ours is a 451, never a lost message.
"""
