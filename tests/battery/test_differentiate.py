"""Bad inputs for the Differentiate stage (idic_lab.differentiate): RFM, Pareto, BTYD models, CLV, needs segments.

The fitted models are built once (cached) from the CDNOW sample or from small
hand-built summaries, so each case stays well under a second.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from battery.harness import Case, answered, parametrize, refused, run_case, warned
from idic_lab import differentiate as dif
from idic_lab.datasets import load_dataset

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


# --------------------------------------------------------------------------
# Inputs, built on demand
# --------------------------------------------------------------------------


def _tx(**overrides) -> pd.DataFrame:
    """Six purchases of three customers (a repeat buyer a, one-time b, c buys twice)."""
    base = {
        "customer_id": ["a", "a", "a", "b", "c", "c"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-29", "2024-01-08", "2024-01-22", "2024-02-05"]),
        "amount": [10.0, 20.0, 30.0, 7.0, 5.0, 12.0],
    }
    return pd.DataFrame(base | overrides)


def _identical_buyers() -> pd.DataFrame:
    """Four one-time buyers, same day, same amount (the issue's "all Champions")."""
    return pd.DataFrame({"customer_id": ["w", "x", "y", "z"], "date": pd.to_datetime(["2024-01-10"] * 4),
                         "amount": [25.0] * 4})


def _rfm(transactions: pd.DataFrame | None = None) -> pd.DataFrame:
    return dif.rfm_summary(_tx() if transactions is None else transactions, observation_end="2024-02-05",
                           definition="rfm")


@functools.cache
def _cdnow() -> pd.DataFrame:
    return load_dataset("cdnow_sample")


@functools.cache
def _split(time_unit: str = "W") -> dif.CalibrationHoldout:
    return dif.calibration_holdout_split(_cdnow(), calibration_end=CAL_END, observation_end=OBS_END, time_unit=time_unit)


@functools.cache
def _bgnbd(time_unit: str = "W") -> dif.BGNBDModel:
    return dif.BGNBDModel().fit(_split(time_unit).summary)


@functools.cache
def _gamma_gamma() -> dif.GammaGammaModel:
    return dif.GammaGammaModel().fit(_split("W").summary)


@functools.cache
def _value() -> pd.DataFrame:
    calibration = _cdnow()[_cdnow()["date"] <= CAL_END]
    return dif.customer_value_table(calibration, _bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=13,
                                    annual_discount_rate=0.1, time_unit="W")


def _small_value(n: int = 10, **overrides) -> pd.DataFrame:
    """A hand-built value table of n customers."""
    index = pd.Index([f"v{i:02d}" for i in range(n)], name="customer_id")
    base = {"past_value": np.arange(n, 0, -1) * 10.0, "future_value": np.arange(n, 0, -1) * 5.0,
            "potential_value": np.arange(n, 0, -1) * 2.0, "p_alive": np.full(n, 0.5)}
    return pd.DataFrame(base | overrides, index=index)


def _development_value(n: int = 10) -> pd.DataFrame:
    """A value table with expected purchases (falling with value) and spend; odd customers spend twice as much."""
    spend = np.where(np.arange(n) % 2, 40.0, 20.0)
    return _small_value(n, expected_purchases=np.arange(n, 0, -1) / 4, expected_spend=spend, p_alive=np.full(n, 0.8))


def _steady_buyers(n: int = 150, seed: int = 0) -> pd.DataFrame:
    """BTYD summary of Poisson buyers who never drop out."""
    rng = np.random.default_rng(seed)
    ages = rng.uniform(20, 40, n)
    counts = rng.poisson(rng.gamma(2, 1 / 2, n) * ages)
    last = np.array([rng.uniform(0, t, x).max() if x else 0.0 for t, x in zip(ages, counts)])
    return pd.DataFrame({"frequency": counts.astype(float), "recency": last, "T": ages},
                        index=[f"s{i:03d}" for i in range(n)])


def _no_holdout_split() -> dif.CalibrationHoldout:
    """All purchases in the calibration period: the holdout is empty."""
    return dif.calibration_holdout_split(_tx(), calibration_end="2024-02-05", observation_end="2024-03-31",
                                         time_unit="W")


def _lines(**overrides) -> pd.DataFrame:
    """Order lines with product, channel and quantity."""
    base = {
        "customer_id": ["a", "a", "b", "b", "c", "c"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02", "2024-01-05", "2024-01-03", "2024-01-06"]),
        "amount": [10.0, 20.0, 5.0, 8.0, 30.0, 3.0],
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
        "product_id": ["p1", "p2", "p1", "p3", "p2", "p3"],
        "quantity": [1, 2, 1, 1, 3, 1],
        "channel": ["web", "store", "web", "web", "app", "store"],
    }
    return pd.DataFrame(base | overrides)


_PRODUCTS = pd.DataFrame({"product_id": ["p1", "p2", "p3"], "category": ["books", "games", "books"]})


def _features(n: int = 40, **overrides) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    share = np.r_[rng.uniform(0.8, 1.0, n // 2), rng.uniform(0.0, 0.2, n - n // 2)]
    base = {"share_books": share, "share_games": 1 - share, "n_orders": np.full(n, 3)}
    return pd.DataFrame(base | overrides, index=pd.Index([f"f{i:02d}" for i in range(n)], name="customer_id"))


@functools.cache
def _segmentation() -> dif.NeedsSegmentation:
    return dif.NeedsSegmentation(k_range=(2, 3), n_init=2).fit(_features())


def _write(tmp_name: str, frame: pd.DataFrame) -> str:
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / tmp_name
    frame.to_csv(path, index=False)
    return str(path)


def _tiers_by_id(tiers: pd.Series) -> bool:
    return tiers.iloc[0] == "Platinum" and tiers.tolist().count("Platinum") == 1 and tiers.iloc[-1] == "Lead"


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

CASES = [
    # -- reading ------------------------------------------------------------
    Case("load_transactions: mapped column missing, near miss named", "differentiate.load_transactions",
         lambda: dif.load_transactions(
             _write("t.csv", pd.DataFrame({"Kunde": ["a"], "Datum": ["2024-01-02"], "Betrag": [1.0]})),
             columns={"customer_id": "Kunde", "date": "Datum", "amount": "Betrg"}),
         refused(r"Betrg.*Betrag", mentions=("amount",))),
    Case("load_products: one product in two categories", "differentiate.load_products",
         lambda: dif.load_products(_write("p.csv", pd.DataFrame({"product_id": ["A1", "A1"], "category": ["x", "y"]}))),
         refused(r"product_id.*A1", mentions=("products",))),

    # -- rfm_summary ----------------------------------------------------------
    Case("rfm_summary: day-first text dates are refused, not guessed", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(date=["01/02/2024", "13/02/2024", "14/02/2024", "02/01/2024", "03/01/2024",
                                           "04/01/2024"]), observation_end="2024-03-01"),
         refused(r"datetime64.*date_format=.*dayfirst=True", mentions=("transactions", "date", "6 rows"))),
    Case("rfm_summary: observation_end as an int", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(), observation_end=20240205),
         refused(r"observation_end=20240205.*ISO date", mentions=("observation_end",))),
    Case("rfm_summary: unknown definition lists the choices", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(), observation_end="2024-02-05", definition="marketing"),
         refused(r"definition='marketing'.*'btyd', 'rfm'", mentions=("definition",))),
    Case("rfm_summary: unknown time unit lists the choices", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(), observation_end="2024-02-05", time_unit="weeks"),
         refused(r"time_unit='weeks'.*'D'.*'W'.*'M'.*'Q'", mentions=("time_unit",))),
    Case("rfm_summary: +inf amount refused with a count", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(amount=[10.0, np.inf, 30.0, 7.0, 5.0, 12.0]), observation_end="2024-02-05"),
         refused(r"finite.*1 of 6 rows.*1 infinite.*np.isfinite", mentions=("transactions", "amount"))),
    Case("rfm_summary: missing amount refused with a count", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(amount=[10.0, np.nan, 30.0, 7.0, np.nan, 12.0]), observation_end="2024-02-05"),
         refused(r"finite.*2 of 6 rows", mentions=("transactions", "amount"))),
    Case("rfm_summary: float customer ids refused (digits lost above 2**53)", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(customer_id=[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]), observation_end="2024-02-05"),
         refused(r"float ids.*2\*\*53.*dtype=\{'customer_id': str\}", mentions=("transactions", "customer_id"))),
    Case("rfm_summary: observation_end before the first purchase", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(), observation_end="2023-06-30"),
         refused(r"before the first purchase 2024-01-01.*all 6 rows.*Choose an observation_end",
                 mentions=("observation_end",))),
    Case("rfm_summary: MultiIndex columns", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(pd.concat({"x": _tx()}, axis=1), observation_end="2024-02-05"),
         refused(r"MultiIndex of 2 levels.*Flatten", mentions=("transactions",))),
    Case("rfm_summary: the same column twice", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(pd.concat([_tx(), _tx()[["amount"]]], axis=1), observation_end="2024-02-05"),
         refused(r"each column name once.*\['amount'\]", mentions=("transactions",))),
    Case("rfm_summary: not a DataFrame", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx().to_dict("list"), observation_end="2024-02-05"),
         refused(r"expected a pandas DataFrame.*found dict", mentions=("transactions",), error=TypeError)),
    Case("rfm_summary: the summary carries its unit and definition", "differentiate.rfm_summary",
         lambda: dif.rfm_summary(_tx(), observation_end="2024-02-05", time_unit="D").head(2),
         answered(lambda s: s.attrs["time_unit"] == "D" and s.attrs["definition"] == "btyd"
                  and s.loc["a", "T"] == 35.0, "attrs time_unit='D', definition='btyd'")),

    # -- calibration / holdout --------------------------------------------------
    Case("calibration_holdout_split: calibration_end after observation_end", "differentiate.calibration_holdout_split",
         lambda: dif.calibration_holdout_split(_tx(), calibration_end="2024-03-01", observation_end="2024-02-05"),
         refused(r"calibration_end='2024-03-01'.*before observation_end 2024-02-05.*after",
                 mentions=("calibration_end",))),
    Case("calibration_holdout_split: calibration_end before the first purchase",
         "differentiate.calibration_holdout_split",
         lambda: dif.calibration_holdout_split(_tx(), calibration_end="2023-12-01", observation_end="2024-02-05"),
         refused(r"calibration_end 2023-12-01.*first purchase is 2024-01-01.*all 6 rows.*Choose a calibration_end",
                 mentions=("transactions",))),
    Case("calibration_holdout_split: calibration_end as an int", "differentiate.calibration_holdout_split",
         lambda: dif.calibration_holdout_split(_tx(), calibration_end=20240115, observation_end="2024-02-05"),
         refused(r"calibration_end=20240115.*ISO date", mentions=("calibration_end",))),

    # -- RFM scores -------------------------------------------------------------
    Case("rfm_scores: four identical one-time buyers are not all Champions", "differentiate.rfm_scores",
         lambda: dif.rfm_scores(_rfm(_identical_buyers())),
         refused(r"all 4 with the same recency.*cannot rank them", mentions=("rfm_scores",))),
    Case("rfm_scores: a single customer", "differentiate.rfm_scores",
         lambda: dif.rfm_scores(_rfm(_tx()).iloc[:1]),
         refused(r"all 1 with the same recency", mentions=("rfm_scores",))),
    Case("rfm_scores: tied one-time buyers get the middle score, with a warning", "differentiate.rfm_scores",
         lambda: dif.rfm_scores(_rfm(_identical_buyers().assign(amount=[10.0, 20.0, 30.0, 40.0]))),
         warned(r"recency has 1 different value.*frequency has 1.*middle score 3",
                then=lambda s: (s["R"] == 3).all() and (s["F"] == 3).all() and "Champions" not in set(s["segment"]))),
    Case("rfm_scores: a BTYD summary (recency from the first purchase) is refused", "differentiate.rfm_scores",
         lambda: dif.rfm_scores(dif.rfm_summary(_tx(), observation_end="2024-02-05")),
         refused(r"BTYD summary.*definition='rfm'", mentions=("rfm_scores",))),
    Case("rfm_scores: missing monetary value", "differentiate.rfm_scores",
         lambda: dif.rfm_scores(_rfm().assign(monetary_value=[np.nan, 1.0, 2.0])),
         refused(r"finite numbers in monetary_value.*1 of 3 rows", mentions=("monetary_value",))),
    Case("rfm_segment_table: unknown value column lists the choices", "differentiate.rfm_segment_table",
         lambda: dif.rfm_segment_table(dif.rfm_scores(_rfm(_cdnow())), value="clv"),
         refused(r"value='clv'.*one of \[.*'total_value'", mentions=("value",))),
    Case("rfm_segment_table: all-zero spend gives shares of 0 with a warning", "differentiate.rfm_segment_table",
         lambda: dif.rfm_segment_table(dif.rfm_scores(_rfm(_tx(amount=[0.0] * 6)))),
         warned(r"total_value is 0 for all 3 customers", then=lambda t: (t["share_of_value"] == 0).all()
                and t["share_of_value"].notna().all())),

    # -- Pareto view --------------------------------------------------------------
    Case("gini: all-zero values", "differentiate.gini", lambda: dif.gini([0.0, 0.0, 0.0]),
         refused(r"all 3 values equal to 0", mentions=("gini", "values"))),
    Case("gini: a missing value", "differentiate.gini", lambda: dif.gini(pd.Series([1.0, np.nan, 3.0])),
         refused(r"finite numbers, found 1 of 3", mentions=("gini", "values"))),
    Case("gini: one customer has Gini 0", "differentiate.gini", lambda: dif.gini([42.0]),
         answered(lambda g: g == 0.0, "Gini 0")),
    Case("top_share: share above 1", "differentiate.top_share", lambda: dif.top_share([1.0, 2.0], 1.5),
         refused(r"share=1.5.*\(0, 1\]", mentions=("share",))),
    Case("top_share: share as text", "differentiate.top_share", lambda: dif.top_share([1.0, 2.0], "20%"),
         refused(r"share='20%'.*number", mentions=("share",), error=TypeError)),
    Case("lorenz_curve: a frame of two columns", "differentiate.lorenz_curve",
         lambda: dif.lorenz_curve(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})),
         refused(r"DataFrame with 2 columns", mentions=("lorenz_curve", "values"), error=TypeError)),
    Case("lorenz_curve: negative values", "differentiate.lorenz_curve",
         lambda: dif.lorenz_curve([5.0, -1.0, 2.0]),
         refused(r"values >= 0.*1 of 3 negative", mentions=("lorenz_curve", "values"))),

    # -- purchase models ------------------------------------------------------------
    Case("BGNBDModel: a marketing RFM summary is refused", "differentiate.BGNBDModel",
         lambda: dif.BGNBDModel().fit(_rfm(_cdnow())),
         refused(r"marketing RFM summary.*definition='btyd'", mentions=("summary",))),
    Case("BGNBDModel: time_unit differs from the summary's", "differentiate.BGNBDModel",
         lambda: dif.BGNBDModel(time_unit="D").fit(_split("W").summary),
         refused(r"time_unit='D'.*days.*weeks \('W'\)", mentions=("time_unit",))),
    Case("BGNBDModel: a missing T", "differentiate.BGNBDModel",
         lambda: dif.BGNBDModel().fit(pd.DataFrame({"frequency": [1.0, 2.0], "recency": [1.0, 2.0],
                                                    "T": [3.0, np.nan]}, index=["a", "b"])),
         refused(r"finite numbers.*1 of 2 rows.*in T.*customers b", mentions=("summary",))),
    Case("BGNBDModel: identical customers cannot identify 4 parameters", "differentiate.BGNBDModel",
         lambda: dif.BGNBDModel().fit(pd.DataFrame({"frequency": [2.0] * 4, "recency": [5.0] * 4, "T": [9.0] * 4})),
         refused(r"at least 4 different.*patterns.*found 1 among 4", mentions=("BG/NBD",))),
    Case("BGNBDModel: negative penalizer", "differentiate.BGNBDModel",
         lambda: dif.BGNBDModel(penalizer=-1).fit(_split("W").summary),
         refused(r"penalizer=-1.*>= 0", mentions=("penalizer",))),
    Case("BGNBDModel: summary in days, model in weeks", "differentiate.BGNBDModel",
         lambda: _bgnbd("W").expected_purchases(_split("D").summary, 39),
         refused(r"expected time_unit 'W'.*days \('D'\).*factor of about 7.*time_unit='W'",
                 mentions=("summary", "BG/NBD"))),
    Case("BGNBDModel: prediction before fitting", "differentiate.BGNBDModel",
         lambda: dif.BGNBDModel().p_alive(_split("W").summary),
         refused(r"not fitted yet.*\.fit\(summary\)", mentions=("BGNBDModel",))),
    Case("BGNBDModel: horizon 0", "differentiate.BGNBDModel",
         lambda: _bgnbd("W").expected_purchases(_split("W").summary, 0),
         refused(r"horizon=0.*> 0", mentions=("horizon",))),
    Case("BGNBDModel: no dropout in the data is a degenerate fit", "differentiate.BGNBDModel",
         lambda: dif.BGNBDModel(penalizer=0.001).fit(_steady_buyers(300, 0)),
         warned(r"BG/NBD fitted.*edge.*unusable for P\(alive\) and CLV", then=lambda m: m.degenerate_ != "")),
    Case("ParetoNBDModel: dropout rate ~0 is a degenerate fit", "differentiate.ParetoNBDModel",
         lambda: dif.ParetoNBDModel().fit(_steady_buyers(150, 0)),
         warned(r"Pareto/NBD fitted.*s < 0\.0001.*unusable for P\(alive\) and CLV")),
    Case("ParetoNBDModel: summary in months, model in weeks", "differentiate.ParetoNBDModel",
         lambda: dif.ParetoNBDModel().fit(_split("W").summary).p_alive(_split("M").summary),
         refused(r"expected time_unit 'W'.*months \('M'\)", mentions=("summary", "Pareto/NBD"))),
    Case("fit_purchase_models: names as one string", "differentiate.fit_purchase_models",
         lambda: dif.fit_purchase_models(_split("W").summary, names="BG/NBD"),
         refused(r"names: expected a non-empty list.*names=\['BG/NBD'\]", error=TypeError)),
    Case("fit_purchase_models: unknown model lists the choices", "differentiate.fit_purchase_models",
         lambda: dif.fit_purchase_models(_split("W").summary, names=["BG/NBD", "CLV"]),
         refused(r"names: expected models among \['BG/NBD', 'Pareto/NBD'\], found 'CLV'", mentions=("names",))),
    Case("fit_purchase_models: a degenerate fit is flagged in the status", "differentiate.fit_purchase_models",
         lambda: dif.fit_purchase_models(_steady_buyers(150, 0), names=["Pareto/NBD"]),
         warned(r"Pareto/NBD fitted.*unusable",
                then=lambda result: result[1]["status"].tolist() == ["fitted, unusable"])),

    # -- spend model ------------------------------------------------------------------
    Case("GammaGammaModel: two repeat buyers", "differentiate.GammaGammaModel",
         lambda: dif.GammaGammaModel().fit(_split("W").summary.query("frequency > 0").head(2)),
         refused(r"at least 3 repeat buyers.*found 2", mentions=("Gamma-Gamma",))),
    Case("GammaGammaModel: too few repeat buyers to converge", "differentiate.GammaGammaModel",
         lambda: dif.GammaGammaModel().fit(_split("W").summary.query("frequency > 0").head(20)),
         refused(r"did not converge on 20 repeat buyers.*fewer than 30.*mean spend", mentions=("Gamma-Gamma",))),
    Case("GammaGammaModel: the same spend for every repeat buyer", "differentiate.GammaGammaModel",
         lambda: dif.GammaGammaModel().fit(_split("W").summary.assign(monetary_value=lambda s: np.where(
             s["frequency"] > 0, 20.0, 0.0))),
         refused(r"same monetary_value \(20\).*no spread", mentions=("Gamma-Gamma",))),
    Case("GammaGammaModel: spend correlated with frequency", "differentiate.GammaGammaModel",
         lambda: dif.GammaGammaModel().fit(_split("W").summary.query("frequency > 0").head(200).assign(
             monetary_value=lambda s: s["monetary_value"] * (1 + s["frequency"]))),
         warned(r"correlation is 0\.\d\d \(beyond \+-0.3\)")),

    # -- CLV and value tables -----------------------------------------------------------
    Case("customer_lifetime_value: summary in days, model in weeks (CLV 7x too small)",
         "differentiate.customer_lifetime_value",
         lambda: dif.customer_lifetime_value(_bgnbd("W"), _gamma_gamma(), _split("D").summary, horizon=52,
                                             annual_discount_rate=0.1, time_unit="W"),
         refused(r"days \('D'\).*factor of about 7", mentions=("summary", "time_unit"))),
    Case("customer_lifetime_value: time_unit differs from the model's", "differentiate.customer_lifetime_value",
         lambda: dif.customer_lifetime_value(_bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=12,
                                             annual_discount_rate=0.1, time_unit="M"),
         refused(r"time_unit='M'.*fitted in 'W'.*Pass time_unit='W'", mentions=("time_unit",))),
    Case("customer_lifetime_value: horizon 0", "differentiate.customer_lifetime_value",
         lambda: dif.customer_lifetime_value(_bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=0,
                                             annual_discount_rate=0.1, time_unit="W"),
         refused(r"horizon=0.*>= 1", mentions=("horizon",))),
    Case("customer_lifetime_value: period 0", "differentiate.customer_lifetime_value",
         lambda: dif.customer_lifetime_value(_bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=4,
                                             annual_discount_rate=0.1, time_unit="W", period=0),
         refused(r"period=0.*> 0", mentions=("period",))),
    Case("customer_lifetime_value: negative discount rate", "differentiate.customer_lifetime_value",
         lambda: dif.customer_lifetime_value(_bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=4,
                                             annual_discount_rate=-0.1, time_unit="W"),
         refused(r"annual_discount_rate=-0.1.*>= 0", mentions=("annual_discount_rate",))),
    Case("customer_lifetime_value: discount rate NaN", "differentiate.customer_lifetime_value",
         lambda: dif.customer_lifetime_value(_bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=4,
                                             annual_discount_rate=float("nan"), time_unit="W"),
         refused(r"annual_discount_rate=nan.*finite", mentions=("annual_discount_rate",))),
    Case("customer_lifetime_value: models swapped", "differentiate.customer_lifetime_value",
         lambda: dif.customer_lifetime_value(_gamma_gamma(), _bgnbd("W"), _split("W").summary, horizon=4,
                                             annual_discount_rate=0.1, time_unit="W"),
         refused(r"model: expected a fitted BGNBDModel or ParetoNBDModel, found GammaGammaModel", error=TypeError)),
    Case("customer_value_table: transactions of other customers", "differentiate.customer_value_table",
         lambda: dif.customer_value_table(_tx(), _bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=4,
                                          annual_discount_rate=0.1, time_unit="W"),
         refused(r"none for 2357 of 2357 customers.*transactions the summary was built from",
                 mentions=("transactions",))),
    Case("customer_value_table: purchases after the summary's end are left out and counted",
         "differentiate.customer_value_table",
         lambda: dif.customer_value_table(_cdnow(), _bgnbd("W"), _gamma_gamma(), _split("W").summary, horizon=4,
                                          annual_discount_rate=0.1, time_unit="W"),
         answered(lambda t: t.attrs["rows_after_observation_end"] > 0 and t["past_value"].sum() == float(
             _cdnow().loc[_cdnow()["date"] <= CAL_END, "amount"].sum()), "current value up to the calibration end")),
    Case("value_table: a record mapped to two customers", "differentiate.value_table",
         lambda: dif.value_table(_tx(), observation_end="2024-02-05", horizon=4, annual_discount_rate=0.1,
                                 customer_map=pd.Series(["P1", "P2"], index=["a", "a"])),
         refused(r"each record id once.*1 id\(s\).*e.g. a", mentions=("customer_map",))),
    Case("value_table: horizon as text", "differentiate.value_table",
         lambda: dif.value_table(_tx(), observation_end="2024-02-05", horizon="52", annual_discount_rate=0.1),
         refused(r"horizon='52'.*whole number", mentions=("horizon",), error=TypeError)),
    Case("value_tiers: a missing value", "differentiate.value_tiers",
         lambda: dif.value_tiers(pd.Series([3.0, np.nan, 1.0], index=["a", "b", "c"])),
         refused(r"finite numbers, found 1 of 3.*customers b", mentions=("values",))),
    Case("value_tiers: all values equal: tiers by id, with a warning", "differentiate.value_tiers",
         lambda: dif.value_tiers(pd.Series(0.0, index=[f"c{i:02d}" for i in range(20)])),
         warned(r"all 20 customers have the same value \(0\)", then=_tiers_by_id)),
    Case("value_tiers: ties broken by customer id, not row order", "differentiate.value_tiers",
         lambda: dif.value_tiers(pd.Series([5.0] * 20, index=[f"c{i:02d}" for i in range(19, -1, -1)]).where(
             lambda s: s.index != "c05", 9.0)),
         answered(lambda t: t["c05"] == "Platinum" and t["c00"] == "Gold" and t["c19"] == "Lead",
                  "c05 on top, then c00 (lowest id)")),
    Case("value_tiers: a list instead of a Series", "differentiate.value_tiers",
         lambda: dif.value_tiers([3.0, 2.0, 1.0]),
         refused(r"expected a pandas Series indexed by customer_id.*found list", mentions=("values",),
                 error=TypeError)),
    Case("value_pyramid: rank_by='clv' lists the choices", "differentiate.value_pyramid",
         lambda: dif.value_pyramid(_value(), rank_by="clv"),
         refused(r"rank_by='clv'.*one of \[.*'future_value'", mentions=("rank_by",))),
    Case("value_pyramid: all-zero potential value", "differentiate.value_pyramid",
         lambda: dif.value_pyramid(_small_value(40, potential_value=np.zeros(40))),
         warned(r"potential_value is 0 for all 40 customers",
                then=lambda t: (t["share_of_potential_value"] == 0).all())),
    Case("value_pyramid: too few customers for the top tier", "differentiate.value_pyramid",
         lambda: dif.value_pyramid(_small_value(10)),
         warned(r"10 customers the tier\(s\) \['Platinum'\] hold no customer",
                then=lambda t: list(t.index) == ["Gold", "Iron", "Lead"] and t.notna().all().all())),
    Case("value_pyramid: negative future value", "differentiate.value_pyramid",
         lambda: dif.value_pyramid(_small_value(10, future_value=np.linspace(-1, 8, 10))),
         refused(r"values >= 0 in future_value.*1 of 10 rows negative", mentions=("value_table",))),

    Case("value_groups: shares that add up to more than all customers", "differentiate.value_groups",
         lambda: dif.value_groups(_small_value(10), top_share=0.6, growable_share=0.5),
         refused(r"top_share=0.6, growable_share=0.5.*at most 1", mentions=("top_share", "growable_share"))),
    Case("value_groups: a share as a percent", "differentiate.value_groups",
         lambda: dif.value_groups(_small_value(10), top_share=20),
         refused(r"top_share=20.*below 1", mentions=("top_share",))),
    Case("value_groups: a value table without potential value", "differentiate.value_groups",
         lambda: dif.value_groups(_small_value(10).drop(columns="potential_value")),
         refused(r"no potential_value among", mentions=("value_table",))),
    Case("value_groups: a cost Series missing customers", "differentiate.value_groups",
         lambda: dif.value_groups(_small_value(10), cost_to_serve=pd.Series({"v00": 1.0})),
         refused(r"cost for every customer.*none for 9 of 10", mentions=("cost_to_serve",))),
    Case("value_groups: a negative cost", "differentiate.value_groups",
         lambda: dif.value_groups(_small_value(10), cost_to_serve=-5),
         refused(r"cost_to_serve=-5.*>= 0", mentions=("cost_to_serve",))),
    Case("value_groups: no cost data, no below-zero group, said so", "differentiate.value_groups",
         lambda: dif.value_groups(_small_value(10)),
         answered(lambda g: "below zero" not in g.counts.index and "need cost data" in g.note
                  and g.counts["customers"].sum() == 10, "MVC, MGC and migrators only")),
    Case("value_groups: a cost above everybody's value makes the rest below zero", "differentiate.value_groups",
         lambda: dif.value_groups(_small_value(10), cost_to_serve=1000.0),
         answered(lambda g: g.counts.loc["below zero", "customers"] == 6, "6 below zero besides 2 MVC and 2 MGC")),

    Case("ValueGroups: the counts add up to the labels, group by group", "differentiate.ValueGroups",
         lambda: dif.value_groups(_small_value(40), cost_to_serve=30.0),
         answered(lambda g: g.cost_known and g.labels.value_counts().reindex(g.counts.index).tolist()
                  == g.counts["customers"].tolist(), "counts = labels")),

    # -- holdout validation -------------------------------------------------------------
    Case("naive_holdout_prediction: a summary without a holdout", "differentiate.naive_holdout_prediction",
         lambda: dif.naive_holdout_prediction(dif.rfm_summary(_tx(), observation_end="2024-02-05")),
         refused(r"duration_holdout.*calibration_holdout_split", mentions=("summary",))),
    Case("holdout_validation: an empty holdout is refused, not an inf error", "differentiate.holdout_validation",
         lambda: dif.holdout_validation(_no_holdout_split(), {}),
         refused(r"found 0 repeat occasions by the 3 calibration customers.*earlier calibration_end",
                 mentions=("split",))),
    Case("holdout_validation: a model in days against a split in weeks", "differentiate.holdout_validation",
         lambda: dif.holdout_validation(_split("W"), {"BG/NBD": _bgnbd("D")}),
         refused(r"weeks \('W'\).*days \('D'\)", mentions=("models",))),
    Case("holdout_validation: one model instead of a dict", "differentiate.holdout_validation",
         lambda: dif.holdout_validation(_split("W"), _bgnbd("W")),
         refused(r"dict \{name: fitted model\}.*found BGNBDModel", mentions=("models",), error=TypeError)),
    Case("holdout_validation: a model named 'naive' would overwrite the baseline", "differentiate.holdout_validation",
         lambda: dif.holdout_validation(_split("W"), {"naive": _bgnbd("W")}),
         refused(r"other than \['actual', 'naive', 'customers'\].*'naive'", mentions=("models",))),
    Case("conditional_expectations: max_frequency 0", "differentiate.conditional_expectations",
         lambda: dif.conditional_expectations(_split("W"), {"BG/NBD": _bgnbd("W")}, max_frequency=0),
         refused(r"max_frequency=0.*>= 1", mentions=("max_frequency",))),
    Case("tracking_table: transactions of other customers", "differentiate.tracking_table",
         lambda: dif.tracking_table(_tx(), _split("W"), {"BG/NBD": _bgnbd("W")}),
         refused(r"none for 2357 of 2357 customers.*transactions the split was built from",
                 mentions=("transactions",))),
    Case("tracking_table: a hand-built split with a holdout of no length", "differentiate.tracking_table",
         lambda: dif.tracking_table(_cdnow(), dif.CalibrationHoldout(
             _split("W").summary, _split("W").new_in_holdout, pd.Timestamp(OBS_END), pd.Timestamp(OBS_END), "W"),
             {"BG/NBD": _bgnbd("W")}),
         refused(r"calibration_end before observation_end.*1998-06-30 and 1998-06-30", mentions=("split",))),
    Case("tracking_table: text dates in the transactions", "differentiate.tracking_table",
         lambda: dif.tracking_table(_cdnow().assign(date=_cdnow()["date"].dt.strftime("%d/%m/%Y")), _split("W"),
                                    {"BG/NBD": _bgnbd("W")}),
         refused(r"datetime64.*dayfirst=True", mentions=("transactions", "date"))),

    # -- simulation ---------------------------------------------------------------------
    Case("simulate_bgnbd: no customers", "differentiate.simulate_bgnbd",
         lambda: dif.simulate_bgnbd(0, r=0.2, alpha=4.0, a=0.8, b=2.4, T=39, seed=0),
         refused(r"n_customers=0.*>= 1", mentions=("n_customers",))),
    Case("simulate_bgnbd: a negative parameter", "differentiate.simulate_bgnbd",
         lambda: dif.simulate_bgnbd(10, r=-0.2, alpha=4.0, a=0.8, b=2.4, T=39, seed=0),
         refused(r"r=-0.2.*> 0", mentions=("r=",))),
    Case("simulate_bgnbd: ages of the wrong length", "differentiate.simulate_bgnbd",
         lambda: dif.simulate_bgnbd(10, r=0.2, alpha=4.0, a=0.8, b=2.4, T=[30.0, 39.0], seed=0),
         refused(r"one age >= 0 or one per customer \(10\).*shape \(2,\)", mentions=("T",))),
    Case("simulate_bgnbd: the unit is recorded for the models", "differentiate.simulate_bgnbd",
         lambda: dif.simulate_bgnbd(50, r=0.2, alpha=4.0, a=0.8, b=2.4, T=39, seed=0, time_unit="W"),
         answered(lambda s: s.attrs == {"definition": "btyd", "time_unit": "W"} and len(s) == 50)),

    # -- needs ----------------------------------------------------------------------------
    Case("needs_features: a product in two categories (was InvalidIndexError)", "differentiate.needs_features",
         lambda: dif.needs_features(_lines(), products=pd.concat(
             [_PRODUCTS, pd.DataFrame({"product_id": ["p1"], "category": ["games"]})])),
         refused(r"one category per product_id.*e.g. p1", mentions=("products",))),
    Case("needs_features: no product in the product list (was ZeroDivisionError)", "differentiate.needs_features",
         lambda: dif.needs_features(_lines(), products=_PRODUCTS.assign(product_id=["x1", "x2", "x3"])),
         refused(r"found none for all 6 lines.*same product ids", mentions=("needs_features",))),
    Case("needs_features: lines without a category are counted and warned", "differentiate.needs_features",
         lambda: dif.needs_features(_lines(), products=_PRODUCTS.iloc[:2]),
         warned(r"2 of 6 lines have no product category",
                then=lambda f: f.attrs["lines_without_category"] == 2)),
    Case("needs_features: a missing channel is 'unknown', counted", "differentiate.needs_features",
         lambda: dif.needs_features(_lines(channel=["web", None, "web", "web", "app", "store"])),
         answered(lambda f: f.attrs["orders_without_channel"] == 1 and f.loc["a", "channel_unknown"] == 0.5
                  and "channel_nan" not in f.columns)),
    Case("needs_features: an infinite quantity", "differentiate.needs_features",
         lambda: dif.needs_features(_lines(quantity=[1.0, np.inf, 1.0, 1.0, 3.0, 1.0])),
         refused(r"finite numbers, found 1 of 6 rows", mentions=("transactions", "quantity"))),
    Case("needs_features: customer_map as a dict", "differentiate.needs_features",
         lambda: dif.needs_features(_lines(), customer_map={"a": "P1"}),
         refused(r"expected a pandas Series.*found dict", mentions=("customer_map",), error=TypeError)),
    Case("NeedsSegmentation: fewer customers than segments", "differentiate.NeedsSegmentation",
         lambda: dif.NeedsSegmentation(k=5).fit(_features(4)),
         refused(r"k=5.*found only 4 different.*up to 3", mentions=("min_orders",))),
    Case("NeedsSegmentation: constant features (no needs to segment)", "differentiate.NeedsSegmentation",
         lambda: dif.NeedsSegmentation().fit(_features(30, share_books=0.5, share_games=0.5)),
         refused(r"found only 1 different.*same for every customer", mentions=("k_range",))),
    Case("NeedsSegmentation: unknown method lists the choices", "differentiate.NeedsSegmentation",
         lambda: dif.NeedsSegmentation(method="dbscan").fit(_features()),
         refused(r"method='dbscan'.*'kmeans', 'gmm'", mentions=("method",))),
    Case("NeedsSegmentation: a missing feature value", "differentiate.NeedsSegmentation",
         lambda: dif.NeedsSegmentation().fit(_features(40, share_games=[np.nan] + [0.5] * 39)),
         refused(r"finite numbers in 'share_games', found 1 of 40.*f00", mentions=("features",))),
    Case("NeedsSegmentation: features without n_orders use every customer", "differentiate.NeedsSegmentation",
         lambda: dif.NeedsSegmentation(k=2, n_init=2).fit(_features().drop(columns="n_orders")),
         answered(lambda s: s.n_fitted_ == 40 and s.labels_.value_counts().tolist() == [20, 20])),
    Case("NeedsSegmentation: stability on other customers", "differentiate.NeedsSegmentation",
         lambda: _segmentation().stability(_features(30), n_resamples=2),
         refused(r"the 40 customers the segmentation was fitted on.*found 30", mentions=("features",))),
    Case("NeedsSegmentation: k_range starting at 1 for k-means", "differentiate.NeedsSegmentation",
         lambda: dif.NeedsSegmentation(k_range=(1, 3)).fit(_features()),
         refused(r"k_range=\(1, 3\).*2 <= smallest.*silhouette", mentions=("k_range",))),
    Case("adjusted_rand: a customer labelled twice", "differentiate.adjusted_rand",
         lambda: dif.adjusted_rand(pd.Series([1, 2], index=["a", "a"]), pd.Series([1], index=["a"])),
         refused(r"one label per customer.*e.g. a", mentions=("labels",))),
    Case("adjusted_rand: missing labels are left out, not a segment 'nan'", "differentiate.adjusted_rand",
         lambda: dif.adjusted_rand(pd.Series([1, 1, 2, np.nan], index=list("abcd")),
                                   pd.Series(["x", "x", "y", "y"], index=list("abcd"))),
         answered(lambda ari: ari == 1.0, "ARI 1 on the labelled customers")),
    Case("adjusted_rand: no shared customers", "differentiate.adjusted_rand",
         lambda: dif.adjusted_rand(pd.Series([1, 2], index=["a", "b"]), pd.Series([1, 2], index=["c", "d"])),
         refused(r"expected shared customer ids, found none", mentions=("adjusted_rand",))),
    Case("segment_profiles: labels of customers without features", "differentiate.segment_profiles",
         lambda: dif.segment_profiles(_features(), pd.Series([1, 2], index=["f00", "zz"])),
         refused(r"1 of 2 labelled customers without.*zz", mentions=("labels",))),
    Case("profile_zscores: profiles without names", "differentiate.profile_zscores",
         lambda: dif.profile_zscores(pd.DataFrame({"share_books": [0.9, 0.1]}, index=[1, 2]), _features()),
         refused(r"column name from segment_profiles", mentions=("profiles",))),
    Case("strategy_matrix: more retain tiers than tiers", "differentiate.strategy_matrix",
         lambda: dif.strategy_matrix(_small_value(40), pd.Series(1, index=_small_value(40).index), retain_tiers=9),
         refused(r"retain_tiers=9.*at most.*4", mentions=("retain_tiers",))),
    Case("strategy_matrix: a missing future value", "differentiate.strategy_matrix",
         lambda: dif.strategy_matrix(_small_value(40, future_value=[np.nan] + [1.0] * 39),
                                     pd.Series(1, index=_small_value(40).index)),
         refused(r"finite numbers, found 1 of 40.*v00", mentions=("future_value",))),
    Case("strategy_matrix: no customers in common", "differentiate.strategy_matrix",
         lambda: dif.strategy_matrix(_small_value(40), pd.Series([1, 2], index=["x", "y"])),
         refused(r"found none in common.*same customer ids", mentions=("strategy_matrix",))),
    Case("strategy_matrix: a value table without expected purchases", "differentiate.strategy_matrix",
         lambda: dif.strategy_matrix(_small_value(40), pd.Series(1, index=_small_value(40).index)),
         refused(r"expected_purchases.*expected_spend.*from customer_value_table", mentions=("value_table",))),
    Case("strategy_matrix: a negative grow margin", "differentiate.strategy_matrix",
         lambda: dif.strategy_matrix(_development_value(40), pd.Series(1, index=_development_value(40).index),
                                     grow_margin=-0.5),
         refused(r"grow_margin", mentions=("grow_margin",))),
    Case("strategy_matrix: one segment is never grown (growth is relative to the tier)", "differentiate.strategy_matrix",
         lambda: dif.strategy_matrix(_development_value(40), pd.Series(1, index=_development_value(40).index)),
         answered(lambda m: "grow" not in set(m["strategy"]) and m["customers"].sum() == 40, "no grow cell")),
    Case("strategy_matrix: the segment with big baskets is grown in a low tier", "differentiate.strategy_matrix",
         lambda: dif.strategy_matrix(_development_value(40), pd.Series(np.arange(40) % 2, index=_development_value(40).index)),
         answered(lambda m: set(m.loc[m["tier"] == "Iron", "strategy"]) == {"grow", "maintain"},
                  "one Iron segment grown, the other maintained")),
    # -- what the notebook records -----------------------------------------------------------
    Case("analysis_window: empty ends are filled in (last purchase, middle of the window)", "differentiate.analysis_window",
         lambda: dif.analysis_window(_tx()),
         answered(lambda w: w.end_text == "2024-02-05" and w.calibration_end_text == "2024-01-18"
                  and w.customers == 3 and w.purchases == 6, "end 2024-02-05, calibration end 2024-01-18")),
    Case("analysis_window: an unknown time unit", "differentiate.analysis_window",
         lambda: dif.analysis_window(_tx(), time_unit="fortnight"),
         refused(r"time_unit", mentions=("time_unit",))),
    Case("analysis_window: an observation end before the first purchase", "differentiate.analysis_window",
         lambda: dif.analysis_window(_tx(), observation_end="2023-01-01"),
         refused(r"observation_end=2023-01-01.*first purchase", mentions=("observation_end",))),
    Case("analysis_window: purchases without a date column", "differentiate.analysis_window",
         lambda: dif.analysis_window(_tx().drop(columns="date")),
         refused(r"customer_id and date.*no date", mentions=("transactions",))),
    Case("AnalysisWindow: describes itself in one line", "differentiate.AnalysisWindow",
         lambda: dif.analysis_window(_tx(), time_unit="D").describe("test"),
         answered(lambda line: line.startswith("test: 6 purchases by 3 customers") and "(1 days)" in line,
                  "source, counts, unit")),
    Case("value_concentration: negative spend", "differentiate.value_concentration",
         lambda: dif.value_concentration([5.0, -1.0, 3.0]),
         refused(r"values >= 0", mentions=("values",))),
    Case("value_concentration: one customer brings everything", "differentiate.value_concentration",
         lambda: dif.value_concentration([0.0, 0.0, 0.0, 0.0, 10.0]),
         answered(lambda c: c.top_share == 1.0 and c.against_rule == "more" and c.top_to_rest == float("inf"),
                  "top share 1, more than the rule")),
    Case("ValueConcentration: top and rest add up to the total", "differentiate.ValueConcentration",
         lambda: dif.value_concentration(np.arange(1.0, 11.0)),
         answered(lambda c: c.top_total == 19.0 and c.total == 55.0 and "top 20%" in c.sentence(),
                  "the top two of ten bring 19 of 55")),
    Case("record_results: nothing given, nothing recorded", "differentiate.record_results",
         lambda: dif.record_results(),
         answered(lambda figures: figures == {}, "an empty dict")),
    Case("record_results: a summary that is not a BTYD summary", "differentiate.record_results",
         lambda: dif.record_results(summary=pd.DataFrame({"x": [1.0]})),
         refused(r"frequency", mentions=("summary",))),
    Case("LeftCensoring.clv_note: the top customer was first seen in the start window", "differentiate.LeftCensoring",
         lambda: dif.LeftCensoring(True, 30, 3, 3.0, 1.0, pd.Index(["v00"]), "x").clv_note(_small_value(10)),
         answered(lambda note: note.startswith("**Left-censoring and CLV.** 100") and "first 30 days" in note,
                  "all of the top 10 %")),
    Case("LeftCensoring.clv_note: nothing detected, no note", "differentiate.LeftCensoring",
         lambda: dif.LeftCensoring(False, 30, 3, 3.0, 1.0, pd.Index(["v00"]), "").clv_note(_small_value(10)),
         answered(lambda note: note == "", "an empty note")),
    Case("record_clv: a table without potential value", "differentiate.record_clv",
         lambda: dif.record_clv(_small_value(10).drop(columns="potential_value"), pd.DataFrame(), model="BG/NBD",
                                horizon=52, time_unit="W", annual_discount_rate=0.1),
         refused(r"potential_value", mentions=("value_table",))),
    Case("development_potential: missing columns", "differentiate.development_potential",
         lambda: dif.development_potential(_small_value(10), loyal_purchases=3.0),
         refused(r"expected the columns.*p_alive.*found no expected_purchases", mentions=("value_table",))),
    Case("development_potential: a negative loyal rate", "differentiate.development_potential",
         lambda: dif.development_potential(_development_value(10), loyal_purchases=-1),
         refused(r"loyal_purchases", mentions=("loyal_purchases",))),
    Case("development_potential: nothing to win above the loyal rate", "differentiate.development_potential",
         lambda: dif.development_potential(_development_value(10), loyal_purchases=0.0),
         answered(lambda d: (d == 0).all() and len(d) == 10, "all 0")),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
