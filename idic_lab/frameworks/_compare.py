"""The CRM models side by side: comparison table, crosswalk, lab map and decision guide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.frameworks._models import (
    CAPABILITIES,
    LAB_SECTIONS,
    MODEL_IDS,
    Model,
    _as_models,
    _did_you_mean,
)

__all__ = [
    "BusinessProfile",
    "DECISION_RULES",
    "Rule",
    "compare_summary",
    "comparison_table",
    "components_table",
    "coverage_gaps",
    "crosswalk",
    "decision_rules",
    "lab_coverage",
    "lab_map",
    "model_timeline",
    "rank_grid",
    "rank_models",
]


def _models(models: Mapping[str, Model] | Sequence[str] | None) -> Mapping[str, Model]:
    return _as_models(models)


def components_table(models: Mapping[str, Model] | None = None) -> pd.DataFrame:
    """One row per component of every model.

    Columns: ``model``, ``component``, ``key`` (``model:id``), ``name``,
    ``kind``, ``parent``, ``capabilities`` ("; "-joined), ``lab``
    ("; "-joined section ids), ``description`` and ``source``.
    """
    rows = [
        {
            "model": model.short_name,
            "component": comp.id,
            "key": comp.key,
            "name": comp.name,
            "kind": comp.kind,
            "parent": comp.parent or "",
            "capabilities": "; ".join(comp.capabilities),
            "lab": "; ".join(comp.lab),
            "description": comp.description,
            "source": str(comp.source),
        }
        for model in _models(models).values()
        for comp in model.components
    ]
    return pd.DataFrame(rows)


def comparison_table(models: Mapping[str, Model] | None = None) -> pd.DataFrame:
    """The side-by-side table: one column per model.

    Rows: origin and year, primary source, strategic vs operational focus,
    customer vs organisation view, stages (stages and areas, in order),
    supporting conditions, number of components, how it measures, where it
    fits best, cautions.
    """
    columns = {}
    for model in _models(models).values():
        main = [c.name for c in model.of_kind("stage", "area") if c.parent is None]
        support = [c.name for c in model.of_kind("supporting condition")]
        year = model.year if model.year is not None else "n.d."
        edition = f", {model.edition}" if model.edition else ""
        columns[model.short_name] = {
            "origin and year": f"{model.origin}, {year}{edition}",
            "primary source": str(model.source),
            "focus": f"{model.focus}: {model.focus_note}",
            "view": model.view,
            "stages / areas": "; ".join(main),
            "supporting conditions": "; ".join(support) if support else "(none named separately)",
            "components (incl. sub-elements)": len(model.components),
            "how it measures": model.measures,
            "where it fits best": model.fits_best,
            "cautions": " ".join(model.cautions),
        }
    return pd.DataFrame(columns)


def crosswalk(models: Mapping[str, Model] | None = None, *, count: str = "components") -> pd.DataFrame:
    """Models × capabilities: how many components of each model map to each capability.

    Parameters
    ----------
    models : dict of Model, optional
        Default: all bundled models.
    count : {"components", "top_level"}
        Count every component (incl. sub-elements and activities) or only
        top-level components.

    Returns
    -------
    DataFrame
        Index: model short names; columns: :data:`CAPABILITIES` in order;
        integer counts. A 0 is a gap: the model says nothing specific about
        that capability.
    """
    if count not in ("components", "top_level"):
        raise ValueError(f"crosswalk: count must be 'components' or 'top_level', found {count!r}")
    table = pd.DataFrame(0, index=[m.short_name for m in _models(models).values()], columns=list(CAPABILITIES))
    for model in _models(models).values():
        comps = model.top_level if count == "top_level" else model.components
        for comp in comps:
            for cap in comp.capabilities:
                table.loc[model.short_name, cap] += 1
    table.index.name = "model"
    table.columns.name = "capability"
    return table.astype("int64")


def coverage_gaps(models: Mapping[str, Model] | None = None) -> pd.DataFrame:
    """For each model: capabilities covered (count) and the capabilities it leaves out."""
    cross = crosswalk(models)
    return pd.DataFrame(
        {
            "capabilities covered": (cross > 0).sum(axis=1),
            "of": len(CAPABILITIES),
            "gaps": [", ".join(c for c in cross.columns if cross.loc[m, c] == 0) or "(none)" for m in cross.index],
        }
    )


def lab_map(models: Mapping[str, Model] | None = None) -> pd.DataFrame:
    """Each component mapped to the lab sections that put it into practice.

    One row per (component, lab section); components with no lab section get
    one row with ``section`` empty and ``status`` ``"not practised in the lab"``
    (these are organisational topics a data lab cannot exercise).
    """
    rows = []
    for model in _models(models).values():
        for comp in model.components:
            if not comp.lab:
                rows.append({"model": model.short_name, "component": comp.name, "kind": comp.kind,
                             "section": "", "notebook": "", "analysis": "", "status": "not practised in the lab"})
            for section_id in comp.lab:
                section = LAB_SECTIONS[section_id]
                rows.append({"model": model.short_name, "component": comp.name, "kind": comp.kind,
                             "section": section.id, "notebook": section.notebook,
                             "analysis": section.title, "status": section.status})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# Decision guide
# --------------------------------------------------------------------------

_MARKETS = ("B2B", "B2C")
_LEVELS = ("low", "medium", "high")
_GOALS = ("acquisition", "retention", "efficiency", "growth")


@dataclass(frozen=True)
class BusinessProfile:
    """What the decision guide needs to know about a business.

    Parameters
    ----------
    market : {"B2B", "B2C"}
    n_customers : int
        Number of active customers (accounts for B2B).
    contact_frequency : {"low", "medium", "high"}
        How often a typical customer is in contact (low: a few times a year
        or less; high: weekly or more).
    data_maturity : {"low", "medium", "high"}
        low: no reliable customer-level data; medium: a customer database
        with transactions; high: linked data used routinely for analysis.
    goal : {"acquisition", "retention", "efficiency", "growth"}
        The main goal of the CRM effort.
    """

    market: str
    n_customers: int
    contact_frequency: str
    data_maturity: str
    goal: str

    def __post_init__(self) -> None:
        checks = (("market", _MARKETS), ("contact_frequency", _LEVELS), ("data_maturity", _LEVELS), ("goal", _GOALS))
        for name, allowed in checks:
            value = getattr(self, name)
            if not isinstance(value, str) or value not in allowed:
                raise ValueError(f"BusinessProfile: {name} must be one of {allowed}, found {value!r}."
                                 f"{_did_you_mean(str(value), allowed)}")
        n = self.n_customers
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"BusinessProfile: n_customers must be a whole number >= 1 (active customers or "
                             f"accounts), found {n!r}.")
        object.__setattr__(self, "n_customers", int(n))  # numpy integers become plain ints

    @property
    def size(self) -> str:
        """``"few"`` (< 1,000), ``"many"`` (1,000-99,999) or ``"mass"`` (>= 100,000)."""
        if self.n_customers < 1_000:
            return "few"
        return "many" if self.n_customers < 100_000 else "mass"


@dataclass(frozen=True)
class Rule:
    """One scoring rule: if the profile's ``attribute`` equals ``value``, ``model`` gets ``points``."""

    attribute: str
    value: str
    model: str
    points: int
    reason: str


