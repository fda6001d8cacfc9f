"""Plots of the Customize stage."""

__all__: list[str] = []
