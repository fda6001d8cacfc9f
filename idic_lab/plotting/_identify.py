"""Plots of the Identify stage: audit, match weights, precision–recall, sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from idic_lab.plotting._common import axes_or_new as _axes

__all__ = [
    "plot_completeness",
    "plot_duplicate_impact",
    "plot_match_weights",
    "plot_precision_recall",
    "plot_source_quality",
]




def plot_completeness(column_audit: pd.DataFrame, *, title: str = "How complete is what we know?", ax: Axes | None = None) -> Axes:
    """Horizontal bars of filled and valid shares per column (from ``audit_columns``)."""
    ax = _axes(ax)
    table = column_audit.sort_values("filled", kind="stable")
    positions = np.arange(len(table))
    ax.barh(positions, table["filled"], color="#9ecae1", label="filled")
    valid_of_all = table["filled"] * table["valid"]
    ax.barh(positions, valid_of_all.fillna(0), height=0.4, color="#08519c", label="filled and valid")
    ax.set_yticks(positions, [str(c) for c in table.index])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of records")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax


def plot_match_weights(pairs: pd.DataFrame, *, threshold_weight: float | None = None, truth: pd.Series | None = None, ax: Axes | None = None) -> Axes:
    """Histogram of match weights of the candidate pairs, split by truth if known.

    Parameters
    ----------
    pairs : DataFrame
        ``LinkageResult.pairs`` (needs ``match_weight``).
    threshold_weight : float, optional
        Draws the decision threshold.
    truth : Series of bool, optional
        Aligned with ``pairs``: True for true matches.
    """
    ax = _axes(ax)
    weights = pairs["match_weight"]
    bins = np.linspace(weights.min(), weights.max(), 60)
    if truth is None:
        ax.hist(weights, bins=bins, color="#636363")
    else:
        ax.hist(weights[~truth.to_numpy()], bins=bins, color="#bdbdbd", label="non-matches")
        ax.hist(weights[truth.to_numpy()], bins=bins, color="#08519c", alpha=0.8, label="true matches")
        ax.legend()
    if threshold_weight is not None:
        ax.axvline(threshold_weight, color="#b30000", linestyle="--", label="threshold")
    ax.set_yscale("log")
    ax.set_xlabel("match weight (bits of evidence)")
    ax.set_ylabel("candidate pairs (log scale)")
    ax.set_title("Match weights separate matches from non-matches")
    return ax


def plot_precision_recall(
    curve: pd.DataFrame, *, chosen: dict | None = None, label: str | None = None, ax: Axes | None = None,
    recall_from: float | None = None,
) -> Axes:
    """Precision–recall curve over match-weight thresholds (``precision_recall_table``).

    ``chosen`` (a dict with ``precision`` and ``recall``) marks the threshold
    in use; its legend entry names the curve (``label``), so two curves on
    one axes get two distinct entries. ``recall_from`` zooms to recalls from
    that value up, where a good matcher's curves differ (the rest of a
    near-perfect curve runs along the top edge).
    """
    ax = _axes(ax, (5, 4.5))
    line = ax.plot(curve["recall"], curve["precision"], label=f"{label}: every threshold" if label else None)[0]
    if chosen is not None:
        ax.scatter([chosen["recall"]], [chosen["precision"]], color=line.get_color(), edgecolor="black", s=60,
                   zorder=3, label=f"{label}: threshold p = 0.5" if label else "threshold p = 0.5")
    ax.set_xlabel("recall (true links found)")
    ax.set_ylabel("precision (links that are true)")
    if recall_from is not None:
        if not 0 <= recall_from < 1:
            raise ValueError(f"plot_precision_recall: recall_from must be from 0 to below 1, found {recall_from!r}")
        # every curve on the axes (a second call adds one): the lowest precision in the zoomed range
        low = min((float(np.min(np.asarray(l.get_ydata(), dtype=float)[np.asarray(l.get_xdata(), dtype=float) >= recall_from],
                                initial=1.0)) for l in ax.get_lines()), default=1.0)
        ax.set_xlim(recall_from, 1.0 + (1.0 - recall_from) * 0.02)
        ax.set_ylim(max(0.0, low - 0.02), 1.005)
    else:
        ax.set_xlim(max(0.0, curve["recall"].min() - 0.02), 1.005)
        ax.set_ylim(max(0.0, curve["precision"].min() - 0.02), 1.005)
    ax.set_title("Precision and recall as the threshold moves")
    ax.legend(loc="lower left")
    return ax


def plot_duplicate_impact(impact: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Segment shares before and after merging duplicates (``duplicate_impact``)."""
    ax = _axes(ax)
    segments = impact[impact.index.str.startswith("segment share: ")]
    labels = [s.removeprefix("segment share: ") for s in segments.index]
    positions = np.arange(len(segments))
    ax.barh(positions - 0.2, segments["before"], height=0.4, color="#bdbdbd", label="before (records)")
    ax.barh(positions + 0.2, segments["after"], height=0.4, color="#08519c", label="after (customers)")
    ax.set_yticks(positions, labels)
    ax.set_xlabel("share of buying customers")
    ax.set_title("Duplicates make customers look less loyal")
    # below the axes: the longest bars (loyal customers) reach the right edge, where a legend would hide them
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
    return ax


def plot_source_quality(quality: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Completeness, duplicate rate and later value per acquisition source.

    Takes ``source_quality`` or ``compare_sources(...).table``. With a
    ``revenue_per_customer_acquired`` column and no ``ax`` given, a second
    panel beside the first shows it; the left axes is returned.
    """
    value = "revenue_per_customer_acquired"
    if ax is None and value in quality.columns:
        import matplotlib.pyplot as plt

        _, (ax, right) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 2]})
        spent = quality[value].rename(index=lambda source: str(source).replace("_", " "))
        spent.plot.bar(ax=right, color="#6baed6", rot=0)
        right.set_ylabel("revenue per customer acquired")
        right.set_xlabel("acquisition source")
        right.set_title("What the customers it brought in spent")
    ax = _axes(ax)
    columns = [c for c in ("completeness", "duplicate_rate") if c in quality.columns]
    readable = quality[columns].rename(index=lambda source: str(source).replace("_", " "),
                                       columns=lambda column: column.replace("_", " "))
    readable.plot.bar(ax=ax, color=["#08519c", "#fd8d3c"][: len(columns)], rot=0)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of records")
    ax.set_xlabel("acquisition source")
    ax.set_title("Is a bought list as good as a sign-up?")
    return ax
