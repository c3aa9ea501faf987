"""Alembic migrations shipped inside the package (no alembic.ini: see ``rempart.store.migrate``)."""
