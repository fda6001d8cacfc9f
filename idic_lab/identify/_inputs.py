"""Identify stage: the notebook's inputs, from a client's files or the synthetic world.

:func:`load_inputs` holds the branching that notebook 01 needs before any
analysis: either read, map and validate a client's customer, transaction
and interaction exports, or draw the seeded synthetic CRM world (with its
known identities); then clean the transactions and work out the end of the
observation window. In client mode (``mode="client"``) the synthetic world
is never drawn: without customer files the call is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from idic_lab.identify._scv import _as_list, load_customer_files
from idic_lab.schema import CleaningReport, as_date, clean, column_mapping, read_file, validate

__all__ = ["IdentifyInputs", "load_inputs"]

SYNTHETIC_SOURCE = "synthetic world"
MODES = ("teaching", "client")


@dataclass(frozen=True)
class IdentifyInputs:
    """The tables notebook 01 works on, with where they came from.

    Attributes
    ----------
    customers : DataFrame
        Canonical customers table with a ``source`` column.
    transactions : DataFrame or None
        Cleaned canonical transactions; None when none were given.
    interactions : DataFrame or None
        Validated canonical interactions; None when none were given.
    identity : DataFrame or None
        The synthetic world's true ``record -> person`` table; None for client data.
    observation_end : str or None
        ISO date ending the observation window; None without a parameter,
        a synthetic world or transactions.
    cleaning : CleaningReport or None
        What cleaning dropped from the transactions; None without transactions.
    source : str
        ``"synthetic world"`` or the customer file names, comma-separated.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame | None
    interactions: pd.DataFrame | None
    identity: pd.DataFrame | None
    observation_end: str | None
    cleaning: CleaningReport | None
    source: str

    def summary(self) -> str:
        """One line: records and sources, clean transactions, interactions, observation end."""
        n_transactions = 0 if self.transactions is None else len(self.transactions)
        n_interactions = 0 if self.interactions is None else len(self.interactions)
        return (
            f"{len(self.customers):,} customer records from {self.customers['source'].nunique()} source(s); "
            f"{n_transactions:,} clean transactions; {n_interactions:,} interactions; "
            f"observation end {self.observation_end}"
        )

    def record(self, *, transactions_file: str = "") -> pd.DataFrame | None:
        """Record the inputs for the report (rows, customers, dates, what cleaning dropped).

        Parameters
        ----------
        transactions_file : str
            The client's transactions file, named in the report; empty for none.

        Returns
        -------
        DataFrame or None
            The transaction rows cleaning dropped, by reason; None without transactions.
        """
        from idic_lab import results

        from_client = self.identity is None
        results.record_data("customers", rows=len(self.customers), customers=self.customers["customer_id"].nunique(),
                            file=self.source if from_client else None)
        if self.transactions is not None:
            transactions = self.transactions
            results.record_data("transactions", rows=len(transactions),
                                customers=transactions["customer_id"].nunique(),
                                start=transactions["date"].min() if len(transactions) else None,
                                end=self.observation_end, file=transactions_file or None)
        if self.cleaning is None:
            return None
        results.record_cleaning("transactions", self.cleaning, file=transactions_file or None)
        return pd.Series(self.cleaning.dropped, name="transaction rows dropped").to_frame()


