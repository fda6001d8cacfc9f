"""Identify stage: benchmark runs with known truth (FEBRL, the synthetic world)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from idic_lab.datasets import LinkageData, load_dataset
from idic_lab.identify._linkage import (
    FEBRL_BLOCKING,
    FEBRL_FIELDS,
    LinkageResult,
    _check_threshold,
    blocking_summary,
    evaluate_links,
    link_records,
    precision_recall_table,
)
from idic_lab.identify._scv import _identity_series

__all__ = ["FebrlBenchmark", "febrl_benchmark", "link_febrl", "truth_links_from_identity"]


_FEBRL = ("febrl1", "febrl2", "febrl3", "febrl4")


def link_febrl(name: str, *, threshold: float = 0.5) -> tuple[LinkageData, LinkageResult]:
    """Deduplicate (FEBRL 1–3) or link (FEBRL 4) a FEBRL data set, unsupervised.

    The true links are *not* used: they are returned beside the result so
    the caller can measure it with :func:`evaluate_links`.

    Returns
    -------
    (LinkageData, LinkageResult)
    """
    if name not in _FEBRL:
        raise ValueError(f"link_febrl: {name!r} is not a FEBRL data set; use one of {list(_FEBRL)}")
    _check_threshold(threshold)
    data = load_dataset(name)
    result = link_records(
        data.records, data.records_b, fields=FEBRL_FIELDS, blocking=FEBRL_BLOCKING, threshold=threshold
    )
    return data, result


def truth_links_from_identity(identity: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """All true duplicate pairs from a record → person mapping.

    Parameters
    ----------
    identity : Series or DataFrame
        Series indexed by record id with the person id as value, or a frame
        whose first column is the record id and second the person id.

    Returns
    -------
    DataFrame
        ``rec_id_1 < rec_id_2`` (as text) for every two records of the same
        person, sorted by ``rec_id_1`` then ``rec_id_2``.

    Raises
    ------
    ValueError
        If a record has no person id or a record id repeats: both would
        invent or hide true links.
    """
    persons = _identity_series(identity, "truth_links_from_identity")
    frame = pd.DataFrame({"rec_id": persons.index.to_numpy(), "person": persons.to_numpy()})
    pairs = frame.merge(frame, on="person", suffixes=("_1", "_2"))
    pairs = pairs[pairs["rec_id_1"] < pairs["rec_id_2"]]
    return pairs[["rec_id_1", "rec_id_2"]].sort_values(["rec_id_1", "rec_id_2"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class FebrlBenchmark:
    """The method measured on FEBRL4 (linking two files) and FEBRL3 (deduplicating one).

    Attributes
    ----------
    febrl4, febrl3 : (LinkageData, LinkageResult)
        The data with their true links, and the unsupervised result.
    scores4, scores3 : dict
        :func:`evaluate_links` of each result against the true links.
    seconds4 : float
        Wall-clock seconds FEBRL4 took to link.
    """

    febrl4: tuple[LinkageData, LinkageResult]
    febrl3: tuple[LinkageData, LinkageResult]
    scores4: dict
    scores3: dict
    seconds4: float

    def scores(self) -> pd.DataFrame:
        """Precision, recall, F1 and counts of both benchmarks, one column each."""
        return pd.DataFrame({"FEBRL4 (link)": self.scores4, "FEBRL3 (deduplicate)": self.scores3})

    def blocking(self) -> pd.DataFrame:
        """FEBRL4's :func:`blocking_summary` (pairs and pairs completeness per key)."""
        data, _ = self.febrl4
        return blocking_summary(data.records, data.records_b, blocking=FEBRL_BLOCKING, kinds=FEBRL_FIELDS,
                                true_links=data.true_links)

    def weights(self) -> pd.DataFrame:
        """The weights table (m, u, weight in bits per field and level) of the model fitted on FEBRL4."""
        return self.febrl4[1].model.weights_table()

    def curves(self) -> dict[str, tuple[pd.DataFrame, dict]]:
        """``{label: (precision_recall_table, scores)}`` of both benchmarks."""
        return {
            "FEBRL4": (precision_recall_table(self.febrl4[1], self.febrl4[0].true_links), self.scores4),
            "FEBRL3": (precision_recall_table(self.febrl3[1], self.febrl3[0].true_links), self.scores3),
        }

    def headline(self) -> dict:
        """Flat ``{result key: value}`` for the notebook's results file (rounded)."""
        values = {}
        for key in ("precision", "recall", "f1"):
            values[f"identify.febrl4.{key}"] = round(float(self.scores4[key]), 4)
            values[f"identify.febrl3.{key}"] = round(float(self.scores3[key]), 4)
        values["identify.febrl4.seconds"] = round(self.seconds4, 1)
        values["identify.febrl4.reduction_ratio"] = round(float(self.febrl4[1].reduction_ratio), 6)
        values["identify.febrl4.weight_bits"] = self.febrl4[1].model.weight_bits()
        for label, (curve, _) in self.curves().items():  # the most recall any threshold reaches
            values[f"identify.{label.lower()}.max_recall"] = round(float(curve["recall"].max()), 4)
        return values


def febrl_benchmark(*, threshold: float = 0.5) -> FebrlBenchmark:
    """Link FEBRL4 and deduplicate FEBRL3 unsupervised, and score both against their true links.

    Parameters
    ----------
    threshold : float
        Match probability (0–1) needed for a link, as in :func:`link_febrl`.

    Returns
    -------
    FebrlBenchmark
    """
    _check_threshold(threshold)
    start = time.perf_counter()
    data4, result4 = link_febrl("febrl4", threshold=threshold)
    seconds4 = time.perf_counter() - start
    data3, result3 = link_febrl("febrl3", threshold=threshold)
    return FebrlBenchmark(
        febrl4=(data4, result4),
        febrl3=(data3, result3),
        scores4=evaluate_links(result4.links, data4.true_links, task="link"),
        scores3=evaluate_links(result3.links, data3.true_links, task="deduplicate"),
        seconds4=seconds4,
    )
