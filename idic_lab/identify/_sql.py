"""Identify stage: blocking and agreement levels as SQL, on DuckDB or Spark.

A customer base too large for one machine lives in a warehouse. There the
pairs must be built where the data are: :func:`comparison_levels_sql`
computes the script-aware features once per record in Python (normalised
text, words sorted, consonant skeleton, e-mail local part, year of a date),
hands the records to the engine as a table, and lets SQL do the rest: the
blocking join (one equi-join per key, their ``UNION``) and the level of every
field as a ``CASE`` expression. The levels equal those of
:func:`idic_lab.identify.compare_pairs`; tests/test_identify_sql.py checks it.

The similarity functions are DuckDB's built-in ``jaro_winkler_similarity``
and ``damerau_levenshtein``; on Spark they are vectorised (Arrow) UDFs
running rapidfuzz, the scorer of the pandas engine (Spark's own
``jaro_winkler_similarity`` gives other numbers). The Fellegi–Sunter EM needs only how often each agreement
pattern occurs, so ``aggregate=True`` returns ``(pattern, count)`` rows and
keeps the pairs themselves in the warehouse.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from idic_lab.identify import _engine
from idic_lab.identify._ids import id_rank
from idic_lab.identify._linkage import (
    _CLOSE,
    _MAX_PAIRS_PER_KEY,
    _SOMEWHAT,
    _as_rules,
    _check_block_sizes,
    _check_fields,
    _check_frame,
    _check_limit,
    _key_frame,
    _normalised,
    _rule_codes,
)

__all__ = ["comparison_levels_sql"]

ENGINES = ("duckdb", "spark")

# Per-value features each kind needs, as (column suffix, feature name, SQL type)
_KIND_FEATURES = {
    "name": (("w", "sorted_words", "string"), ("ar", "arabic", "boolean"), ("sk", "skeleton", "string")),
    "email": (("lp", "local_part", "string"), ("nm", "numbers", "string")),
    "address": (("nm", "numbers", "string"),),
    "date": (("yr", "year_text", "string"), ("md", "month_day_text", "string"),
             ("dm", "day_month_text", "string"), ("e8", "eight_long", "boolean")),
}
_TEXT_FEATURES = {
    "year_text": lambda v: v[:4],
    "month_day_text": lambda v: v[4:6] + "|" + v[6:8],
    "day_month_text": lambda v: v[6:8] + "|" + v[4:6],
}


def _record_table(frame: pd.DataFrame, fields: Mapping[str, str], keys: pd.DataFrame, ranks: np.ndarray) -> pd.DataFrame:
    """One row per record: position, id rank, blocking key parts and field features (None = missing)."""
    table = {"pos": np.arange(len(frame), dtype=np.int64), "rnk": ranks.astype(np.int64)}
    for column in keys.columns:
        table[f"k_{column}"] = keys[column].to_numpy(dtype=object)
    for n, (column, kind) in enumerate(fields.items()):
        values = _engine.Values(_normalised(frame[column], kind, column).to_numpy(dtype=object, na_value=None), None)
        missing = values.codes_left < 0
        table[f"f{n}"] = np.where(missing, None, values.text[values.codes_left] if len(values.text) else None)
        for suffix, feature, _ in _KIND_FEATURES.get(kind, ()):
            if feature in _TEXT_FEATURES:
                per_value = np.array([_TEXT_FEATURES[feature](v) for v in values.text], dtype=object)
            else:
                per_value = values.feature(feature).astype(object)
            picked = per_value[values.codes_left] if len(per_value) else np.full(len(frame), None, dtype=object)
            table[f"f{n}_{suffix}"] = np.where(missing, None, picked)
    return pd.DataFrame(table)


def _double(value: float) -> str:
    """A number as a SQL double (a bare 0.92 is a DECIMAL literal on DuckDB and Spark)."""
    return f"CAST({float(value)!r} AS DOUBLE)"


def _similarity_level(similarity: str) -> str:
    return (f"CASE WHEN {similarity} >= {_double(1.0)} THEN 3 WHEN {similarity} >= {_double(_CLOSE)} THEN 2 "
            f"WHEN {similarity} >= {_double(_SOMEWHAT)} THEN 1 ELSE 0 END")


DUCKDB_SCORERS = {"jw": "jaro_winkler_similarity", "dl": "damerau_levenshtein"}
"""DuckDB's built-in scorers (the same numbers as rapidfuzz's; the tests check the levels)."""
SPARK_SCORERS = {"jw": "idic_jaro_winkler", "dl": "idic_damerau_levenshtein"}
"""Names of the rapidfuzz UDFs on Spark (Spark's own ``jaro_winkler_similarity``, where it
exists, scores differently: 0.81 instead of 0.68 for '123 garden avenue brookfield' /
'123 park road mapleton')."""


def _level_sql(kind: str, n: int, scorers: Mapping[str, str]) -> str:
    """The SQL expression of one field's agreement level (same levels as compare_pairs)."""
    a, b = f"a.f{n}", f"b.f{n}"
    missing = f"WHEN {a} IS NULL OR {b} IS NULL THEN -1"
    jw, dl = scorers["jw"], scorers["dl"]
    if kind == "exact":
        return f"CASE {missing} WHEN {a} = {b} THEN 1 ELSE 0 END"
    if kind == "string":
        return f"CASE {missing} WHEN {a} = {b} THEN 3 ELSE {_similarity_level(f'{jw}({a}, {b})')} END"
    if kind == "address":  # another house number caps the level at 1, as in the pandas engine
        similar = _similarity_level(f"{jw}({a}, {b})")
        return (f"CASE {missing} WHEN {a} = {b} THEN 3 WHEN a.f{n}_nm = b.f{n}_nm THEN {similar} "
                f"ELSE LEAST({similar}, 1) END")
    if kind == "name":
        skeleton = (f"CASE WHEN a.f{n}_ar <> b.f{n}_ar AND a.f{n}_sk <> '' AND b.f{n}_sk <> '' "
                    f"THEN {_double(_engine.SKELETON_DISCOUNT)} * {jw}(a.f{n}_sk, b.f{n}_sk) ELSE {_double(0)} END")
        best = f"GREATEST({jw}({a}, {b}), {jw}(a.f{n}_w, b.f{n}_w), {skeleton})"
        return f"CASE {missing} WHEN {a} = {b} THEN 3 ELSE {_similarity_level(best)} END"
    if kind in ("code", "phone"):
        return f"CASE {missing} WHEN {a} = {b} THEN 2 WHEN {dl}({a}, {b}) <= 1 THEN 1 ELSE 0 END"
    if kind == "email":
        return (f"CASE {missing} WHEN {a} = {b} THEN 3 WHEN a.f{n}_nm <> b.f{n}_nm THEN 0 "
                f"WHEN {dl}({a}, {b}) <= 1 THEN 2 "
                f"WHEN {jw}(a.f{n}_lp, b.f{n}_lp) >= {_double(_CLOSE)} THEN 1 ELSE 0 END")
    if kind == "date":
        swapped = f"(a.f{n}_e8 AND b.f{n}_e8 AND a.f{n}_yr = b.f{n}_yr AND a.f{n}_md = b.f{n}_dm)"
        return (f"CASE {missing} WHEN {a} = {b} THEN 3 WHEN {dl}({a}, {b}) <= 1 OR {swapped} THEN 2 "
                f"WHEN a.f{n}_yr = b.f{n}_yr THEN 1 ELSE 0 END")
    raise ValueError(f"unknown field kind {kind!r}")


