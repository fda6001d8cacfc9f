"""The small model fits run on one OpenMP/BLAS thread, and the limit is lifted afterwards (idic_lab._threads)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from threadpoolctl import ThreadpoolController

from idic_lab import differentiate as dif
from idic_lab import interact as it
from idic_lab._threads import one_thread


def _openmp_threads() -> set[int]:
    return {info["num_threads"] for info in ThreadpoolController().info() if info["user_api"] == "openmp"}


def test_one_thread_limits_inside_and_restores_after_an_error():
    before = _openmp_threads()
    assert before, "scikit-learn's OpenMP runtime is loaded"
    with pytest.raises(RuntimeError, match="inside"):
        with one_thread():
            assert _openmp_threads() == {1}
            raise RuntimeError("inside")
    assert _openmp_threads() == before


class _RecordingClassifier(LogisticRegression):
    """Logistic regression that notes the OpenMP thread count its fit ran with."""

    seen: list[set[int]] = []

    def fit(self, x, y, sample_weight=None):
        _RecordingClassifier.seen.append(_openmp_threads())
        return super().fit(x, y, sample_weight=sample_weight)


def _campaign(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    treatment = rng.integers(0, 2, size=n)
    outcome = (rng.random(n) < 0.2 + 0.1 * treatment * (x > 0)).astype("int64")
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "treatment": treatment, "outcome": outcome,
                         "x": x})


def test_uplift_models_fit_on_one_thread():
    _RecordingClassifier.seen = []
    campaign = _campaign()
    for model in (it.TwoModelUplift(estimator=_RecordingClassifier()),
                  it.ClassTransformationUplift(estimator=_RecordingClassifier()),
                  it.ResponseModel(estimator=_RecordingClassifier())):
        model.fit(campaign).predict(campaign)
    assert len(_RecordingClassifier.seen) == 4
    assert all(seen == {1} for seen in _RecordingClassifier.seen)


def test_needs_segmentation_fits_on_one_thread(monkeypatch):
    seen = []

    class RecordingKMeans(KMeans):
        def fit(self, x, y=None, sample_weight=None):
            seen.append(_openmp_threads())
            return super().fit(x, y, sample_weight=sample_weight)

    monkeypatch.setattr(dif.NeedsSegmentation, "_model",
                        lambda self, k: RecordingKMeans(n_clusters=k, n_init=2, random_state=0))
    rng = np.random.default_rng(1)
    features = pd.DataFrame({"a": np.r_[rng.normal(0, 1, 60), rng.normal(5, 1, 60)], "b": rng.normal(size=120),
                             "n_orders": 3}, index=pd.Index([f"c{i:03d}" for i in range(120)], name="customer_id"))
    segmentation = dif.NeedsSegmentation(k_range=(2, 3)).fit(features)
    segmentation.stability(features, n_resamples=2)
    assert len(seen) == 4 and all(s == {1} for s in seen)
