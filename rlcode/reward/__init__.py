"""rlcode's reward: the composite reward and its TRL reward functions.

``from rlcode.reward import RewardFunction`` is the TRL reward function (``rlcode.reward.trl``).
"""

from rlcode.reward.trl import AsyncRewardFunction, RewardFunction

__all__ = ["AsyncRewardFunction", "RewardFunction"]
