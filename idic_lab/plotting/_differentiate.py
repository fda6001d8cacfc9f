"""Plots for the differentiate part of the lab."""

__all__: list[str] = []
