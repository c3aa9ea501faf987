"""The service's long-lived parts, built once at start and shared by every request."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from rempart.catalogue import Catalogue
from rempart.service.auth import Principal, TokenAuthenticator
from rempart.service.metrics import Metrics
from rempart.service.scanning import Scanner
from rempart.service.settings import Settings
from rempart.store.audit import AuditSigner, load_signer
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from rempart.store.errors import DatabaseUnavailable
from rempart.store.migrate import upgrade
from rempart.store.writer import BatchWriter

_RETRY_SECONDS = 2.0


@dataclass
class ServiceState:
    settings: Settings
    db: Database
    scanner: Scanner
    catalogue: Catalogue
    metrics: Metrics
    signer: AuditSigner | None
    schema_ready: bool = False
    _schema_lock: threading.Lock = field(default_factory=threading.Lock)
    _last_try: float = 0.0
    writer: BatchWriter = field(init=False)  # group commit for the intake path (scans, reports)
    token_auth: TokenAuthenticator | None = None  # the bearer-token authenticator (revocation forgets)

    def __post_init__(self) -> None:
        self.writer = BatchWriter(self.db)

    def opts(self, principal: Principal | str) -> StoreOptions:
        actor = principal if isinstance(principal, str) else principal.actor
        return StoreOptions(
            actor=actor,
            signer=self.signer,
            campaign_threshold=self.settings.config.service.campaign_threshold,
        )

    def ensure_schema(self, *, force: bool = False) -> None:
        """Migrate once; while the database is down, retry at most every 2 s (else DatabaseUnavailable)."""
        if self.schema_ready:
            return
        with self._schema_lock:
            if self.schema_ready:
                return
            if not force and time.monotonic() - self._last_try < _RETRY_SECONDS:
                raise DatabaseUnavailable(f"The database at {self.db.safe_url} is unreachable; retrying.")
            self._last_try = time.monotonic()
            if self.settings.run_migrations:
                try:
                    upgrade(self.db)
                except Exception as err:  # any failure to reach or migrate: the service answers 503
                    self.metrics.up.set(0)
                    if isinstance(err, DatabaseUnavailable):
                        raise
                    first = (str(err).strip().splitlines() or [type(err).__name__])[0][:160]
                    raise DatabaseUnavailable(
                        f"The database at {self.db.safe_url} is unreachable ({first}); "
                        "check that it is running and that REMPART_DATABASE_URL is "
                        "right."
                    ) from None
            self.schema_ready = True
            self.metrics.up.set(1)


def build_signer(settings: Settings) -> AuditSigner | None:
    path = settings.config.service.audit_signing_key
    if not path:
        return None
    p = Path(path)
    if not p.is_absolute() and settings.config_path:
        p = Path(settings.config_path).parent / p
    return load_signer(p)


async def service_state(request: Request) -> ServiceState:
    """The service's state for a request (503 while the database is down); no thread hop once migrated."""
    state: ServiceState = request.app.state.service
    if not state.schema_ready:
        await run_in_threadpool(state.ensure_schema)
    return state
