"""The feedback tests' databases: every store test runs on a fresh SQLite file and on a fresh
database of a real PostgreSQL server (``RLCODE_TEST_PG_URL``, which the Makefile exports after
``scripts/ensure-postgres.sh`` has started one). Without the variable the PostgreSQL cases are
skipped with that reason locally; under CI (``CI`` set) they fail instead of hiding."""

from __future__ import annotations

import os
import uuid

import pytest

PG_ENV = "RLCODE_TEST_PG_URL"


def _pg_admin(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A URL to an empty database of each kind."""
    if request.param == "sqlite":
        yield str(tmp_path / "feedback.sqlite")
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set on CI (make test starts PostgreSQL and exports it)")
        pytest.skip(f"{PG_ENV} not set: run scripts/ensure-postgres.sh and export its URL")
    name = "fb_" + uuid.uuid4().hex[:12]
    with _pg_admin(base) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield base.rsplit("/", 1)[0] + "/" + name
    with _pg_admin(base) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