def _r(attribute: str, value: str, model: str, points: int, reason: str) -> Rule:
    return Rule(attribute, value, model, points, reason)


DECISION_RULES: tuple[Rule, ...] = (
    # main goal
    _r("goal", "acquisition", "qci", 2, "has an explicit targeting and acquisition activity"),
    _r("goal", "acquisition", "payne_frow", 1, "customer strategy chooses which customers to go after"),
    _r("goal", "acquisition", "buttle", 1, "portfolio analysis picks the customers worth winning"),
    _r("goal", "acquisition", "icrm", 1, "looks for the most valuable segments in the market"),
    _r("goal", "acquisition", "idic", -1, "works on customers the firm already knows; acquisition is not one of its stages"),
    _r("goal", "retention", "qci", 2, "retention, win-back and managing problems are activities of their own"),
    _r("goal", "retention", "buttle", 2, "managing the customer lifecycle is a primary stage"),
    _r("goal", "retention", "idic", 1, "Interact and Customize build a learning relationship that is hard to leave"),
    _r("goal", "retention", "icrm", 1, "key drivers show what keeps customers satisfied"),
    _r("goal", "retention", "payne_frow", 1, "retention economics sit in the value creation process"),
    _r("goal", "efficiency", "gartner", 2, "processes, collaboration and technology are building blocks"),
    _r("goal", "efficiency", "payne_frow", 2, "multichannel integration and information management remove duplicate work"),
    _r("goal", "efficiency", "qci", 1, "has process management and an efficiency activity"),
    _r("goal", "efficiency", "buttle", 1, "processes are a supporting condition"),
    _r("goal", "growth", "idic", 2, "Customize grows the share of each customer's business"),
    _r("goal", "growth", "buttle", 2, "value proposition and network development create new value"),
    _r("goal", "growth", "qci", 1, "customer development (penetration) is an activity"),
    _r("goal", "growth", "payne_frow", 1, "value creation weighs value for customer and firm"),
    _r("goal", "growth", "gartner", 1, "vision and strategy set the growth ambition"),
    # market
    _r("market", "B2B", "buttle", 2, "network development and customer intimacy suit account-based B2B relationships"),
    _r("market", "B2B", "idic", 1, "B2B accounts are few and identifiable, so one-to-one treatment is feasible"),
    _r("market", "B2B", "payne_frow", 1, "cross-functional processes match complex B2B buying centres"),
    _r("market", "B2C", "qci", 1, "its activities were developed largely with mass-market (retail, financial) firms"),
    _r("market", "B2C", "icrm", 1, "surveys and key drivers work well across many consumers"),
    # number of customers
    _r("size", "few", "idic", 1, "with few customers each can be known individually"),
    _r("size", "few", "icrm", -1, "few customers give too few survey answers for a key-driver analysis"),
    _r("size", "mass", "payne_frow", 1, "information management and channel integration matter most at scale"),
    _r("size", "mass", "gartner", 1, "technology and information blocks address large customer bases"),
    _r("size", "mass", "icrm", 1, "large samples make segment and driver measurement reliable"),
    # contact frequency
    _r("contact_frequency", "high", "idic", 2, "frequent contacts feed its Interact-Customize learning loop"),
    _r("contact_frequency", "high", "qci", 1, "frequent contacts make enquiry and problem management central"),
    _r("contact_frequency", "low", "idic", -1, "rare contacts leave little to learn from in each interaction"),
    _r("contact_frequency", "low", "icrm", 1, "when customers are rarely met, surveys are the way to hear them"),
    # data maturity
    _r("data_maturity", "low", "gartner", 1, "the information and technology blocks say what to build first"),
    _r("data_maturity", "low", "buttle", 1, "data and IT is an explicit supporting condition"),
    _r("data_maturity", "low", "qci", 1, "its assessment can start from self-ratings, before data exist"),
    _r("data_maturity", "low", "idic", -1, "Differentiate needs customer-level value data the firm does not yet have"),
    _r("data_maturity", "low", "icrm", -1, "the measure step needs survey and behaviour data"),
    _r("data_maturity", "high", "idic", 1, "linked customer data make Identify and Differentiate cheap"),
    _r("data_maturity", "high", "icrm", 1, "data make the measure and monitor steps routine"),
    _r("data_maturity", "high", "payne_frow", 1, "rich information can drive performance assessment"),
)
"""The decision guide's scoring rules. Every model starts at 0; each rule whose
condition the profile meets adds its points. Ties are broken by the order of
:data:`MODEL_IDS`. The rules are our own judgement from the models' contents
(which components they have), not an empirical result."""


