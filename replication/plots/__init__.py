"""Figures, drawn with seaborn from the per-step metric files."""
