"""``rlcode train``: rounds of generate, score, update and held-out evaluation (see rounds.py)."""
