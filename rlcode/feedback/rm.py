"""A learned reward model on the preference pairs (``rlcode feedback train-rm``)."""

from __future__ import annotations


def load_recorded_model(store_or_db):
    """The reward model recorded in the store by ``train-rm`` (a store or its URL), or None."""
    from rlcode.feedback.store import FeedbackStore, open_store

    store = store_or_db if isinstance(store_or_db, FeedbackStore) else open_store(store_or_db)
    try:
        path = store.get_meta("reward_model")
    finally:
        if store is not store_or_db:
            store.close()
    if not path:
        return None
    return RewardModel.load(path)


class RewardModel:  # filled in below by train-rm support
    @classmethod
    def load(cls, path: str):
        return None
