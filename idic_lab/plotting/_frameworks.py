"""Plots for the frameworks part of the lab."""

__all__: list[str] = []
