"""Plots of the Customize stage: association rules, recommender comparison, next best offers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from idic_lab.plotting._common import axes_or_new as _axes

__all__ = ["plot_offer_summary", "plot_recommender_comparison", "plot_rules"]




def plot_rules(rules: pd.DataFrame, *, label_top: int = 5, ax: Axes | None = None) -> Axes:
    """Support against confidence of each rule, coloured by lift; the ``label_top`` highest-lift rules named.

    Parameters
    ----------
    rules : DataFrame
        From :func:`idic_lab.customize.association_rules` (sorted by lift).
    label_top : int
        How many of the first rules to label ``antecedent → consequent``.
    ax : Axes, optional
    """
    ax = _axes(ax)
    points = ax.scatter(rules["support"], rules["confidence"], c=rules["lift"], cmap="viridis", s=18, alpha=0.8)
    ax.figure.colorbar(points, ax=ax, label="lift")
    for row in rules.head(label_top).itertuples(index=False):
        ax.annotate(f"{row.antecedent} → {row.consequent}", (row.support, row.confidence), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("support (share of baskets)")
    ax.set_ylabel("confidence")
    ax.set_title(f"{len(rules):,} association rules")
    return ax


def plot_recommender_comparison(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Precision@k, recall@k and hit rate per recommender (from ``compare_recommenders``)."""
    ax = _axes(ax)
    metrics = [m for m in ("precision_at_k", "recall_at_k", "hit_rate") if m in table.columns]
    width = 0.8 / max(len(table), 1)
    positions = np.arange(len(metrics))
    for i, (name, row) in enumerate(table[metrics].iterrows()):
        ax.bar(positions + i * width - 0.4 + width / 2, row.to_numpy(dtype=float), width=width, label=str(name))
    ax.set_xticks(positions, [m.replace("_at_k", "@k").replace("_", " ") for m in metrics])
    ax.set_ylabel("holdout")
    ax.set_ylim(0, 1)
    ax.set_title("Recommenders on the time-based holdout")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_offer_summary(summary: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Expected value and number of offers per category (from ``offer_summary``)."""
    ax = _axes(ax)
    positions = np.arange(len(summary))
    ax.barh(positions, summary["expected_value"], color="#2c7fb8")
    for y, (value, n) in enumerate(zip(summary["expected_value"], summary["offers"])):
        ax.annotate(f"{int(n):,} offers", (value, y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=8)
    ax.set_yticks(positions, [str(i) for i in summary.index])
    ax.invert_yaxis()
    ax.set_xlabel("expected margin of the offers")
    ax.set_title("Next best offers per category")
    return ax