def load_inputs(
    *,
    mode: str = "teaching",
    customer_files: Sequence[str | Path] = (),
    source_names: Sequence[str] = (),
    customer_columns: Mapping[str, str] | str | None = None,
    transactions_file: str | Path | None = "",
    transaction_columns: Mapping[str, str] | str | None = None,
    interactions_file: str | Path | None = "",
    interaction_columns: Mapping[str, str] | str | None = None,
    date_format: str | None = "",
    dayfirst: bool | None = None,
    observation_end: str | None = "",
    non_product_codes: Sequence[str] | None = None,
    synthetic_customers: int = 2000,
    seed: int = 42,
) -> IdentifyInputs:
    """Load the customers, transactions and interactions for the Identify stage.

    With ``customer_files`` the client's exports are read and mapped onto the
    canonical columns (:func:`load_customer_files`,
    :func:`idic_lab.schema.read_file`); otherwise the seeded synthetic CRM
    world is drawn and the file and mapping parameters are ignored.
    Transactions are cleaned (:func:`idic_lab.schema.clean`, rows after the
    observation end dropped), interactions validated
    (:func:`idic_lab.schema.validate`). Nothing given is changed.

    Parameters
    ----------
    mode : {"teaching", "client"}
        ``"teaching"`` (default): without ``customer_files`` the synthetic
        world is drawn. ``"client"``: only the client's files are read; a
        table whose file is not given is None, and without
        ``customer_files`` the call is refused (never synthetic data).
    customer_files : list of str or Path, optional
        Client customer exports (CSV/TSV/Parquet/Excel); empty: the synthetic
        world in teaching mode, refused in client mode.
    source_names : list of str, optional
        One source name per customer file; empty: the file names.
    customer_columns : dict or JSON str, optional
        ``{canonical: client column}`` for the customer files.
    transactions_file : str or Path, optional
        Client transactions export; empty or None: no transactions.
    transaction_columns : dict or JSON str, optional
        ``{canonical: client column}`` for the transactions file.
    interactions_file : str or Path, optional
        Client interactions export; empty or None: no interactions.
    interaction_columns : dict or JSON str, optional
        ``{canonical: client column}`` for the interactions file.
    date_format : str, optional
        strftime format of client dates; empty or None: detect.
    dayfirst : bool or None
        Without ``date_format``: True reads 01/02/2024 as 1 February, False
        as 2 January; None decides from the data and refuses dates that
        could be read either way (see :func:`idic_lab.schema.validate`).
    observation_end : str, optional
        ISO date ending the observation window; empty or None: the synthetic
        world's end, else the last clean transaction date, else None.
    non_product_codes : list of str, optional
        The client's own product codes of non-product lines (fees, postage,
        adjustments), added to the built-in list when the transactions are
        cleaned (:func:`idic_lab.schema.clean`).
    synthetic_customers : int
        Persons in the synthetic world (teaching mode without ``customer_files``).
    seed : int
        Random seed of the synthetic world.

    Returns
    -------
    IdentifyInputs
        The tables, the true identities (synthetic world only), the
        observation end, the cleaning report and the source.

    Raises
    ------
    ValueError
        From the readers and the contract checks, e.g. for a column mapping
        that is not a JSON object, source names that do not match the files,
        or a mapped column missing from the transactions file; for client
        parameters (files, mappings, date options) given without
        ``customer_files``: the synthetic world is never mixed with client
        data; for an unknown ``mode``; and in client mode without
        ``customer_files``.
    """
    if mode not in MODES:
        raise ValueError(f"load_inputs: mode must be 'teaching' (bundled or synthetic data) or 'client' (only the "
                         f"client's files), got {mode!r}.")
    if isinstance(non_product_codes, str) or not isinstance(non_product_codes, (Sequence, type(None))):
        raise TypeError(f"load_inputs: non_product_codes={non_product_codes!r}: expected a list of product codes, "
                        "e.g. ['POST', 'M', 'BANK CHARGES'].")
    codes = [str(code) for code in non_product_codes or []]
    customer_files = _as_list(customer_files, "customer_files")
    if mode == "client" and not customer_files:
        raise ValueError(
            "load_inputs: mode='client' but customer_files is empty. The Identify stage works on the client's "
            "customer exports: give customer_files=[...] (with customer_columns mapping their columns), or leave "
            "this stage out of the client run. In client mode the synthetic world is never used instead."
        )
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise TypeError(f"load_inputs: dayfirst must be True, False or None (decide from the data), "
                        f"found {type(dayfirst).__name__} {dayfirst!r}")
    if not customer_files:
        _refuse_client_parameters(
            source_names=source_names, customer_columns=customer_columns, transactions_file=transactions_file,
            transaction_columns=transaction_columns, interactions_file=interactions_file,
            interaction_columns=interaction_columns, date_format=date_format, dayfirst=dayfirst,
        )
    given_end = as_date(observation_end, "observation_end")
    observation_end = None if given_end is None else _iso(given_end)
    fmt = date_format or None
    if customer_files:
        customers = load_customer_files(
            customer_files, columns=customer_columns, source_names=source_names,
            date_format=fmt, dayfirst=dayfirst,
        )
        raw_transactions = read_file(transactions_file) if transactions_file else None
        raw_interactions = read_file(interactions_file) if interactions_file else None
        transaction_map = column_mapping(transaction_columns, parameter="transaction_columns")
        interaction_map = column_mapping(interaction_columns, parameter="interaction_columns")
        identity, world_end = None, None
        source = ", ".join(Path(p).name for p in customer_files)
    else:
        from idic_lab.datasets import load_dataset  # the registry imports the stage packages

        world = load_dataset("synthetic", n_customers=synthetic_customers, seed=seed)
        customers, identity, world_end = world.customers, world.truth.identity, world.observation_end
        raw_transactions, raw_interactions = world.transactions, world.interactions
        transaction_map, interaction_map = {}, {}
        source = SYNTHETIC_SOURCE

    end = observation_end or (_iso(pd.Timestamp(world_end)) if world_end is not None else None)
    transactions, cleaning = (None, None) if raw_transactions is None else clean(
        "transactions", raw_transactions, columns=transaction_map, date_format=fmt,
        dayfirst=dayfirst, observation_end=end or None, **({"non_product_codes": codes} if codes else {}),
    )
    interactions = None if raw_interactions is None else validate(
        "interactions", raw_interactions, columns=interaction_map, date_format=fmt, dayfirst=dayfirst,
    )
    if not end and transactions is not None and len(transactions):
        end = str(transactions["date"].max().date())
    return IdentifyInputs(
        customers=customers, transactions=transactions, interactions=interactions, identity=identity,
        observation_end=end or None, cleaning=cleaning, source=source,
    )


def _iso(date: pd.Timestamp) -> str:
    """An ISO date, with the time only when there is one."""
    return str(date.date()) if date == date.normalize() else date.isoformat()


def _refuse_client_parameters(**given) -> None:
    """Client parameters without customer files would be ignored or mixed with the synthetic world."""
    used = sorted(name for name, value in given.items() if value not in (None, "", (), [], {}, False))
    if used:
        raise ValueError(
            f"load_inputs: {', '.join(used)} {'is' if len(used) == 1 else 'are'} given but customer_files is "
            "empty. The Identify stage needs the client's customer exports: give customer_files=[...] as well, "
            "or leave these parameters empty to work on the synthetic world (client and synthetic data are "
            "never mixed)."
        )
