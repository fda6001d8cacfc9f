"""Plots of the Differentiate stage: RFM segments, Pareto, pyramid, CLV validation, needs segments."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from idic_lab.plotting._common import axes_or_new as _axes

__all__ = [
    "plot_conditional_expectations",
    "plot_k_selection",
    "plot_lorenz",
    "plot_rfm_segments",
    "plot_segment_profiles",
    "plot_strategy_matrix",
    "plot_tracking",
    "plot_value_pyramid",
]

_MODEL_COLOURS = {"actual": "#000000", "BG/NBD": "#08519c", "Pareto/NBD": "#d95f0e", "naive": "#969696"}
_STRATEGY_COLOURS = {"retain": "#1b7f3b", "grow": "#2c7fb8", "maintain": "#bdbdbd", "reduce cost to serve": "#fdae6b"}




def plot_rfm_segments(segment_table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of customers and share of value per RFM segment (from ``rfm_segment_table``)."""
    ax = _axes(ax)
    table = segment_table
    positions = np.arange(len(table))
    ax.barh(positions + 0.2, table["share_of_customers"], height=0.4, color="#9ecae1", label="share of customers")
    ax.barh(positions - 0.2, table["share_of_value"], height=0.4, color="#08519c", label="share of value")
    ax.set_yticks(positions, [str(i) for i in table.index])
    ax.invert_yaxis()
    ax.set_xlabel("share")
    ax.set_title("RFM segments: customers versus value")
    ax.legend(loc="lower right")
    return ax


