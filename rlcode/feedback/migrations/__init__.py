"""Alembic migrations of the feedback store, run to head by ``FeedbackStore`` on open."""
