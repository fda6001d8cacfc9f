"""Helpers shared by the plotting modules of every stage."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes


def axes_or_new(ax: Axes | None, size: tuple[float, float] = (7, 4), polar: bool = False) -> Axes:
    """The caller's Axes, or a new figure's of ``size`` inches (no global state is changed)."""
    if ax is None:
        figure = plt.figure(figsize=size)
        ax = figure.add_subplot(projection="polar" if polar else None)
    return ax
