"""Alembic environment: always online, on the connection ``rempart.store.migrate`` hands over."""

from __future__ import annotations

from alembic import context

import rempart.store.incidents
import rempart.store.users  # noqa: F401  (their tables join Base.metadata for autogenerate)
from rempart.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True
)
with context.begin_transaction():
    context.run_migrations()
