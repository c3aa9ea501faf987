"""A real IMAP server for the tests: Dovecot, run from its own config in a temp dir, IMAPS on loopback.

The certificate is self-signed, made here with ``cryptography``; the client trusts it through
``[gateway.imap] tls_ca_file``. As root, Dovecot runs its processes as its packaged users
(``dovecot``/``dovenull``); otherwise as the current user. Where Dovecot is missing and we are
root with apt-get, ``scripts/ensure-dovecot.sh`` installs it (that is what ``make test`` relies on).
"""

from __future__ import annotations

import contextlib
import datetime
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.gateway.servers import REPO, free_port, wait_port

DOVECOT = "/usr/sbin/dovecot"
LMTP = "/usr/lib/dovecot/lmtp"
SIEVE_PLUGIN = "/usr/lib/dovecot/modules/lib90_sieve_plugin.so"


def dovecot_available() -> str:
    """"" when Dovecot can run here, else why not (after trying to install it)."""
    if not (shutil.which("dovecot") or os.path.exists(DOVECOT)) or not lmtp_sieve_installed():
        if os.geteuid() == 0 and shutil.which("apt-get"):
            subprocess.run(["bash", str(REPO / "scripts" / "ensure-dovecot.sh")], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        if not (shutil.which("dovecot") or os.path.exists(DOVECOT)):
            return "dovecot is not installed (run scripts/ensure-dovecot.sh as root)"
    return ""


def lmtp_sieve_installed() -> bool:
    """Dovecot's LMTP delivery agent and its Sieve plugin (Pigeonhole), for the duplicate-suppression test."""
    return os.path.exists(LMTP) and os.path.exists(SIEVE_PLUGIN)


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


class Dovecot:
    def __init__(self, root: Path, users: dict[str, str], *, sieve_before: str | None = None) -> None:
        """``sieve_before``: a Sieve script every LMTP delivery runs first; LMTP listens on ``lmtp_port``."""
        self.root = root
        self.users = users
        self.port = free_port()
        self.sieve_before = sieve_before
        self.lmtp_port = free_port() if sieve_before is not None else 0
        self.process: subprocess.Popen[bytes] | None = None
        self.cert, self.key = self_signed(root)

    def _lmtp_config(self) -> str:
        if self.sieve_before is None:
            return ""
        return f"""
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
protocol lmtp {{
  mail_plugins = $mail_plugins sieve
}}
plugin {{
  sieve_before = {self.root}/before.sieve
}}
"""

    def _config(self) -> str:
        if os.geteuid() == 0:
            internal, login = "dovecot", "dovenull"
            group = "dovecot"
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
            group = internal
        mail = self.root / "mail"
        return f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap{" lmtp" if self.sieve_before is not None else ""}
listen = 127.0.0.1
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{mail}/%u
passdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={internal} gid={group} home={mail}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""" + self._lmtp_config()

    def start(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(exist_ok=True)
        (self.root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        if os.geteuid() == 0:
            shutil.chown(self.root / "mail", "dovecot", "dovecot")
            self.root.chmod(0o755)
        if self.sieve_before is not None:
            (self.root / "before.sieve").write_text(self.sieve_before)
        conf = self.root / "dovecot.conf"
        conf.write_text(self._config())
        if self.sieve_before is not None:  # global scripts are compiled by the admin (Dovecot may not write there)
            sievec = shutil.which("sievec") or "/usr/bin/sievec"
            subprocess.run([sievec, "-c", str(conf), str(self.root / "before.sieve")], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        binary = shutil.which("dovecot") or DOVECOT
        self.process = subprocess.Popen([binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        wait_port(self.port, timeout=30, process=self.process)
        deadline = time.monotonic() + 30
        while True:  # the listener is up before the login processes are: wait for a real login
            try:
                self.client(next(iter(self.users))).logout()
                return
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def client(self, user: str) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.cert))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10)
        conn.login(user, self.users[user])
        return conn

    def deliver(self, user: str, raw: bytes, mailbox: str = "INBOX") -> None:
        """Put a message in ``user``'s mailbox (IMAP APPEND, as a delivery agent would)."""
        conn = self.client(user)
        try:
            status, data = conn.append(mailbox, None, None, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def count(self, user: str, mailbox: str) -> int:
        conn = self.client(user)
        try:
            status, data = conn.select(f'"{mailbox}"', readonly=True)
            return int(data[0] or 0) if status == "OK" else -1
        finally:
            conn.logout()


@contextlib.contextmanager
def running_dovecot(users: dict[str, str], *, sieve_before: str | None = None) -> Iterator[Dovecot]:
    """A started Dovecot in its own temp dir, stopped and removed after; skipped (failed under CI) where it
    cannot run here. ``sieve_before`` needs its LMTP agent and Sieve plugin too."""
    why = dovecot_available()
    if not why and sieve_before is not None and not lmtp_sieve_installed():
        why = "Dovecot's LMTP or Sieve plugin is missing (run scripts/ensure-dovecot.sh as root)"
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    # not under pytest's tmp dir: that one is private to its owner, and Dovecot's users must read ours
    root = Path(tempfile.mkdtemp(prefix="rempart-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root, users, sieve_before=sieve_before)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