def plot_lorenz(
    lorenz: pd.DataFrame, *, gini: float | None = None, mark_share: float = 0.2, label: str = "customers",
    pareto_rule: float | None = 0.8, ax: Axes | None = None,
) -> Axes:
    """Lorenz curve of customer value, customers sorted from the most valuable (from ``lorenz_curve``).

    Parameters
    ----------
    lorenz : DataFrame
        ``customer_share`` and ``value_share``.
    gini : float, optional
        Shown in the legend.
    mark_share : float
        Marks the value share of this top share of customers (Pareto's 20 %).
    pareto_rule : float or None
        Marks the value share the Pareto rule of thumb gives the top
        ``mark_share`` (80 %), to compare with the data; None: not marked.
    """
    ax = _axes(ax, (5, 5))
    x, y = lorenz["customer_share"].to_numpy(), lorenz["value_share"].to_numpy()
    text = label if gini is None else f"{label} (Gini {gini:.2f})"
    ax.plot(x, y, color="#08519c", label=text)
    ax.plot([0, 1], [0, 1], color="#969696", linestyle="--", label="all customers equal")
    top = float(np.interp(mark_share, x, y))
    ax.plot([mark_share, mark_share, 0], [0, top, top], color="#d95f0e", linestyle=":")
    ax.annotate(f"top {mark_share:.0%} bring {top:.0%}", (mark_share, top), xytext=(8, -14), textcoords="offset points")
    if pareto_rule is not None:
        ax.plot([mark_share], [pareto_rule], marker="X", markersize=9, color="#d95f0e", linestyle="none",
                label=f"Pareto rule: top {mark_share:.0%} bring {pareto_rule:.0%}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("share of customers (most valuable first)")
    ax.set_ylabel("share of value")
    ax.set_title("Pareto view: how concentrated is value?")
    ax.legend(loc="lower right")
    return ax


def plot_value_pyramid(pyramid: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The customer value pyramid: stacked slices of a triangle, the top tier at the apex (from ``value_pyramid``).

    Each tier is one slice of equal height (the apex slice a triangle, the
    others trapezoids, widest at the bottom), so the shape reads as a
    pyramid whatever the tier sizes. The tier name sits inside its slice;
    beside it, the tier's share of customers, of actual value (predicted
    future value over the horizon) and of potential value (what another
    strategy could add).

    Parameters
    ----------
    pyramid : DataFrame
        From ``value_pyramid``: tiers from the top, with ``share_of_customers``,
        ``share_of_future_value`` and ``share_of_potential_value``.
    """
    ax = _axes(ax, (9, 0.9 * len(pyramid) + 1.4))
    tiers = list(pyramid.index)
    n = len(tiers)
    colours = plt.get_cmap("Blues")(np.linspace(0.85, 0.3, max(n, 1)))
    half_width = lambda level: 0.5 * level / n  # noqa: E731  (half width at depth `level` below the apex)
    for i, tier in enumerate(tiers):
        top, bottom = n - i, n - i - 1  # y of the slice's upper and lower edge (apex at y = n)
        upper, lower = half_width(i), half_width(i + 1)
        corners = [(-lower, bottom), (lower, bottom), (upper, top), (-upper, top)]
        ax.add_patch(plt.Polygon(corners, closed=True, facecolor=colours[i], edgecolor="white", linewidth=1.5,
                                 label=str(tier)))
        row = pyramid.loc[tier]
        middle = bottom + (0.32 if i == 0 else 0.5)
        ax.text(0, middle, str(tier), ha="center", va="center", fontsize=8 if i == 0 else 9,
                color="white" if i < n / 2 else "black", fontweight="bold")
        ax.text(0.56, bottom + 0.5,
                f"{row['share_of_customers']:.0%} of customers\n{row['share_of_future_value']:.0%} of actual value\n"
                f"{row['share_of_potential_value']:.0%} of potential value",
                ha="left", va="center", fontsize=8)
        ax.plot([lower * 0.5 + upper * 0.5 + 0.01, 0.55], [bottom + 0.5] * 2, color="#bdbdbd", linewidth=0.8)
    ax.set_xlim(-0.55, 1.05)
    ax.set_ylim(-0.05, n + 0.05)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("Customer value pyramid: tiers by actual value (most valuable on top)", fontsize=10)
    return ax


def plot_tracking(tracking: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Cumulative repeat purchases, actual versus models, with the calibration end marked (from ``tracking_table``)."""
    ax = _axes(ax, (8, 4))
    for column in tracking.columns:
        style = {"linewidth": 2.0} if column == "actual" else {"linestyle": "--"}
        ax.plot(tracking.index, tracking[column], color=_MODEL_COLOURS.get(column), label=column, **style)
    end = tracking.attrs.get("calibration_end")
    if end:
        ax.axvline(pd.Timestamp(end), color="#636363", linestyle=":", label="calibration end")
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # dates that do not overlap
    ax.set_ylabel("cumulative repeat purchases")
    ax.set_title("Tracking: cumulative repeat purchases, actual vs model")
    ax.legend(loc="upper left")
    return ax


def plot_conditional_expectations(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs predicted (from ``conditional_expectations``)."""
    ax = _axes(ax)
    positions = np.arange(len(table))
    for column in [c for c in table.columns if c != "customers"]:
        style = {"linewidth": 2.0, "marker": "o"} if column == "actual" else {"linestyle": "--", "marker": "."}
        ax.plot(positions, table[column], color=_MODEL_COLOURS.get(column), label=column, **style)
    ax.set_xticks(positions, [str(i) for i in table.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout")
    ax.set_title("Conditional expectations: who buys in the holdout?")
    ax.legend(loc="upper left")
    return ax


def plot_k_selection(selection: pd.DataFrame, *, chosen: int | None = None, ax: Axes | None = None) -> Axes:
    """Silhouette (higher is better) and, if present, BIC (lower is better) per k (``NeedsSegmentation.selection_``)."""
    ax = _axes(ax)
    ks = selection.index.to_numpy()
    ax.plot(ks, selection["silhouette"], marker="o", color="#08519c", label="silhouette (higher = better)")
    ax.set_xlabel("number of segments k")
    ax.set_ylabel("silhouette")
    if "bic" in selection.columns:
        twin = ax.twinx()
        twin.plot(ks, selection["bic"], marker="s", color="#d95f0e", label="BIC (lower = better)")
        twin.set_ylabel("BIC")
        twin.legend(loc="upper right")
    if chosen is not None:
        ax.axvline(chosen, color="#636363", linestyle=":", label=f"chosen k = {chosen}")
    ax.set_xticks(ks)
    ax.set_title("How many needs segments?")
    ax.legend(loc="lower left")
    return ax


def plot_segment_profiles(zscores: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Heatmap of segment means as standard scores (from ``profile_zscores``): what sets each segment apart."""
    ax = _axes(ax, (9, 0.6 * len(zscores) + 2))
    values = zscores.to_numpy(dtype="float64")
    limit = max(1.0, float(np.nanmax(np.abs(values))))
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(np.arange(zscores.shape[1]), list(zscores.columns), rotation=60, ha="right")
    ax.set_yticks(np.arange(zscores.shape[0]), list(zscores.index))
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{values[i, j]:.1f}", ha="center", va="center", fontsize=7)
    ax.figure.colorbar(image, ax=ax, label="standard score (0 = average customer)")
    ax.set_title("Needs segment profiles")
    return ax


def plot_strategy_matrix(matrix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Value tier x needs segment grid: customers, value and strategy per cell (from ``strategy_matrix``)."""
    tiers = list(dict.fromkeys(matrix["tier"].astype("str")))
    segments = sorted(matrix["segment"].astype("str").unique())
    ax = _axes(ax, (2.2 * len(segments) + 2, 0.9 * len(tiers) + 1.5))
    for _, row in matrix.iterrows():
        i, j = tiers.index(str(row["tier"])), segments.index(str(row["segment"]))
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color=_STRATEGY_COLOURS.get(row["strategy"], "#ffffff"), alpha=0.6))
        mix = ", ".join(f"{k} {int(row[k])}" for k in _STRATEGY_COLOURS if k in row.index and row[k] > 0 and k != row["strategy"])
        ax.text(j, i, f"{row['strategy']}\n{int(row['customers'])} cust., actual value {row['future_value']:,.0f}"
                + (f"\nalso: {mix}" if mix else ""), ha="center", va="center", fontsize=7)
    ax.set_xlim(-0.5, len(segments) - 0.5)
    ax.set_ylim(len(tiers) - 0.5, -0.5)
    ax.set_xticks(range(len(segments)), segments, rotation=20, ha="right")
    ax.set_yticks(range(len(tiers)), tiers)
    ax.set_xlabel("needs segment")
    ax.set_ylabel("value tier")
    ax.set_title("Value x needs: strategy per cell (customers, actual value; also: customers who on their own would get another)",
                 fontsize=10)
    return ax