def comparison_sql(rules: Sequence[Sequence[str]], fields: Mapping[str, str], *, dedup: bool,
                   aggregate: bool = False, scorers: Mapping[str, str] = DUCKDB_SCORERS,
                   left: str = "left_records", right: str = "right_records") -> str:
    """The SQL text: blocking join (union over keys) and one level expression per field.

    The record tables hold the columns of :func:`_record_table`; the same
    text runs on DuckDB and Spark SQL, only the scorer names differ.
    """
    right = left if dedup else right
    joins = []
    for r, rule in enumerate(rules):
        on = " AND ".join(f"l.k_r{r}_{n} = r.k_r{r}_{n}" for n in range(len(rule)))
        order = " AND l.rnk < r.rnk" if dedup else ""
        joins.append(f"SELECT l.pos AS i, r.pos AS j FROM {left} l JOIN {right} r ON {on}{order}")
    pairs = "\nUNION\n".join(joins)
    levels = ",\n  ".join(f"{_level_sql(kind, n, scorers)} AS lv{n}" for n, kind in enumerate(fields.values()))
    compared = (f"WITH pairs AS (\n{pairs}\n)\nSELECT p.i, p.j, a.rnk AS rnk_1, b.rnk AS rnk_2,\n  {levels}\n"
                f"FROM pairs p JOIN {left} a ON a.pos = p.i JOIN {right} b ON b.pos = p.j")
    if not aggregate:
        return compared + "\nORDER BY rnk_1, rnk_2"
    columns = ", ".join(f"lv{n}" for n in range(len(fields)))
    return (f"SELECT {columns}, COUNT(*) AS pairs FROM (\n{compared}\n) compared\n"
            f"GROUP BY {columns}\nORDER BY {columns}")


