"""Plots of the Interact stage."""

__all__: list[str] = []
