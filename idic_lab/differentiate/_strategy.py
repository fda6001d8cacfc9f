"""Strategy: development potential and the value-tier by needs-segment strategy matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.differentiate._common import _check_series, _number, _require_value_columns, _whole
from idic_lab.differentiate._needs import _check_labels
from idic_lab.differentiate._value import PYRAMID_TIERS, _check_tiers, _check_value_columns, value_tiers


# --------------------------------------------------------------------------
# Value x needs
# --------------------------------------------------------------------------

STRATEGIES: Mapping[str, str] = {
    "retain": "most valuable now: protect the relationship, recognise them, keep service high",
    "grow": "much more to win from their needs: develop them (more purchases, cross-sell in their categories)",
    "maintain": "moderate value and upside: serve well at standard cost",
    "reduce cost to serve": "little value now or later: move to low-cost channels, stop costly contacts",
}
"""The four strategies of the value x needs matrix and what they mean for a manager."""

GROW_MARGIN = 0.1
"""A cell is grown when its development potential per customer is this much above its tier's (0.1: 10 % above)."""

_DEVELOPMENT_COLUMNS = ("p_alive", "expected_purchases", "expected_spend")


def development_potential(value_table: pd.DataFrame, *, loyal_purchases: float) -> pd.Series:
    """The part of potential value that developing a customer could win (share of wallet).

    Peppers & Rogers' potential value is what a customer could be worth with
    another strategy. Besides retention (``potential_value`` of
    :func:`customer_value_table`), a customer can be *developed*: she buys
    more of what she needs from us. Here that is the value of the purchases
    she makes fewer than a loyal customer, at her own expected spend per
    purchase, counted only as far as she is still active::

        P(alive) x expected spend x max(0, loyal_purchases - expected purchases)

    Spend per purchase is where needs enter: a customer whose needs are
    served by expensive baskets (e.g. electronics) adds more with each
    extra purchase than one who buys small items.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table` (``p_alive``,
        ``expected_purchases``, ``expected_spend``).
    loyal_purchases : float
        Expected purchases over the horizon of a loyal customer (e.g. the
        median of the top value tiers), >= 0.

    Returns
    -------
    Series
        Development potential per customer (>= 0), in the currency of the
        values, indexed like ``value_table``.
    """
    _require_value_columns(value_table, _DEVELOPMENT_COLUMNS, "from customer_value_table or value_table")
    loyal_purchases = _number(loyal_purchases, "loyal_purchases", low=0, example="5.4 purchases over the horizon")
    columns = {c: _check_series(value_table[c], f"value_table['{c}']", "from customer_value_table")
               for c in _DEVELOPMENT_COLUMNS}
    gap = (loyal_purchases - columns["expected_purchases"]).clip(lower=0)
    return (columns["p_alive"] * columns["expected_spend"] * gap).rename("development_potential")