def comparison_levels_sql(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    fields: Mapping[str, str],
    blocking: Sequence[Sequence[str]],
    engine: str = "duckdb",
    spark=None,
    aggregate: bool = False,
    max_pairs_per_key: int = _MAX_PAIRS_PER_KEY,
) -> pd.DataFrame:
    """Candidate pairs and their agreement levels, computed as SQL on DuckDB or Spark.

    The same pairs and levels as ``compare_pairs(left, right,
    candidate_pairs(left, right, blocking=..., kinds=fields), fields=...)``,
    with the join and the level expressions run by a SQL engine.

    Parameters
    ----------
    left, right : DataFrame
        Records indexed by unique record ids; ``right=None`` deduplicates.
    fields : dict
        ``{column: kind}``, see :func:`idic_lab.identify.compare_pairs`.
    blocking : list of lists of str
        See :func:`idic_lab.identify.candidate_pairs`.
    engine : {"duckdb", "spark"}
        DuckDB runs in this process; Spark runs on the session ``spark``.
    spark : SparkSession, optional
        The session for ``engine="spark"`` (default: the active session).
    aggregate : bool
        Return only how many pairs show each agreement pattern (the EM's
        sufficient statistics) instead of one row per pair.
    max_pairs_per_key : int
        The size guard of :func:`idic_lab.identify.candidate_pairs`.

    Returns
    -------
    DataFrame
        ``id_1``, ``id_2`` and one ``int8`` level column per field, ordered
        as :func:`candidate_pairs` orders them; with ``aggregate=True`` one
        row per pattern: the level columns and ``pairs`` (its count).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine: one of {ENGINES}, got {engine!r}")
    if not isinstance(aggregate, bool):
        raise TypeError(
            f"aggregate: True (one row per agreement pattern with its count) or False (one row per pair), "
            f"got {type(aggregate).__name__} {aggregate!r:.20}"
        )
    _check_fields(left, right, fields)
    rules = _as_rules(blocking)
    limit = _check_limit(max_pairs_per_key)
    ids_left = _check_frame(left, "left source" if right is not None else "records")
    ids_right = _check_frame(right, "right source") if right is not None else ids_left
    keys_left = _key_frame(left, rules, fields)
    keys_right = _key_frame(right, rules, fields) if right is not None else None
    for r, rule in enumerate(rules):  # the same refusal as the pandas engine, before the warehouse works
        codes_left, codes_right = _rule_codes(keys_left, keys_right, r, rule)
        on = [f"r{r}_{n}" for n in range(len(rule))]
        _check_block_sizes(codes_left, codes_right if right is not None else None, rule, limit, keys_left[on])
    tables = {"left_records": _record_table(left, fields, keys_left, id_rank(ids_left))}
    if right is not None:
        tables["right_records"] = _record_table(right, fields, keys_right, id_rank(ids_right))
    scorers = DUCKDB_SCORERS if engine == "duckdb" else SPARK_SCORERS
    query = comparison_sql(rules, fields, dedup=right is None, aggregate=aggregate, scorers=scorers)
    result = _run_duckdb(query, tables) if engine == "duckdb" else _run_spark(query, tables, spark)
    names = list(fields)
    levels = {name: result[f"lv{n}"].to_numpy(dtype=np.int8) for n, name in enumerate(names)}
    if aggregate:
        return pd.DataFrame({**levels, "pairs": result["pairs"].to_numpy(dtype=np.int64)})
    other = right if right is not None else left
    return pd.DataFrame({"id_1": left.index[result["i"].to_numpy(dtype=np.int64)].to_numpy(),
                         "id_2": other.index[result["j"].to_numpy(dtype=np.int64)].to_numpy(), **levels})


def _arrow_table(table: pd.DataFrame):
    import pyarrow as pa

    columns = {}
    for name in table.columns:
        values = table[name].to_numpy()
        if name in ("pos", "rnk"):
            columns[name] = pa.array(values, type=pa.int64())
        elif name.endswith(("_ar", "_e8")):
            columns[name] = pa.array([None if v is None else bool(v) for v in values], type=pa.bool_())
        else:
            columns[name] = pa.array(values, type=pa.string(), from_pandas=True)
    return pa.table(columns)


def _run_duckdb(query: str, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    import duckdb

    with duckdb.connect() as connection:
        for name, table in tables.items():
            connection.register(name, _arrow_table(table))
        return connection.execute(query).df()


def _spark_scorers():
    """rapidfuzz's scorers as Spark vectorised (Arrow) UDFs, named as in :data:`SPARK_SCORERS`.

    The calls are those of :mod:`._engine`.
    """
    from pyspark.sql.functions import pandas_udf

    def _scored(a: pd.Series, b: pd.Series, scorer: str) -> pd.Series:
        """rapidfuzz on the rows where both values are present; null elsewhere.

        Spark evaluates a UDF for every row before ``CASE`` picks a branch, so
        missing values reach the scorer; they get NaN (the ``CASE`` has already
        given such rows level -1, so the NaN is never compared). The result is
        a plain float64 array: a nullable ``Float64`` Series came back from
        PySpark 4.3 on pandas 3 with wrong numbers. Imports only rapidfuzz, numpy and pandas,
        so executors need not have idic_lab installed (nested here, the
        function travels by value).
        """
        import numpy
        from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
        from rapidfuzz.process import cpdist

        present = (a.notna() & b.notna()).to_numpy()
        out = numpy.full(len(a), numpy.nan)
        if present.any():
            left, right = a.to_numpy(dtype=object)[present], b.to_numpy(dtype=object)[present]
            if scorer == "jaro_winkler":
                scores = cpdist(left, right, scorer=JaroWinkler.similarity, dtype=numpy.float64, workers=-1)
            else:  # capped at 2: the levels only ask "at most one edit?"
                scores = cpdist(left, right, scorer=DamerauLevenshtein.distance, score_cutoff=1, dtype=numpy.int32,
                                workers=-1)
            out[present] = scores
        return pd.Series(out)

    @pandas_udf("double")
    def jaro_winkler_similarity(a: pd.Series, b: pd.Series) -> pd.Series:
        return _scored(a, b, "jaro_winkler")

    @pandas_udf("double")
    def damerau_levenshtein(a: pd.Series, b: pd.Series) -> pd.Series:
        return _scored(a, b, "damerau_levenshtein")

    return {SPARK_SCORERS["jw"]: jaro_winkler_similarity, SPARK_SCORERS["dl"]: damerau_levenshtein}


def _run_spark(query: str, tables: Mapping[str, pd.DataFrame], spark) -> pd.DataFrame:
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # pragma: no cover - pyspark is a dev dependency
        raise ImportError("comparison_levels_sql(engine='spark') needs pyspark: pip install pyspark") from error
    spark = spark if spark is not None else SparkSession.getActiveSession()
    if spark is None:
        raise ValueError(
            "comparison_levels_sql(engine='spark'): no SparkSession; pass spark=SparkSession.builder"
            ".master('local[*]').getOrCreate() (or your cluster's session)"
        )
    with warnings.catch_warnings():  # PySpark 4 notes that it was not tested on pandas 3; the results are checked
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module=r"pyspark(\.|$)")
        return _spark_query(query, tables, spark)


def _spark_query(query: str, tables: Mapping[str, pd.DataFrame], spark) -> pd.DataFrame:
    for name, udf in _spark_scorers().items():
        spark.udf.register(name, udf)
    for name, table in tables.items():
        arrow = _arrow_table(table)
        try:  # Spark 4 takes an Arrow table; older versions a pandas frame
            frame = spark.createDataFrame(arrow)
        except TypeError:
            frame = spark.createDataFrame(arrow.to_pandas())
        frame.createOrReplaceTempView(name)
    return spark.sql(query).toPandas()
