"""Plots of the CRM models part of the lab: crosswalk, decision guide, maturity radar, gaps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from idic_lab.plotting._common import axes_or_new as _axes

__all__ = [
    "plot_crosswalk",
    "plot_gap_ranking",
    "plot_intention_reality",
    "plot_maturity_radar",
    "plot_model_ranking",
    "plot_readiness",
]




def plot_crosswalk(crosswalk: pd.DataFrame, *, title: str = "Which model covers which capability?",
                   ax: Axes | None = None) -> Axes:
    """Heatmap of models × capabilities (from ``frameworks.crosswalk``); gaps are hatched.

    Parameters
    ----------
    crosswalk : DataFrame
        Models as rows, capabilities as columns, counts of components.
    title : str
    ax : Axes, optional
    """
    ax = _axes(ax, (11, 4.2))
    values = crosswalk.to_numpy(dtype=float)
    shown = np.ma.masked_where(values == 0, values)
    cmap = ListedColormap(plt.get_cmap("Blues")(np.linspace(0.25, 0.95, 256)))
    image = ax.imshow(shown, cmap=cmap, aspect="auto", vmin=1, vmax=max(2.0, float(values.max())))
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            if values[i, j] == 0:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                           edgecolor="#cb181d", linewidth=0))
                ax.text(j, i, "gap", ha="center", va="center", fontsize=8, color="#cb181d")
            else:
                dark = values[i, j] > 0.6 * values.max()
                ax.text(j, i, str(int(values[i, j])), ha="center", va="center", fontsize=9,
                        color="white" if dark else "black")
    ax.set_xticks(range(cols), [str(c) for c in crosswalk.columns], rotation=35, ha="right")
    ax.set_yticks(range(rows), [str(r) for r in crosswalk.index])
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.figure.colorbar(image, ax=ax, label="components mapped", shrink=0.8)
    ax.set_title(title)
    return ax


def plot_model_ranking(ranking: pd.DataFrame, *, title: str = "Decision guide: fit to this business",
                       ax: Axes | None = None) -> Axes:
    """Horizontal bars of the decision-guide scores (from ``frameworks.rank_models``)."""
    ax = _axes(ax, (6, 3.5))
    table = ranking.iloc[::-1]
    colours = ["#08519c" if s == ranking["score"].max() else "#9ecae1" for s in table["score"]]
    ax.barh(table["model"], table["score"], color=colours)
    ax.axvline(0, color="#636363", linewidth=0.8)
    ax.set_xlabel("points from the decision rules")
    ax.set_title(title)
    return ax


def plot_maturity_radar(components: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Radar (spider) chart of one model's component scores: intention and reality.

    Parameters
    ----------
    components : DataFrame
        Rows of ``Assessment.components`` for one model (top-level rows are
        used); needs ``name``, ``intention`` and ``reality``.
    title : str, optional
        Default: the model's name.
    ax : Axes, optional
        Must be a polar Axes (``subplot_kw={"projection": "polar"}``).
    """
    ax = _axes(ax, (5, 5), polar=True)
    if ax.name != "polar":
        raise ValueError("plot_maturity_radar needs a polar Axes: plt.subplots(subplot_kw={'projection': 'polar'})")
    rows = components[components["top_level"]] if "top_level" in components.columns else components
    rows = rows[rows["reality"].notna()]
    if len(rows) < 3:
        raise ValueError(f"plot_maturity_radar: need at least 3 scored components, found {len(rows)}")
    angles = np.linspace(0, 2 * np.pi, len(rows), endpoint=False)
    closed = np.append(angles, angles[0])
    for column, colour, style in (("intention", "#fd8d3c", "--"), ("reality", "#08519c", "-")):
        values = rows[column].to_numpy(dtype=float)
        ax.plot(closed, np.append(values, values[0]), style, color=colour, label=column)
        if column == "reality":
            ax.fill(closed, np.append(values, values[0]), color=colour, alpha=0.2)
    ax.set_xticks(angles, [_wrap(n) for n in rows["name"]], fontsize=8)
    ax.set_ylim(0, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title(title if title is not None else str(rows["model"].iloc[0]) if "model" in rows else "", pad=18)
    ax.legend(loc="lower right", bbox_to_anchor=(1.25, -0.1), fontsize=8)
    return ax


def _wrap(text: str, width: int = 16) -> str:
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def plot_gap_ranking(gaps: pd.DataFrame, *, title: str = "What to fix first: importance × gap",
                     ax: Axes | None = None) -> Axes:
    """Bars of the top gaps (from ``frameworks.gap_analysis``), labelled by item id and area."""
    ax = _axes(ax, (7, 0.35 * max(len(gaps), 4) + 1))
    table = gaps.iloc[::-1]
    labels = [f"{i} ({a})" for i, a in zip(table["item_id"], table["area"])]
    ax.barh(labels, table["priority"], color="#b30000")
    ax.set_xlabel("priority = importance × (intention − reality)")
    ax.set_title(title)
    return ax


def plot_intention_reality(scores: pd.DataFrame, *, label: str | None = None, title: str = "Intention vs reality",
                           ax: Axes | None = None) -> Axes:
    """Dumbbell chart: per row, reality and intention joined by a line (the gap).

    Parameters
    ----------
    scores : DataFrame
        Needs ``intention`` and ``reality`` (e.g. ``Assessment.capabilities``);
        rows are labelled with the index, or with the column ``label`` if given.
        Rows are drawn in order of reality, lowest at the bottom.
    title : str
    ax : Axes, optional
    """
    ax = _axes(ax, (7, 0.4 * max(len(scores), 4) + 1))
    table = scores.assign(_label=scores[label] if label else scores.index).sort_values(["reality", "_label"], kind="stable")
    positions = np.arange(len(table))
    ax.hlines(positions, table["reality"], table["intention"], color="#bdbdbd", linewidth=3, zorder=1)
    ax.scatter(table["reality"], positions, color="#08519c", zorder=3, label="reality (what we really do)")
    ax.scatter(table["intention"], positions, color="#fd8d3c", zorder=3, label="intention (what we mean to do)")
    ax.set_yticks(positions, [str(v) for v in table["_label"]])
    ax.set_xlim(0.8, 5.2)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_xlabel("score (1 ad hoc … 5 optimised); the grey bar is the gap")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
    return ax


def plot_readiness(placements, *, title: str = "Is the business ready for one-to-one? (Peppers, Rogers & Dorf 1999)",
                   ax: Axes | None = None) -> Axes:
    """The readiness grid: value differences (x) against needs differences (y), one point per business.

    Parameters
    ----------
    placements : dict of str -> Readiness
        From ``frameworks.readiness_test``; a business whose needs were not
        measured is drawn as a hollow marker on the x axis.
    title : str
    ax : Axes, optional
    """
    from idic_lab.frameworks._strategy import READINESS_QUADRANTS

    ax = _axes(ax, (7, 5.5))
    first = next(iter(placements.values()))
    vx, ny = first.value_threshold, first.needs_threshold
    ax.axvline(vx, color="grey", lw=1, ls="--")
    ax.axhline(ny, color="grey", lw=1, ls="--")
    for (value, needs), (name, _) in READINESS_QUADRANTS.items():
        x = (first.top + vx) / 2 if value == "low" else (vx + 1) / 2
        y = ny / 2 if needs == "low" else (ny + 1) / 2
        ax.text(x, y, name, ha="center", va="center", color="grey", fontsize=10, style="italic")
    for label, r in placements.items():
        if r.needs_between is None:
            ax.scatter([r.top_share], [0.01], s=80, facecolors="none", edgecolors="C1", zorder=3)
            ax.annotate(f"{label}\n(needs not measured)", (r.top_share, 0.01), textcoords="offset points",
                        xytext=(6, 8), fontsize=9)
        else:
            ax.scatter([r.top_share], [r.needs_between], s=80, color="C0", zorder=3)
            ax.annotate(label, (r.top_share, r.needs_between), textcoords="offset points", xytext=(6, 6), fontsize=9)
    ax.set_xlim(first.top, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"value differences: share of value from the top {first.top:.0%} of customers")
    ax.set_ylabel("needs differences: share of needs variance between segments")
    ax.set_title(title)
    return ax
