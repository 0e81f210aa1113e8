"""Reward functions with TRL's contract ``f(completions, **kwargs) -> list[float]``, and image rewards."""
