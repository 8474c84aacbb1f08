"""A learned reward model on the preference pairs (``rlcode feedback train-rm``)."""

from __future__ import annotations


def load_recorded_model(db: str):
    """The reward model recorded in the store by ``train-rm``, or None."""
    return None
