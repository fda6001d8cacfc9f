"""Bad inputs for the Interact stage (idic_lab.interact): campaigns, uplift, retention, satisfaction, channels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from battery.harness import Case, answered, cleaned, parametrize, refused, run_case, warned
from idic_lab import interact as it

# --------------------------------------------------------------------------
# small hand-built inputs
# --------------------------------------------------------------------------


def _campaign(n: int = 40, **overrides) -> pd.DataFrame:
    """n customers per arm; 8 of n control and 12 of n treated respond; one pre-treatment feature."""
    treatment = np.r_[np.zeros(n), np.ones(n)].astype("int64")
    outcome = np.r_[np.arange(n) < 8, np.arange(n) < 12].astype("int64")
    base = {"customer_id": [f"C{i:03d}" for i in range(2 * n)], "treatment": treatment, "outcome": outcome,
            "spend": outcome * 10.0, "x": np.linspace(0.0, 1.0, 2 * n)[::-1] * (1 + 0.1 * (np.arange(2 * n) % 3))}
    return pd.DataFrame(base).assign(**overrides)


def _both_arms() -> pd.DataFrame:
    campaign = _campaign()
    return pd.concat([campaign, campaign.iloc[[0, 1]].assign(treatment=1)], ignore_index=True)


def _logistic():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


def _survey(n: int = 30, **overrides) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    a, b, c = (rng.integers(1, 11, n) for _ in range(3))
    base = {"respondent_id": [f"R{i}" for i in range(n)], "overall": a + b + rng.integers(0, 3, n),
            "nps": rng.integers(0, 11, n), "a": a, "b": b, "c": c}
    return pd.DataFrame(base).assign(**overrides)


def _transactions(**overrides) -> pd.DataFrame:
    base = {"customer_id": ["A", "A", "B", "C", "C", "D"],
            "date": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-20", "2024-02-10", "2024-03-15",
                                    "2024-03-20"]),
            "amount": [10.0, 20.0, 5.0, 8.0, 9.0, 4.0]}
    return pd.DataFrame(base).assign(**overrides)


def _interactions(**overrides) -> pd.DataFrame:
    base = {"customer_id": ["A", "A", "B", "C"], "timestamp": pd.to_datetime(["2024-01-01"] * 4),
            "channel": ["email", "phone", "email", "web"], "cost": [0.1, 5.0, 0.1, 1.0]}
    return pd.DataFrame(base).assign(**overrides)


def _risk(**overrides) -> pd.DataFrame:
    bands = ["likely lost", "at risk", "active", "one-time buyer"]
    base = {"status": pd.Categorical(["at risk"] * 4, categories=bands), "total_value": [5.0, 5.0, 5.0, 9.0],
            "p_alive": [0.3, 0.3, 0.3, 0.4]}
    return pd.DataFrame(base, index=pd.Index(["C", "A", "B", "D"], name="customer_id")).assign(**overrides)


def _finite(table: pd.DataFrame) -> bool:
    return bool(np.isfinite(table.select_dtypes("number").to_numpy()).all())


_SCORES = np.linspace(1.0, 0.0, 80)

# --------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------

CASES = [
    # campaign integrity --------------------------------------------------
    Case("campaign: customer in both arms refused, not counted twice", "interact.campaign_results",
         lambda: it.campaign_results(_both_arms()),
         refused(r"2 customers in both arms \(4 rows.*4 of 82 rows.*repeated='drop'", mentions=("campaign", "customer_id")),
         targets=("table:campaign",)),
    Case("campaign: customer repeated within one arm refused", "interact.campaign_lift",
         lambda: it.campaign_lift(pd.concat([_campaign(), _campaign().iloc[[3]]], ignore_index=True)),
         refused(r"1 customers more than once within one arm.*2 of 81 rows", mentions=("campaign", "customer_id"))),
    Case("campaign: repeated customers dropped on request with a count", "interact.prepare_campaign",
         lambda: it.prepare_campaign(_both_arms(), repeated="drop"),
         cleaned(r"customers in both arms", 4, report=lambda result: result.attrs["cleaning"])),
    Case("campaign: unknown repeated= value lists the choices", "interact.prepare_campaign",
         lambda: it.prepare_campaign(_campaign(), repeated="keep"),
         refused(r"repeated='keep': expected one of 'error', 'drop'", mentions=("repeated",))),
    Case("campaign: no control group (treatment all 1) refused", "interact.campaign_results",
         lambda: it.campaign_results(_campaign(treatment=1)),
         refused(r"expected a control group .* found 0 of 80 rows", mentions=("campaign", "treatment"))),
    Case("campaign: only the control label (treatment all 0) refused", "interact.prepare_campaign",
         lambda: it.prepare_campaign(_campaign(group="control").drop(columns="treatment"),
                                     columns={"treatment": "group"}, control_value="control"),
         refused(r"expected a treated group .* found 0 of 80 rows", mentions=("campaign", "treatment"))),
    Case("campaign: missing group label refused, not read as treated", "interact.prepare_campaign",
         lambda: it.prepare_campaign(_campaign(group=["mail"] * 79 + [None]).drop(columns="treatment"),
                                     columns={"treatment": "group"}, control_value="none"),
         refused(r"expected a group label in every row, found 1 of 80", mentions=("campaign", "group"))),
    Case("campaign: outcome not 0/1 where a rate is computed", "interact.campaign_lift",
         lambda: it.campaign_lift(_campaign(outcome=np.arange(80) % 3)),
         refused(r"expected 0/1 .* found 26 of 80 rows", mentions=("campaign", "outcome"))),
    Case("campaign: group labels instead of 0/1 point to prepare_campaign", "interact.campaign_results",
         lambda: it.campaign_results(_campaign(treatment=np.where(np.arange(80) < 40, "control", "mail"))),
         refused(r"expected 0/1 .* found 80 of 80 rows .*\['control', 'mail'\].*control_value=",
                 mentions=("campaign", "treatment", "prepare_campaign"))),
    Case("campaign: negative spend refused", "interact.campaign_results",
         lambda: it.campaign_results(_campaign(spend=np.r_[-5.0, np.zeros(79)])),
         refused(r"expected money spent >= 0, found 1 of 80 rows", mentions=("campaign", "spend", "clip"))),
    Case("campaign: infinite spend never reaches the revenue", "interact.campaign_lift",
         lambda: it.campaign_lift(_campaign(spend=np.r_[np.inf, np.zeros(79)])),
         refused(r"expected finite numbers, found 1 of 80 rows", mentions=("campaign", "spend"))),
    Case("campaign: unknown lift method lists the choices", "interact.campaign_lift",
         lambda: it.campaign_lift(_campaign(), method="exact"),
         refused(r"method='exact': expected one of 'normal', 'bootstrap'", mentions=("method",))),
    # degenerate statistics: lift ------------------------------------------
    Case("lift: no responders in control gives no inf relative lift", "interact.campaign_lift",
         lambda: it.campaign_lift(_campaign(outcome=np.r_[np.zeros(40), np.arange(40) < 12].astype(int))),
         warned(r"control group has no responders.*relative_lift is left out",
                then=lambda t: "relative_lift" not in t.index and _finite(t))),
    Case("lift: nobody responded in either arm refused", "interact.campaign_lift",
         lambda: it.campaign_lift(_campaign(outcome=0), method="bootstrap"),
         refused(r"expected responders and non-responders, found outcome 0 in all 80 rows",
                 mentions=("campaign", "outcome"))),
    Case("lift: an arm of one customer refused", "interact.campaign_lift",
         lambda: it.campaign_lift(_campaign().iloc[[0, 1, 2, 79]]),
         refused(r"at least 2 customers in each arm", mentions=("campaign", "treatment"))),
    Case("planning: zero effect refused by sample_size", "interact.sample_size",
         lambda: it.sample_size(0.1, 0.0),
         refused(r"minimum_lift=0: expected a lift other than zero", mentions=("minimum_lift",))),
    Case("planning: alpha outside (0, 1) refused by test_power", "interact.test_power",
         lambda: it.test_power(0.1, 0.02, 1000, alpha=1.5),
         refused(r"alpha=1.5: expected a rate between 0 and 1", mentions=("alpha",))),
    Case("planning: zero effect refused by test_power (was power = alpha / 2)", "interact.test_power",
         lambda: it.test_power(0.1, 0.0, 1000),
         refused(r"minimum_lift=0", mentions=("minimum_lift",))),
    Case("planning: power of 1 refused", "interact.sample_size",
         lambda: it.sample_size(0.1, 0.02, power=1.0),
         refused(r"power=1.0: expected a rate between 0 and 1", mentions=("power",))),
    Case("planning: hand-computed Fleiss sample size", "interact.sample_size",
         lambda: it.sample_size(0.10, 0.02),
         answered(lambda n: n == {"control": 3841, "treated": 3841, "total": 7682})),
    # degenerate statistics: uplift ----------------------------------------
    Case("uplift: split of five customers refused with the minimum", "interact.split_campaign",
         lambda: it.split_campaign(_campaign().iloc[[0, 1, 2, 78, 79]]),
         refused(r"at least 4 customers in each arm .* found \{'control': 3, 'treated': 2\}",
                 mentions=("campaign", "treatment"))),
    Case("uplift: test_size outside (0, 1) refused", "interact.split_campaign",
         lambda: it.split_campaign(_campaign(), test_size=1.5),
         refused(r"test_size=1.5: expected a share between 0 and 1", mentions=("test_size",))),
    Case("uplift: default two-model fit on 40 per arm refused (trees cannot split)", "interact.TwoModelUplift",
         lambda: it.TwoModelUplift().fit(_campaign()),
         refused(r"needs at least 160 customers in each of treated and control .* found",
                 mentions=("campaign", "TwoModelUplift", "estimator="))),
    Case("uplift: two responders in control too few for a model", "interact.ClassTransformationUplift",
         lambda: it.ClassTransformationUplift(estimator=_logistic()).fit(
             _campaign(outcome=np.r_[np.arange(40) < 2, np.arange(40) < 12].astype(int))),
         refused(r"in the control group \(at least 5 of each .* found 2 responders", mentions=("campaign", "outcome"))),
    Case("uplift: a constant feature gives a constant score, with a warning", "interact.ResponseModel",
         lambda: it.ResponseModel(estimator=_logistic()).fit(_campaign(x=1.0)),
         warned(r"same score .* no pattern in the features \['x'\]")),
    Case("uplift: infinite feature refused before sklearn sees it", "interact.TwoModelUplift",
         lambda: it.TwoModelUplift(estimator=_logistic()).fit(_campaign(x=np.r_[np.inf, np.ones(79)])),
         refused(r"expected finite numbers, found 1 of 80 rows", mentions=("campaign", "'x'"))),
    Case("uplift: features given as one string refused", "interact.TwoModelUplift",
         lambda: it.TwoModelUplift(features="x", estimator=_logistic()).fit(_campaign()),
         refused(r"features='x': expected a list of column names", mentions=("features",))),
    Case("qini: constant score warned and scores zero", "interact.qini_coefficient",
         lambda: it.qini_coefficient(np.zeros(80), _campaign()),
         warned(r"all 80 scores are equal", then=lambda q: q == 0.0)),
    Case("qini: NaN score refused", "interact.qini_curve",
         lambda: it.qini_curve(np.r_[np.nan, _SCORES[1:]], _campaign()),
         refused(r"scores: expected finite numbers, found 1 of 80", mentions=("scores",))),
    Case("qini: Series indexed unlike the campaign refused, not read by position", "interact.qini_curve",
         lambda: it.qini_curve(pd.Series(_SCORES, index=range(100, 180)), _campaign()),
         refused(r"indexed like the campaign rows or by their customer_id, found 80 of 80", mentions=("scores",))),
    Case("qini: Series indexed by customer_id in another order is matched by id", "interact.qini_coefficient",
         lambda: (it.qini_coefficient(pd.Series(_SCORES, index=_campaign()["customer_id"]).iloc[::-1], _campaign()),
                  it.qini_coefficient(_SCORES, _campaign())),
         answered(lambda pair: math.isclose(*pair))),
    Case("qini: customer in both arms refused when scoring", "interact.qini_coefficient",
         lambda: it.qini_coefficient(np.linspace(1, 0, 82), _both_arms()),
         refused(r"customers in both arms", mentions=("campaign", "customer_id"))),
    Case("deciles: bins with one arm only refused with the largest n_bins that works", "interact.uplift_by_decile",
         lambda: it.uplift_by_decile(np.r_[np.arange(40) + 100.0, np.arange(40)], _campaign(), n_bins=4),
         refused(r"n_bins=4: expected treated and control customers in every bin.*largest n_bins .* is 1",
                 mentions=("n_bins",))),
    Case("qini by split: truth missing for campaign customers refused (was filled with 0)", "interact.qini_by_split",
         lambda: it.qini_by_split(_campaign(), {"lr": it.TwoModelUplift(estimator=_logistic())}, n_splits=1,
                                  truth=pd.Series({"C000": 0.1})),
         refused(r"truth: expected a planted uplift for every campaign customer, found 79 of 80", mentions=("truth",))),
    Case("qini by split: seed=None refused before any split", "interact.qini_by_split",
         lambda: it.qini_by_split(_campaign(), {"lr": it.TwoModelUplift(estimator=_logistic())}, seed=None),
         refused(r"seed=None: expected a number", mentions=("seed",))),
    Case("qini by split: no models refused", "interact.qini_by_split",
         lambda: it.qini_by_split(_campaign(), {}),
         refused(r"models: expected a non-empty mapping", mentions=("models", "TwoModelUplift"))),
    Case("random band: too few permutations refused", "interact.qini_random_band",
         lambda: it.qini_random_band(_campaign(), n_permutations=5),
         refused(r"n_permutations=5", mentions=("n_permutations",))),
    Case("random band: confidence outside (0, 1) refused", "interact.qini_random_band",
         lambda: it.qini_random_band(_campaign(), confidence=1.5),
         refused(r"confidence=1.5: expected a level between 0 and 1", mentions=("confidence",))),
    Case("random band: a finite Qini that a perfect ranking exceeds", "interact.qini_random_band",
         lambda: (it.qini_random_band(_campaign(), n_permutations=50),
                  it.qini_coefficient(_campaign()["outcome"] * (2 * _campaign()["treatment"] - 1), _campaign())),
         answered(lambda r: math.isfinite(r[0]) and r[1] > r[0], "a band below the best ranking")),
    Case("campaign test: too few bootstrap resamples refused", "interact.campaign_test",
         lambda: it.campaign_test(_campaign(), n_bootstrap=0),
         refused(r"n_bootstrap=0: expected a whole number", mentions=("n_bootstrap",))),
    Case("campaign test: an interval across zero reads 'did not measurably change'", "interact.campaign_test",
         lambda: it.campaign_test(_campaign(), n_bootstrap=200).finding(),
         answered(lambda text: text.startswith("The campaign did not measurably change"), "a cautious verdict")),
    Case("uplift study: campaign without features refused", "interact.uplift_study",
         lambda: it.uplift_study(_campaign().drop(columns="x")),
         refused(r"expected numeric pre-treatment feature columns", mentions=("campaign",))),
    Case("qini by split: seeded and finite on a small campaign", "interact.qini_by_split",
         lambda: it.qini_by_split(_campaign(), {"lr": it.TwoModelUplift(estimator=_logistic())}, n_splits=2),
         answered(lambda t: _finite(t) and t.equals(
             it.qini_by_split(_campaign(), {"lr": it.TwoModelUplift(estimator=_logistic())}, n_splits=2)))),
    Case("truth check: constant prediction refused (correlation undefined)", "interact.uplift_truth_check",
         lambda: it.uplift_truth_check(pd.Series(0.0, index=list("abcd")), pd.Series([1.0, 2, 3, 4], index=list("abcd"))),
         refused(r"predicted: expected values that vary over the 4 shared customers", mentions=("predicted",))),
    Case("truth check: NaN prediction refused", "interact.uplift_truth_check",
         lambda: it.uplift_truth_check(pd.Series([np.nan, 1, 2, 3.0], index=list("abcd")),
                                       pd.Series([1.0, 2, 3, 4], index=list("abcd"))),
         refused(r"predicted: expected a finite number per customer, found 1 of 4", mentions=("predicted",))),
    # satisfaction ----------------------------------------------------------
    Case("drivers: collinear drivers named, not LinAlgError", "interact.lmg_importance",
         lambda: it.lmg_importance(_survey().assign(c=lambda s: s["a"] * 2)),
         refused(r"not perfectly collinear, found \['a', 'c'\] linearly dependent", mentions=("survey",)),
         targets=("table:survey",)),
    Case("drivers: a driver that is the sum of two others named with them", "interact.key_drivers",
         lambda: it.key_drivers(_survey().assign(c=lambda s: s["a"] + s["b"])),
         refused(r"found \['a', 'b', 'c'\] linearly dependent", mentions=("survey", "drivers="))),
    Case("drivers: constant driver refused", "interact.relative_weights",
         lambda: it.relative_weights(_survey(c=5)),
         refused(r"constant column\(s\) \['c'\]", mentions=("survey", "drivers="))),
    Case("drivers: fewer respondents than drivers refused", "interact.relative_weights",
         lambda: it.relative_weights(_survey(n=3)),
         refused(r"more complete answers than drivers \+ 1 \(4\), found 3 of 3", mentions=("survey",))),
    Case("drivers: infinite rating refused", "interact.key_drivers",
         lambda: it.key_drivers(_survey().astype({"a": "float64"}).assign(a=lambda s: s["a"].where(s.index != 2, np.inf))),
         refused(r"expected finite numbers, found 1 of 30", mentions=("survey", "'a'"))),
    Case("drivers: incomplete answers left out and counted", "interact.key_drivers",
         lambda: it.key_drivers(_survey().astype({"a": "float64"}).assign(a=lambda s: s["a"].where(s.index != 2))),
         answered(lambda t: t.attrs["n"] == 29 and t.attrs["n_incomplete"] == 1 and _finite(t))),
    Case("importance-performance: one driver cannot be split at the means", "interact.importance_performance",
         lambda: it.importance_performance(pd.DataFrame({"importance": [1.0], "performance": [7.0]}, index=["a"])),
         refused(r"expected at least two drivers", mentions=("key drivers",))),
    Case("importance-performance: missing importance refused", "interact.importance_performance",
         lambda: it.importance_performance(pd.DataFrame({"importance": [np.nan, 0.5], "performance": [7.0, 8.0]})),
         refused(r"'importance': expected a value in every row, found 1 of 2", mentions=("key drivers",))),
    Case("nps: no answers refused", "interact.nps",
         lambda: it.nps(pd.DataFrame({"nps": [np.nan, np.nan]})),
         refused(r"expected answers, found all 2 rows missing", mentions=("survey", "nps"))),
    Case("nps: all promoters warned (interval of no width)", "interact.nps",
         lambda: it.nps(pd.DataFrame({"nps": [9, 10, 10]})),
         warned(r"all 3 answers fall in one group", then=lambda s: s["nps"] == 100.0)),
    # retention ---------------------------------------------------------------
    Case("cohorts: day-first text dates refused, not read month-first", "interact.cohort_retention",
         lambda: it.cohort_retention(_transactions(date=["05.01.2024", "03.02.2024", "20.01.2024", "10.02.2024",
                                                         "15.03.2024", "20.03.2024"]), observation_end="2024-04-30"),
         refused(r"expected dates \(datetime64\), found dtype .*date_format=", mentions=("transactions", "date")),
         targets=("table:transactions",)),
    Case("cohorts: observation_end as an int refused (not 1970)", "interact.cohort_retention",
         lambda: it.cohort_retention(_transactions(), observation_end=20240430),
         refused(r"observation_end=20240430: expected an ISO date", mentions=("observation_end",))),
    Case("cohorts: a single cohort warned", "interact.cohort_retention",
         lambda: it.cohort_retention(_transactions(date=pd.Timestamp("2024-01-05")), observation_end="2024-04-30"),
         warned(r"single cohort", then=lambda t: len(t) == 1)),
    Case("cohorts: no complete period by observation_end refused (was all NaN)", "interact.cohort_retention",
         lambda: it.cohort_retention(_transactions(date=pd.Timestamp("2024-04-05")), observation_end="2024-04-15"),
         refused(r"expected at least one complete period \(M\)", mentions=("transactions", "date"))),
    Case("cohorts: unknown time unit lists the choices", "interact.cohort_retention",
         lambda: it.cohort_retention(_transactions(), observation_end="2024-04-30", time_unit="Y"),
         refused(r"time_unit='Y': expected one of 'D', 'W', 'M', 'Q'", mentions=("time_unit",))),
    Case("churn: no repeat buyers refused as a ValueError (model cannot be fitted)", "interact.churn_risk",
         lambda: it.churn_risk(_transactions().drop_duplicates("customer_id"), observation_end="2024-04-30"),
         refused(r"BG/NBD.*0 of 4 customers with frequency > 0", mentions=("transactions", "churn_risk"))),
    Case("churn: slash dates refused before any model", "interact.churn_risk",
         lambda: it.churn_risk(_transactions(date=["05/01/2024", "03/02/2024", "20/01/2024", "10/02/2024",
                                                   "15/03/2024", "20/03/2024"]), observation_end="2024-04-30"),
         refused(r"Text dates are not guessed", mentions=("transactions", "date"))),
    Case("churn: negative horizon refused", "interact.churn_risk",
         lambda: it.churn_risk(_transactions(), observation_end="2024-04-30", horizon=-1),
         refused(r"horizon=-1.0: expected a number of time units > 0", mentions=("horizon",))),
    Case("assess churn: no repeat buyers stated as a problem, no figures", "interact.assess_churn_risk",
         lambda: it.assess_churn_risk(_transactions().drop_duplicates("customer_id"), observation_end="2024-04-30"),
         answered(lambda r: r.risk is None and not r.usable and "did not converge" in r.problem
                  and r.problem.startswith("At-risk counts and the win-back list are left out")),
         targets=("interact.ChurnRisk",)),
    Case("assess churn: slash dates still refused (data error, not a model failure)", "interact.assess_churn_risk",
         lambda: it.assess_churn_risk(_transactions(date=["05/01/2024", "03/02/2024", "20/01/2024", "10/02/2024",
                                                          "15/03/2024", "20/03/2024"]), observation_end="2024-04-30"),
         refused(r"Text dates are not guessed", mentions=("transactions", "date"))),
    Case("assess churn: bad bands refused", "interact.assess_churn_risk",
         lambda: it.assess_churn_risk(_transactions(), observation_end="2024-04-30", bands=[("a", 0.5), ("b", 0.4)]),
         refused(r"bands: expected increasing upper bounds", mentions=("bands",))),
    Case("win-back: equal values ordered by customer id", "interact.win_back_targets",
         lambda: it.win_back_targets(_risk()),
         answered(lambda t: t.index.tolist() == ["D", "A", "B", "C"])),
    Case("win-back: negative top refused (head(-1) dropped the last)", "interact.win_back_targets",
         lambda: it.win_back_targets(_risk(), top=-1),
         refused(r"top=-1: expected a whole number >= 1", mentions=("top",))),
    Case("win-back: missing P(alive) refused", "interact.win_back_targets",
         lambda: it.win_back_targets(_risk(p_alive=np.nan)),
         refused(r"'p_alive': expected a value in every row, found 4 of 4", mentions=("risk", "churn_risk"))),
    # channels ------------------------------------------------------------------
    Case("channels: infinite cost refused", "interact.channel_summary",
         lambda: it.channel_summary(_interactions(cost=[0.1, np.inf, 0.1, 1.0])),
         refused(r"expected finite numbers, found 1 of 4 rows", mentions=("interactions", "cost")),
         targets=("table:interactions",)),
    Case("channels: channel without a price lists the priced and the found channels", "interact.channel_summary",
         lambda: it.channel_summary(_interactions(), cost_per_contact={"email": 0.1, "phone": 5.0}),
         refused(r"\['web'\] \(costs given for \['email', 'phone'\]; channels in the data: \['email', 'phone', 'web'\]",
                 mentions=("interactions", "channel", "cost_per_contact"))),
    Case("channels: equal contacts and cost ordered by channel name", "interact.channel_summary",
         lambda: it.channel_summary(pd.DataFrame({"customer_id": ["A", "B"], "channel": ["web", "app"],
                                                  "cost": [1.0, 1.0]})),
         answered(lambda t: t.index.tolist() == ["app", "web"])),
    Case("contacts: missing cost refused with a working fix", "interact.customer_contacts",
         lambda: it.customer_contacts(_interactions(cost=[0.1, np.nan, 0.1, 1.0])),
         refused(r"expected a value in every row, found 1 of 4 .*cost_per_contact", mentions=("interactions", "cost"))),
    Case("cost to serve: NaN value refused", "interact.cost_to_serve",
         lambda: it.cost_to_serve(it.customer_contacts(_interactions()), pd.Series({"A": 1.0, "B": np.nan})),
         refused(r"value: expected a finite number per customer, found 1 of 2", mentions=("value",))),
    Case("cost to serve: tiers without customers left out with a warning", "interact.cost_to_serve",
         lambda: it.cost_to_serve(it.customer_contacts(_interactions()), pd.Series({"A": 1.0, "B": 2.0})),
         warned(r"tiers \['Platinum', 'Gold'\] have no customers",
                then=lambda t: t.index.tolist() == ["Iron", "Lead"] and _finite(t))),
    # monitoring ------------------------------------------------------------------
    Case("control chart: a list instead of a Series refused", "interact.control_chart",
         lambda: it.control_chart([0.3] * 30, baseline_periods=10),
         refused(r"series: expected a pandas Series", mentions=("series",))),
    Case("control chart: missing weeks refused, not charted as zero", "interact.control_chart",
         lambda: it.control_chart(pd.Series([0.3, np.nan] * 15), baseline_periods=10),
         refused(r"series: expected a value for every period, found 15 missing", mentions=("series",))),
    Case("control chart: baseline longer than the series refused", "interact.control_chart",
         lambda: it.control_chart(pd.Series(np.linspace(0, 1, 8)), baseline_periods=10),
         refused(r"baseline_periods: expected at most the 8 periods", mentions=("baseline_periods",))),
    Case("control chart: unknown chart lists the choices", "interact.control_chart",
         lambda: it.control_chart(pd.Series(np.linspace(0, 1, 20)), baseline_periods=10, chart="cusum"),
         refused(r"chart='cusum': expected one of 'ewma', 'individuals'", mentions=("chart",))),
    Case("control chart: a flat baseline warned (every change out of control)", "interact.control_chart",
         lambda: it.control_chart(pd.Series([0.3] * 10 + [0.31] * 5), baseline_periods=10),
         warned(r"baseline values do not vary", then=lambda t: bool(t["out_of_control"].iloc[-1]))),
    Case("weekly KPI: unknown kpi lists the choices", "interact.weekly_kpi",
         lambda: it.weekly_kpi(_transactions(), observation_end="2024-04-30", kpi="nps"),
         refused(r"kpi='nps': expected one of 'spend per buyer', 'buyers', 'repeat share'", mentions=("kpi",))),
    Case("weekly KPI: purchases after observation_end refused", "interact.weekly_kpi",
         lambda: it.weekly_kpi(_transactions(), observation_end="2024-03-01"),
         refused(r"expected dates up to observation_end 2024-03-01", mentions=("transactions", "date"))),
    Case("weekly KPI: weeks without purchases count 0 buyers, not left out", "interact.weekly_kpi",
         lambda: it.weekly_kpi(_transactions(), observation_end="2024-04-30", kpi="buyers"),
         answered(lambda s: len(s) == 17 and s.sum() == 6 and (s == 0).sum() == 11 and s.index[-1] == "2024-04-22")),
    Case("simulate_kpi: shift week after the last week refused", "interact.simulate_kpi",
         lambda: it.simulate_kpi(10, shift_week=12),
         refused(r"shift_week: expected a week between 1 and weeks = 10", mentions=("shift_week",))),
    Case("simulate_kpi: negative noise refused", "interact.simulate_kpi",
         lambda: it.simulate_kpi(10, shift_week=5, noise=-1),
         refused(r"noise: expected a standard deviation", mentions=("noise",))),
    # stage results: one call per notebook cell ------------------------------------
    Case("channel costs: the dearest channel per contact and its share of cost in the finding", "interact.channel_costs",
         lambda: it.channel_costs(_interactions()),
         answered(lambda r: r.headline()["dearest_channel"] == "phone" and r.headline()["n_contacts"] == 4
                  and r.finding().startswith("The phone channel carries 81 %")),
         targets=("interact.ChannelCosts",)),
    Case("channel costs: infinite cost refused as by channel_summary", "interact.channel_costs",
         lambda: it.channel_costs(_interactions(cost=[0.1, np.inf, 0.1, 1.0])),
         refused(r"expected finite numbers, found 1 of 4 rows", mentions=("interactions", "cost"))),
    Case("service costs: contacts of a customer who never bought counted apart; empty tiers warned",
         "interact.service_costs",
         lambda: it.service_costs(_interactions(customer_id=["A", "A", "B", "Z"]), _transactions(),
                                  observation_end="2024-04-30"),
         warned(r"tiers \['Platinum', 'Gold'\] have no customers",
                then=lambda r: r.contacts_without_value == 1 and r.note().startswith("1 contacts belong")
                and set(r.headline()) == {"cost_per_customer_by_tier", "cost_to_value_by_tier"}),
         targets=("interact.ServiceCosts",)),
    Case("service costs: purchases after observation_end refused", "interact.service_costs",
         lambda: it.service_costs(_interactions(), _transactions(), observation_end="2024-03-01"),
         refused(r"observation_end", mentions=("transactions",))),
    Case("retention cohorts: period-1 retention weighted by cohort size", "interact.retention_cohorts",
         lambda: it.retention_cohorts(_transactions(), observation_end="2024-04-30"),
         answered(lambda r: r.headline() == {"period1_retention": 0.5} and "in the month after" in r.finding()),
         targets=("interact.RetentionCohorts",)),
    Case("retention cohorts: unknown time unit lists the choices", "interact.retention_cohorts",
         lambda: it.retention_cohorts(_transactions(), observation_end="2024-04-30", time_unit="Y"),
         refused(r"time_unit='Y': expected one of 'D', 'W', 'M', 'Q'", mentions=("time_unit",))),
    Case("monitor KPI: too few complete weeks give no chart and no figures, said in words", "interact.monitor_kpi",
         lambda: it.monitor_kpi(_transactions(), observation_end="2024-04-30"),
         answered(lambda r: not r.usable and r.headline() == {} and r.summary().startswith("Only 6 complete weeks")),
         targets=("interact.KpiMonitor",)),
    Case("monitor KPI: a minimum below 10 weeks refused", "interact.monitor_kpi",
         lambda: it.monitor_kpi(_transactions(), observation_end="2024-04-30", min_weeks=4),
         refused(r"min_weeks", mentions=("min_weeks",))),
    Case("planted shift: no false alarm before the shift, EWMA flags more weeks after it", "interact.planted_shift",
         lambda: it.planted_shift(),
         answered(lambda r: r.headline()["planted_false_alarms"] == 0
                  and r.headline()["planted_flagged_after_shift"]["ewma"]
                  > r.headline()["planted_flagged_after_shift"]["individuals"]),
         targets=("interact.PlantedShift",)),
    Case("planted shift: a baseline reaching into the shift refused", "interact.planted_shift",
         lambda: it.planted_shift(52, shift_week=20, baseline_periods=26),
         refused(r"baseline_periods=26: expected fewer weeks than shift_week=20", mentions=("baseline_periods",))),
    # loading ---------------------------------------------------------------------
    Case("load_inputs: observation_end as an int refused (not 1970)", "interact.load_inputs",
         lambda: it.load_inputs(observation_end=20241231),
         refused(r"observation_end=20241231: expected an ISO date", mentions=("observation_end",))),
    Case("load_table: unknown kind lists the choices", "interact.load_table",
         lambda: it.load_table("customers", "customers.csv"),
         refused(r"kind='customers': expected one of 'interactions', 'campaign', 'survey'", mentions=("kind",))),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
