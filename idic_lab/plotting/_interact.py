"""Plots of the Interact stage: channel cost, campaign lift, Qini curves, retention, key drivers."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from idic_lab.plotting._common import axes_or_new as _axes

__all__ = [
    "plot_campaign_arms",
    "plot_channel_costs",
    "plot_cohort_retention",
    "plot_control_chart",
    "plot_importance_performance",
    "plot_qini",
    "plot_uplift_by_decile",
]

_QUADRANT_COLOURS = {
    "concentrate here": "#d7301f",
    "keep up the good work": "#1b7f3b",
    "low priority": "#969696",
    "possible overkill": "#fdae6b",
}




def plot_channel_costs(channels: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of contacts versus share of cost per channel (from ``channel_summary``)."""
    ax = _axes(ax)
    positions = np.arange(len(channels))
    ax.barh(positions + 0.2, channels["share_of_contacts"], height=0.4, color="#9ecae1", label="share of contacts")
    ax.barh(positions - 0.2, channels["share_of_cost"], height=0.4, color="#08519c", label="share of cost")
    ax.set_yticks(positions, [str(i) for i in channels.index])
    ax.invert_yaxis()
    ax.set_xlabel("share")
    ax.set_title("Channels: contacts versus cost")
    ax.legend(loc="lower right")
    return ax


