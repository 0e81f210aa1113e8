"""Checks of cost and correctness at the papers' model sizes (``scripts/paper_scale_check.py``)."""
