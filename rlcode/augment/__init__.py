"""Stronger tests for tasks with a canonical solution (``rlcode tasks augment``; see docs/augment.md)."""