def plot_campaign_arms(results: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Response rate per arm with its confidence interval (from ``campaign_results``)."""
    ax = _axes(ax, (5, 4))
    rates = results["response_rate"].to_numpy()
    errors = np.vstack([rates - results["ci_low"].to_numpy(), results["ci_high"].to_numpy() - rates])
    positions = np.arange(len(results))
    ax.bar(positions, rates, color=["#bdbdbd", "#08519c"][: len(results)], yerr=errors, capsize=6)
    ax.set_xticks(positions, [f"{arm}\n(n = {n:,})" for arm, n in zip(results.index, results["customers"])])
    ax.set_ylabel("response rate")
    ax.set_title("Campaign test: response per arm")
    return ax


def plot_qini(curves: Mapping[str, pd.DataFrame], *, ax: Axes | None = None) -> Axes:
    """Qini curves of several scores on the same customers (each from ``qini_curve``), with the random line."""
    ax = _axes(ax)
    first = None
    for name, curve in curves.items():
        ax.plot(curve["share_targeted"], curve["gain"], label=name, linestyle="--" if "truth" in name.lower() else "-")
        first = curve if first is None else first
    if first is not None:
        ax.plot(first["share_targeted"], first["random"], color="#969696", linestyle=":", label="random targeting")
    ax.axhline(0, color="#000000", linewidth=0.5)
    ax.set_xlabel("share of customers targeted (highest score first)")
    ax.set_ylabel("cumulative uplift gain (response rate)")
    ax.set_title("Qini curves on held-out customers")
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_uplift_by_decile(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Observed uplift per score bin, highest predicted uplift first (from ``uplift_by_decile``)."""
    ax = _axes(ax)
    colours = np.where(table["observed_uplift"].to_numpy() >= 0, "#08519c", "#d7301f")
    ax.bar(table.index.astype("str"), table["observed_uplift"], color=colours)
    ax.axhline(0, color="#000000", linewidth=0.5)
    ax.set_xlabel("score bin (1 = highest predicted uplift)")
    ax.set_ylabel("observed uplift (treated − control)")
    ax.set_title("Uplift by bin of the predicted score")
    return ax


def plot_cohort_retention(table: pd.DataFrame, *, min_customers: int = 30, ax: Axes | None = None) -> Axes:
    """Heatmap of cohort retention (from ``cohort_retention``), readable at a glance.

    Period 0 is 100 % by definition (every customer buys in the period of the
    first purchase), so it is drawn grey with its value written and kept off
    the colour scale: the scale runs from 0 to the highest share of periods
    ≥ 1, where the differences between cohorts are. Cohorts of fewer than
    ``min_customers`` customers are hatched and labelled "small": one
    customer more or less moves their shares by several points. Light grey =
    not yet observed.
    """
    if isinstance(min_customers, bool) or not isinstance(min_customers, (int, np.integer)) or min_customers < 0:
        raise ValueError(f"min_customers={min_customers!r}: expected a whole number >= 0, e.g. 30.")
    values = table.drop(columns="customers").to_numpy(dtype="float64")
    ax = _axes(ax, (min(0.5 * values.shape[1] + 3, 14), 0.35 * values.shape[0] + 2.6))
    later = values[:, 1:]
    later = later[np.isfinite(later)]
    top = float(later.max()) if later.size and later.max() > 0 else 1.0
    shown = values.copy()
    shown[:, 0] = np.nan
    cmap = plt.get_cmap("Blues").with_extremes(bad="#f0f0f0")
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, vmin=0, vmax=top, aspect="auto")
    for row, share in enumerate(values[:, 0]):
        if np.isfinite(share):
            ax.add_patch(Rectangle((-0.5, row - 0.5), 1, 1, facecolor="#bdbdbd", edgecolor="none"))
            ax.text(0, row, f"{share:.0%}", ha="center", va="center", fontsize=7)
    sizes = table["customers"].to_numpy()
    small = sizes < min_customers
    for row in np.flatnonzero(small):
        ax.add_patch(Rectangle((-0.5, row - 0.5), values.shape[1], 1, fill=False, hatch="///", edgecolor="#636363",
                               linewidth=0, label="_small"))
    ax.set_xticks(np.arange(values.shape[1]), [str(c) for c in table.columns[1:]])
    ax.set_yticks(np.arange(values.shape[0]), [f"{i} ({n:,}{', small' if s else ''})"
                                               for i, n, s in zip(table.index, sizes, small)])
    ax.set_xlabel(f"periods since first purchase ({table.attrs.get('time_unit', '')})")
    ax.set_ylabel("cohort (customers)")
    ax.figure.colorbar(image, ax=ax, label="share of the cohort buying in the period (periods ≥ 1)")
    handles = [Patch(facecolor="#bdbdbd", label="period 0: 100 % by definition, off the colour scale")]
    if small.any():
        handles.append(Patch(facecolor="white", edgecolor="#636363", hatch="///",
                             label=f"small cohort (< {min_customers} customers): shares unreliable"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, ncol=len(handles),
              frameon=False)
    ax.set_title(f"Cohort retention ({int(small.sum())} small cohorts hatched)" if small.any() else "Cohort retention")
    return ax


def plot_control_chart(chart: pd.DataFrame, *, ylabel: str = "KPI", ax: Axes | None = None) -> Axes:
    """A control chart (from ``control_chart``): values, the charted statistic, centre line, limits, signals."""
    ax = _axes(ax, (9, 4))
    x = np.arange(len(chart))
    kind = chart.attrs.get("chart", "ewma")
    ax.plot(x, chart["value"], color="#9ecae1", marker=".", linewidth=0.8, label="value per period")
    if kind == "ewma":
        ax.plot(x, chart["statistic"], color="#08519c", linewidth=1.5, label="EWMA")
    ax.plot(x, chart["centre"], color="#000000", linewidth=0.8, label="centre line (baseline mean)")
    ax.plot(x, chart["upper"], color="#d7301f", linestyle="--", linewidth=0.8, label="control limits")
    ax.plot(x, chart["lower"], color="#d7301f", linestyle="--", linewidth=0.8)
    baseline = int(chart["baseline"].sum())
    if 0 < baseline < len(chart):
        ax.axvspan(-0.5, baseline - 0.5, color="#f0f0f0", zorder=0, label="baseline")
    flagged = chart["out_of_control"].to_numpy()
    ax.scatter(x[flagged], chart["statistic"].to_numpy()[flagged], color="#d7301f", zorder=3, s=25,
               label="out of control")
    step = max(1, len(chart) // 12)
    ax.set_xticks(x[::step], [str(i) for i in chart.index[::step]], rotation=45 if len(str(chart.index[0])) > 4 else 0,
                  ha="right" if len(str(chart.index[0])) > 4 else "center", fontsize=8)
    ax.set_xlabel(str(chart.index.name or "period"))
    ax.set_ylabel(ylabel)
    name = "EWMA" if kind == "ewma" else "Individuals (Shewhart)"
    ax.set_title(f"{name} control chart, ±{chart.attrs.get('sigma', 3):g} σ limits")
    ax.legend(loc="best", fontsize=7)
    return ax


def plot_importance_performance(matrix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Importance–performance matrix (from ``importance_performance``), split at the means."""
    ax = _axes(ax, (6, 5))
    colours = [_QUADRANT_COLOURS.get(q, "#000000") for q in matrix["quadrant"]]
    ax.scatter(matrix["performance"], matrix["importance"], c=colours, s=60)
    for name, row in matrix.iterrows():
        ax.annotate(str(name), (row["performance"], row["importance"]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.axvline(matrix["performance"].mean(), color="#969696", linestyle=":")
    ax.axhline(matrix["importance"].mean(), color="#969696", linestyle=":")
    for quadrant, colour in _QUADRANT_COLOURS.items():
        ax.scatter([], [], c=colour, label=quadrant)
    ax.set_xlabel("performance (mean rating)")
    ax.set_ylabel("importance (share of explained variance)")
    ax.set_title("Importance–performance matrix")
    ax.legend(loc="best", fontsize=8)
    return ax