_RULE_ATTRIBUTES = ("goal", "market", "size", "contact_frequency", "data_maturity")


def decision_rules(*, model: str | None = None, attribute: str | None = None) -> pd.DataFrame:
    """The scoring rules as a table (columns: attribute, value, model, points, reason), in rule order.

    Parameters
    ----------
    model : str, optional
        Only the rules of this model id (one of :data:`MODEL_IDS`).
    attribute : str, optional
        Only the rules on this profile attribute: ``"goal"``, ``"market"``,
        ``"size"`` (from ``n_customers``), ``"contact_frequency"`` or ``"data_maturity"``.

    Returns
    -------
    DataFrame
    """
    for name, value, allowed in (("model", model, MODEL_IDS), ("attribute", attribute, _RULE_ATTRIBUTES)):
        if value is not None and value not in allowed:
            raise ValueError(f"decision_rules: {name} must be one of {', '.join(allowed)} (or None for all), "
                             f"found {value!r}.{_did_you_mean(str(value), allowed)}")
    rules = [r for r in DECISION_RULES
             if (model is None or r.model == model) and (attribute is None or r.attribute == attribute)]
    return pd.DataFrame([{f.name: getattr(r, f.name) for f in fields(Rule)} for r in rules],
                        columns=[f.name for f in fields(Rule)])


