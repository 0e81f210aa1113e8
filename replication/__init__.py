"""Reproducible replication of CESAR, ADRPO and ORW-CFM-W2.

Sub-packages mirror the architecture: ``pipeline`` (parameters, seeding, notebook runner), ``data``,
``models``, ``flow`` (flow-matching losses, sampling and training), ``rl`` (TRL extensions), ``rewards``,
``eval`` and ``plots``.
"""

__version__ = "0.1.0"
