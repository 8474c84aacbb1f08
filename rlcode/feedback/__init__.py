"""Human feedback: the store, event kinds, aggregation, active selection, import/export and a reward model."""