def _profile_value(profile: BusinessProfile, attribute: str) -> str:
    return profile.size if attribute == "size" else getattr(profile, attribute)


def rank_models(
    profile: BusinessProfile | Mapping[str, object],
    *,
    models: Mapping[str, Model] | None = None,
) -> pd.DataFrame:
    """Rank the models for a business profile, with the reasons.

    Parameters
    ----------
    profile : BusinessProfile or dict
        A dict is passed to :class:`BusinessProfile` (same keys).
    models : dict of Model, optional
        Default: all bundled models.

    Returns
    -------
    DataFrame
        One row per model, best first (ties in the order of
        :data:`MODEL_IDS`, then by model id): ``rank``, ``model`` (short
        name), ``model_id``, ``score`` (sum of points of the rules met) and
        ``reasons`` (each rule met, with its points).

    Raises
    ------
    ValueError
        For a profile dict with unknown or missing keys, or a value outside
        its choices (the message lists them).

    Notes
    -----
    The rules are listed in :data:`DECISION_RULES` (see
    :func:`decision_rules`). The ranking is a starting point for discussion:
    it says which model's components speak most directly to the profile, not
    that one model produces better business results.
    """
    profile = _as_profile(profile)
    chosen = _models(models)
    order = {model_id: i for i, model_id in enumerate(MODEL_IDS)}
    rows = []
    for model_id, model in chosen.items():
        met = [r for r in DECISION_RULES if r.model == model_id and _profile_value(profile, r.attribute) == r.value]
        rows.append(
            {
                "model": model.short_name,
                "model_id": model_id,
                "score": sum(r.points for r in met),
                "reasons": "; ".join(f"{r.points:+d} {r.attribute}={r.value}: {r.reason}" for r in met) or "no rule applies",
                "_order": order.get(model_id, len(order)),
            }
        )
    table = pd.DataFrame(rows).sort_values(["score", "_order", "model_id"], ascending=[False, True, True],
                                           kind="stable").drop(columns="_order")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


