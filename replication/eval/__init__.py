"""Evaluation: diversity and divergence metrics, benchmark scorers, test-time scaling analysis."""