def strategy_matrix(
    value_table: pd.DataFrame,
    segments: pd.Series,
    *,
    segment_names: Mapping[Any, str] | None = None,
    tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS,
    retain_tiers: int = 2,
    grow_margin: float = GROW_MARGIN,
) -> pd.DataFrame:
    """Value tiers crossed with needs segments, each cell with a strategy.

    Value decides *how much* to invest, needs decide *where growth is*:

    * the top ``retain_tiers`` tiers are **retain** in every segment;
    * below them a cell is **grow** when its customers' development
      potential (:func:`development_potential`: what they would add by
      buying as often as a loyal customer, at their own spend per purchase)
      is, per customer, more than ``grow_margin`` above the average of the
      same tier over all segments: the same value today, more to win
      tomorrow because of what these customers need;
    * otherwise **reduce cost to serve** in the lowest tier and **maintain**
      in between.

    A loyal customer's purchases are the median expected purchases of the
    retain tiers (of the top tier when ``retain_tiers`` is 0).

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table` (``future_value``,
        ``potential_value``, ``p_alive``, ``expected_purchases``,
        ``expected_spend``), indexed by customer.
    segments : Series
        Needs segment per customer (same index; customers in only one of the
        two are left out).
    segment_names : dict, optional
        Display name per segment label.
    tiers : sequence of (name, cumulative share)
        Value tiers by future value (default Platinum 5 %, Gold 15 %, Iron
        30 %, Lead 50 %).
    retain_tiers : int
        How many top tiers are "retain".
    grow_margin : float
        How far (as a share, >= 0) a cell's development potential per
        customer must exceed its tier's to be grown.

    Returns
    -------
    DataFrame
        One row per (tier, segment) cell with customers: ``customers``,
        ``future_value`` (sum), ``potential_value`` (sum),
        ``development_potential`` (sum), ``future_value_per_customer``,
        ``potential_per_customer``, ``development_per_customer``,
        ``tier_development_per_customer`` (the tier's, all segments),
        ``spend_per_purchase`` and ``purchases_per_customer`` (means of
        ``expected_spend`` and ``expected_purchases``: why development
        potential differs), one
        column per strategy with the number of customers for whom, on their
        own, the rule gives that strategy, and ``strategy``, the cell's
        strategy by the rule above. Rows are sorted by tier (top first),
        then segment. Customers in only one of the two inputs, or without a
        segment, are left out. With one segment no cell is grown: growth is
        relative to the other segments of the tier.
    """
    _check_value_columns(value_table)
    for column in ("future_value", "potential_value"):
        _check_series(value_table[column], f"value_table['{column}']", "from customer_value_table")
    names, _ = _check_tiers(tiers)
    retain_tiers = _whole(retain_tiers, "retain_tiers", 0, "2")
    if retain_tiers > len(names):
        raise ValueError(f"retain_tiers={retain_tiers}: expected at most the number of tiers, {len(names)} ({names}).")
    grow_margin = _number(grow_margin, "grow_margin", low=0, example="0.1 for 10 % above the tier")
    if segment_names is not None and not isinstance(segment_names, Mapping):
        raise TypeError(
            f"segment_names: expected a dict {{segment: name}}, e.g. profiles['name'].to_dict(), found "
            f"{type(segment_names).__name__}."
        )
    segments = _check_labels(segments, "segments")
    common = value_table.index.intersection(segments.index)
    if len(common) == 0:
        raise ValueError(
            f"strategy_matrix: expected customers present in both the value table ({len(value_table)}) and the "
            f"segments ({len(segments)}), found none in common (e.g. {', '.join(map(str, value_table.index[:2]))} "
            f"against {', '.join(map(str, segments.index[:2]))}). Use the same customer ids, e.g. value_table("
            "..., customer_map=...) for per-person value."
        )
    values = value_table.loc[common]
    tier = value_tiers(values["future_value"], tiers)
    loyal = tier.isin(names[:max(retain_tiers, 1)]).to_numpy()
    _require_value_columns(values, _DEVELOPMENT_COLUMNS, "from customer_value_table or value_table")
    loyal_purchases = float(values.loc[loyal, "expected_purchases"].median()) if loyal.any() else 0.0
    development = development_potential(values, loyal_purchases=loyal_purchases)
    segment = segments.loc[common]
    if segment_names is not None:
        segment = segment.map(lambda s: segment_names.get(s, s))
    frame = values.assign(tier=tier, segment=segment.astype("str").to_numpy(), development_potential=development)
    tier_development = frame.groupby("tier", observed=True)["development_potential"].mean()
    bar = (1 + grow_margin) * frame["tier"].map(tier_development).astype("float")
    retain = frame["tier"].isin(names[:retain_tiers]).to_numpy()
    lowest = (frame["tier"] == names[-1]).to_numpy()

    def rule(grow: np.ndarray, retain: np.ndarray, lowest: np.ndarray) -> np.ndarray:
        return np.where(retain, "retain", np.where(grow, "grow", np.where(lowest, "reduce cost to serve", "maintain")))

    frame["strategy"] = rule((frame["development_potential"] > bar).to_numpy(), retain, lowest)
    keys = ["tier", "segment"]
    cells = (
        frame.groupby(keys, observed=True)
        .agg(customers=("future_value", "size"), future_value=("future_value", "sum"),
             potential_value=("potential_value", "sum"), development_potential=("development_potential", "sum"),
             spend_per_purchase=("expected_spend", "mean"), purchases_per_customer=("expected_purchases", "mean"))
    )
    counts = pd.crosstab([frame["tier"], frame["segment"]], frame["strategy"]).reindex(columns=list(STRATEGIES), fill_value=0)
    cells = cells.join(counts).reset_index()
    cells["future_value_per_customer"] = cells["future_value"] / cells["customers"]
    cells["potential_per_customer"] = cells["potential_value"] / cells["customers"]
    cells["development_per_customer"] = cells["development_potential"] / cells["customers"]
    cells["tier_development_per_customer"] = cells["tier"].map(tier_development).astype("float").to_numpy()
    cell_tier = cells["tier"].astype("str")
    cells["strategy"] = rule(
        (cells["development_per_customer"] > (1 + grow_margin) * cells["tier_development_per_customer"]).to_numpy(),
        cell_tier.isin(names[:retain_tiers]).to_numpy(), (cell_tier == names[-1]).to_numpy(),
    )
    return cells