def _as_profile(profile: Any) -> BusinessProfile:
    """A :class:`BusinessProfile`, or a dict with exactly its keys turned into one."""
    if isinstance(profile, BusinessProfile):
        return profile
    keys = [f.name for f in fields(BusinessProfile)]
    if not isinstance(profile, Mapping):
        raise TypeError(f"rank_models: profile must be a BusinessProfile or a dict with the keys {', '.join(keys)}, "
                        f"found {type(profile).__name__}.")
    unknown = [str(k) for k in profile if k not in keys]
    if unknown:
        hint = _did_you_mean(unknown[0], keys)
        raise ValueError(f"rank_models: unknown profile key(s) {unknown}; the keys are {', '.join(keys)}.{hint}"
                         + (" (size is derived from n_customers)" if "size" in unknown else ""))
    missing = [k for k in keys if k not in profile]
    if missing:
        raise ValueError(f"rank_models: the profile has no {', '.join(missing)}; give all of {', '.join(keys)}, "
                         "e.g. {'market': 'B2C', 'n_customers': 60000, 'contact_frequency': 'low', "
                         "'data_maturity': 'medium', 'goal': 'retention'}.")
    return BusinessProfile(**{k: profile[k] for k in keys})


def rank_grid(
    *,
    n_customers: Sequence[int] = (300, 20_000, 500_000),
    models: Mapping[str, Model] | None = None,
) -> pd.DataFrame:
    """Rank the models for every combination of profile answers.

    Parameters
    ----------
    n_customers : sequence of int
        Customer numbers to try (default: one per size band: few, many, mass).
    models : dict of Model, optional

    Returns
    -------
    DataFrame
        One row per profile (2 markets x sizes x 3 x 3 x 4 goals): the five
        profile answers, ``first`` (short name of the top model) and one
        ``rank_<short name>`` and ``score_<short name>`` column per model.
    """
    if isinstance(n_customers, (int, np.integer)) and not isinstance(n_customers, bool):
        n_customers = [n_customers]
    if isinstance(n_customers, (str, Mapping)) or not isinstance(n_customers, (Sequence, np.ndarray)):
        raise TypeError(f"rank_grid: n_customers must be a list of customer numbers, e.g. (300, 20_000, 500_000), "
                        f"found {type(n_customers).__name__}.")
    if len(n_customers) == 0:
        raise ValueError("rank_grid: n_customers must hold at least one customer number, found an empty list; "
                         "the default (300, 20_000, 500_000) tries one per size band.")
    rows = []
    for market, size, contact, data, goal in product(_MARKETS, n_customers, _LEVELS, _LEVELS, _GOALS):
        profile = BusinessProfile(market, size, contact, data, goal)
        ranking = rank_models(profile, models=models)
        row: dict[str, object] = {"market": market, "n_customers": size, "contact_frequency": contact,
                                  "data_maturity": data, "goal": goal, "first": ranking.iloc[0]["model"]}
        for _, r in ranking.iterrows():
            row[f"rank_{r['model']}"] = r["rank"]
            row[f"score_{r['model']}"] = r["score"]
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# What notebook 05 shows, in one record
# --------------------------------------------------------------------------


def lab_coverage(models: Mapping[str, Model] | None = None) -> pd.DataFrame:
    """Per model: how many of its components (sub-elements included) this lab practises, and how many not.

    A component practised by several lab sections counts once.

    Returns
    -------
    DataFrame
        Index: model short name (in the models' order); one column per
        status of :func:`lab_map` (``available``, ``not practised in the
        lab``, ``planned`` when any), values: numbers of components.
    """
    practice = lab_map(models)
    order = list(dict.fromkeys(practice["model"]))
    table = practice.pivot_table(index="model", columns="status", values="component", aggfunc="nunique",
                                 fill_value=0).reindex(order)
    table.columns.name = "status"
    return table.astype("int64")


