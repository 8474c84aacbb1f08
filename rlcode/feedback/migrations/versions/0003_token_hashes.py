"""Raters' tokens are kept as SHA-256 digests, never in plain text: a copy of the database (a backup,
a dump handed to a colleague) gives no one a log-in. Existing plain tokens are hashed in place, so
the tokens annotators already hold keep working.

Revision ID: 0003
Revises: 0002
"""

import hashlib
import re

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_DIGEST = re.compile(r"[0-9a-f]{64}")


def upgrade() -> None:
    conn = op.get_bind()
    raters = sa.table("raters", sa.column("id", sa.Integer), sa.column("token", sa.String))
    for rid, token in conn.execute(sa.select(raters.c.id, raters.c.token)).all():
        if not _DIGEST.fullmatch(token):  # token_urlsafe(24) is 32 characters: never a digest
            digest = hashlib.sha256(token.encode()).hexdigest()
            conn.execute(raters.update().where(raters.c.id == rid).values(token=digest))


def downgrade() -> None:
    """Digests cannot be turned back into tokens: after a downgrade, issue new ones
    (``rlcode feedback raters token NAME``)."""
