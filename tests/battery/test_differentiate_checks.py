"""Bad inputs and planted failures for the model checks of idic_lab.differentiate (issue 9).

Summaries are simulated from the BG/NBD process with and without dropout, so
what each check should find is known.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from battery.harness import Case, answered, parametrize, refused, run_case
from idic_lab import differentiate as dif


@functools.cache
def _summary(dropout: bool) -> pd.DataFrame:
    ages = np.random.default_rng(0).uniform(30, 78, 1500)
    a, b = (1.0, 3.0) if dropout else (0.001, 1000.0)
    return dif.simulate_bgnbd(1500, r=0.5, alpha=4.0, a=a, b=b, T=ages, seed=1, time_unit="W")


@functools.cache
def _honest() -> dif.BGNBDModel:
    return dif.BGNBDModel().fit(_summary(True))


def _no_dropout_model() -> dif.BGNBDModel:
    """A BG/NBD model whose dropout was forced to ~0 (what a degenerate fit gives)."""
    model = dif.BGNBDModel().fit(_summary(True))
    model.fitter_.params_ = model.fitter_.params_.copy()
    model.fitter_.params_["a"], model.fitter_.params_["b"] = 1e-5, 50.0
    model.params_ = model.fitter_.params_.astype("float64").rename(model.name)
    return model


def _collected() -> list[str]:
    from idic_lab.diagnostics import warn

    with dif.collect_doubts() as doubts:
        warn("a doubt")
    return doubts


CASES = [
    Case("check_purchase_model: an honest fit on planted dropout passes", "differentiate.check_purchase_model",
         lambda: dif.check_purchase_model(_honest(), _summary(True)),
         answered(lambda c: c.usable and c.problems == () and c.silent_customers > 2 * c.silent_expected_without_dropout,
                  "usable, with dropout visible in the data")),
    Case("check_purchase_model: P(alive) ~ 1 on planted dropout is named", "differentiate.check_purchase_model",
         lambda: dif.check_purchase_model(_no_dropout_model(), _summary(True)),
         answered(lambda c: not c.usable and any("contradicts recency" in p for p in c.problems),
                  "P(alive) contradicting recency")),
    Case("check_purchase_model: a failed fit is a problem, not an error", "differentiate.check_purchase_model",
         lambda: dif.check_purchase_model(dif.ModelFitError("BG/NBD did not converge on 9 customers"), _summary(True)),
         answered(lambda c: not c.fitted and not c.usable and "did not converge" in c.problems[0])),
    Case("check_purchase_model: a table instead of a model", "differentiate.check_purchase_model",
         lambda: dif.check_purchase_model(pd.DataFrame({"a": [1]}), _summary(True)),
         refused(r"model: expected a fitted BGNBDModel", mentions=("DataFrame",))),
    Case("check_purchase_model: p_alive_limit above 1", "differentiate.check_purchase_model",
         lambda: dif.check_purchase_model(_honest(), _summary(True), p_alive_limit=1.5),
         refused(r"p_alive_limit.*between 0 and 1", mentions=("1.5",))),
    Case("check_purchase_models: status table without its columns", "differentiate.check_purchase_models",
         lambda: dif.check_purchase_models({}, pd.DataFrame({"name": ["BG/NBD"]}), _summary(True)),
         refused(r"fit_status.*model, status, message", mentions=("fit_status",))),
    Case("check_purchase_models: the issue's pattern (no dropout in the data)", "differentiate.check_purchase_models",
         lambda: dif.check_purchase_models(*dif.fit_purchase_models(_summary(False), names=["Pareto/NBD"]),
                                           _summary(False)),
         answered(lambda checks: not checks["Pareto/NBD"].usable)),
    Case("long_silent_customers: no dropout, silence within what chance gives", "differentiate.long_silent_customers",
         lambda: dif.long_silent_customers(_summary(False)),
         answered(lambda out: out[0].sum() < 2 * out[1], "fewer long-silent customers than twice the bound")),
    Case("long_silent_customers: factor 0 refused", "differentiate.long_silent_customers",
         lambda: dif.long_silent_customers(_summary(True), factor=0),
         refused(r"factor", mentions=("factor",))),
    Case("PurchaseModelCheck: problems make it unusable", "differentiate.PurchaseModelCheck",
         lambda: dif.PurchaseModelCheck("BG/NBD", ("it failed",), fitted=True),
         answered(lambda c: c.usable is False)),
    Case("choose_clv_model: no model passes -> None and a problem sentence", "differentiate.choose_clv_model",
         lambda: dif.choose_clv_model(pd.DataFrame({"mae": [0.3]}, index=["BG/NBD"]),
                                      {"BG/NBD": dif.PurchaseModelCheck("BG/NBD", ("x",), fitted=True)}),
         answered(lambda out: out[0] is None and "not shown" in out[1])),
    Case("choose_clv_model: unknown metric", "differentiate.choose_clv_model",
         lambda: dif.choose_clv_model(pd.DataFrame({"mae": [0.3]}, index=["BG/NBD"]), {}, metric="mape"),
         refused(r"metric='mape'.*'mae', 'rmse'", mentions=("metric",))),
    Case("left_censoring: ratio 1 refused", "differentiate.left_censoring",
         lambda: dif.left_censoring(pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"]),
                                                  "amount": [1.0]}), ratio=1),
         refused(r"ratio", mentions=("ratio",))),
    Case("left_censoring: a short log is not assessed", "differentiate.left_censoring",
         lambda: dif.left_censoring(pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-01-05"]),
                                                  "amount": [1.0, 2.0]})),
         answered(lambda out: not out.detected and out.message == "")),
    Case("LeftCensoring: excess customers never negative", "differentiate.LeftCensoring",
         lambda: dif.LeftCensoring(False, 30, 3, 3.0, 10.0, pd.Index(["a"]), ""),
         answered(lambda out: out.excess_customers == 0)),
    Case("fit_checked: no repeat buyers is a problem, not an error", "differentiate.fit_checked",
         lambda: dif.fit_checked("BG/NBD", pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 6.0]})),
         answered(lambda out: out[0] is None and not out[1].usable)),
    Case("fit_spend_checked: no repeat buyers is a problem sentence", "differentiate.fit_spend_checked",
         lambda: dif.fit_spend_checked(pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 6.0],
                                                     "monetary_value": [0.0, 0.0]})),
         answered(lambda out: out[0] is None and "CLV" in out[1][0])),
    Case("at_risk: value table without p_alive", "differentiate.at_risk",
         lambda: dif.at_risk(pd.DataFrame({"clv": [1.0]}), _summary(True)),
         refused(r"p_alive", mentions=("value",))),
    Case("load_inputs: client mode without a file refuses bundled data", "differentiate.load_inputs",
         lambda: dif.load_inputs(mode="client"),
         refused(r"transactions_file.*never", mentions=("client",))),
    Case("lorenz_points: 21 points from 0 to 1", "differentiate.lorenz_points",
         lambda: dif.lorenz_points([1.0, 2.0, 3.0, 10.0]),
         answered(lambda out: len(out["value_share"]) == 21 and out["value_share"][-1] == 1.0)),
    Case("collect_doubts: a doubt is collected, not warned", "differentiate.collect_doubts",
         lambda: _collected(),
         answered(lambda out: out == ["a doubt"])),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