def compare_summary(
    models: Mapping[str, Model] | None = None,
    *,
    profile: BusinessProfile | Mapping[str, Any] | None = None,
    grid: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The facts notebook 05 states, as plain values (for ``results.record``).

    Parameters
    ----------
    models : dict of Model, optional
        Default: all bundled models.
    profile : BusinessProfile or dict, optional
        The business profile ranked in the notebook; adds ``profile_first``
        and ``profile_ranking``.
    grid : DataFrame, optional
        :func:`rank_grid` of the same models; adds ``mean_rank_by_goal``.
        The grid's profiles are made up, so its averages describe the
        guide's own rule points, not the models: notebook 05 no longer
        quotes them.

    Returns
    -------
    dict
        ``components_per_model``, ``capabilities_covered``, ``gaps`` (per
        model, the capabilities it leaves out), ``covered_by_all``,
        ``focus`` and ``view`` (per model), ``kinds`` (per model, components
        per kind), ``lab_sections`` (per model and component, the lab
        sections that practise it), ``negative_rules`` (the decision rules
        that take points away, as ``"attribute=value: model"``),
        ``not_practised`` (per model, the
        components without a lab section) and, with a grid,
        ``mean_rank_by_goal`` (goal -> model -> mean rank).
    """
    models = _models(models)
    if grid is not None and (not isinstance(grid, pd.DataFrame) or "first" not in grid.columns):
        raise TypeError(f"compare_summary: grid must be the table returned by rank_grid(models=...), found "
                        f"{type(grid).__name__}" + (" without a 'first' column" if isinstance(grid, pd.DataFrame)
                                                     else "") + ".")
    components = components_table(models)
    cross = crosswalk(models)
    table = comparison_table(models)
    practice = lab_map(models)
    names = [m.short_name for m in models.values()]
    summary: dict[str, Any] = {
        "components_per_model": {m: int((components["model"] == m).sum()) for m in names},
        "capabilities_covered": {m: int((cross.loc[m] > 0).sum()) for m in names},
        "gaps": {m: [c for c in cross.columns if cross.loc[m, c] == 0] for m in names},
        "covered_by_all": [c for c in cross.columns if (cross[c] > 0).all()],
        "focus": {m: str(table.loc["focus", m]).split(":")[0] for m in names},
        "view": {m: str(table.loc["view", m]) for m in names},
        "kinds": {m: {str(k): int(n) for k, n in components.loc[components["model"] == m, "kind"]
                      .value_counts(sort=False).items()} for m in names},
        "lab_sections": {m: {str(c): sorted(set(practice.loc[(practice["model"] == m) & (practice["component"] == c)
                                                             & (practice["section"] != ""), "section"]))
                             for c in dict.fromkeys(practice.loc[practice["model"] == m, "component"])}
                         for m in names},
        "negative_rules": sorted(f"{r.attribute}={r.value}: {r.model}" for r in DECISION_RULES if r.points < 0),
        "not_practised": {m: sorted(practice.loc[(practice["model"] == m)
                                                 & (practice["status"] == "not practised in the lab"), "component"])
                          for m in names},
    }
    if profile is not None:
        ranking = rank_models(profile, models=models)
        summary["profile_first"] = str(ranking.iloc[0]["model"])
        summary["profile_ranking"] = {str(r.model): int(r.score) for r in ranking.itertuples()}
    if grid is not None:
        rank_columns = [f"rank_{m}" for m in names if f"rank_{m}" in grid.columns]
        by_goal = grid.groupby("goal", sort=False)[rank_columns].mean()
        summary["mean_rank_by_goal"] = {goal: {c.removeprefix("rank_"): round(float(v), 3) for c, v in row.items()}
                                        for goal, row in by_goal.iterrows()}
    return summary


def model_timeline(models: Mapping[str, Model] | Sequence[str] | None = None) -> pd.DataFrame:
    """When each model appeared: its first dated source and the version this lab describes.

    Parameters
    ----------
    models : dict of Model or list of model ids, optional
        Default: all bundled models.

    Returns
    -------
    DataFrame
        One row per model, oldest first (ties in the models' order):
        ``model``, ``first_published`` (year of its earliest dated source),
        ``version_described`` (the year of the model file) and ``publications``
        (the years of its dated sources, oldest first).
    """
    rows = []
    for model in _models(models).values():
        years = sorted({s.year for s in model.sources.values() if s.year is not None})
        rows.append({"model": model.short_name, "first_published": years[0] if years else model.year,
                     "version_described": model.year, "publications": ", ".join(map(str, years))})
    return pd.DataFrame(rows).sort_values("first_published", kind="stable").reset_index(drop=True)
