"""Identify stage: benchmark runs with known truth (FEBRL, the synthetic world)."""

from __future__ import annotations

import pandas as pd

from idic_lab.datasets import LinkageData, load_dataset
from idic_lab.identify._linkage import FEBRL_BLOCKING, FEBRL_FIELDS, LinkageResult, _check_threshold, link_records
from idic_lab.identify._scv import _identity_series

__all__ = ["link_febrl", "truth_links_from_identity"]


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
