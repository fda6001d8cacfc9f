"""Plots of the Interact stage: channel cost, campaign lift, Qini curves, retention, key drivers."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from idic_lab.plotting._common import axes_or_new as _axes

__all__ = [
    "plot_campaign_arms",
    "plot_channel_costs",
    "plot_cohort_retention",
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


def plot_cohort_retention(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Heatmap of cohort retention (from ``cohort_retention``); grey = not yet observed."""
    values = table.drop(columns="customers").to_numpy(dtype="float64")
    ax = _axes(ax, (min(0.5 * values.shape[1] + 3, 14), 0.35 * values.shape[0] + 2))
    cmap = plt.get_cmap("Blues").with_extremes(bad="#f0f0f0")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(np.arange(values.shape[1]), [str(c) for c in table.columns[1:]])
    ax.set_yticks(np.arange(values.shape[0]), [f"{i} ({n:,})" for i, n in zip(table.index, table["customers"])])
    ax.set_xlabel(f"periods since first purchase ({table.attrs.get('time_unit', '')})")
    ax.set_ylabel("cohort (customers)")
    ax.figure.colorbar(image, ax=ax, label="share of the cohort buying in the period")
    ax.set_title("Cohort retention")
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
