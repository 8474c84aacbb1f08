"""rlcode: trustworthy, fast rewards for reinforcement learning of code models."""

__version__ = "0.1.0"
