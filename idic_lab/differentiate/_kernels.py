"""Numerical kernels of the value pipeline: fast, and checked against ``lifetimes`` in the tests.

* :func:`occasion_totals` — the per-customer purchase occasions (one per
  customer and calendar day) of a transaction log given as integer customer
  codes and integer days, with one sort of a combined integer key: no
  ``groupby`` on text ids and no copy of the log's frame.
* :func:`fixed_width_text_codes` — integer codes of Arrow text ids that all
  have one byte length (``C00000042``, zero-padded numbers, UUIDs), read as
  64-bit words: a hash of the words factorised as integers, every row then
  checked against its code's first row (exact: a collision falls back to
  factorising the strings), and the sorted order of the ids from the
  words. A hash table of a million strings is the slowest part of
  a summary of ten million rows otherwise.
* :class:`BGNBDLikelihood`, :class:`GammaGammaLikelihood` — the
  log-likelihoods of the BG/NBD model (Fader, Hardie & Lee 2005, section 7)
  and of the Gamma-Gamma spend model (Fader & Hardie 2013, eq. 1a) on unique
  patterns with weights, with analytic gradients (gammaln/digamma) in log
  parameters. They are the objectives of ``lifetimes`` (same scaling of
  time, same ``penalizer_coef`` term, same start and BFGS tolerance), so the
  optimiser reaches the same parameters without autograd.
* :func:`bgnbd_expected_numerator`, :func:`bgnbd_alive_denominator` — the two
  parts of the conditional expectation of the BG/NBD model (Fader, Hardie &
  Lee 2005, eq. 10): the numerator depends on (x, T) only, the denominator
  (1 / P(alive)) on (x, t_x, T). Predictions are computed on unique (x, T)
  pairs.
* :func:`bgnbd_discounted_purchases` — the discounted sum over ``horizon``
  periods of expected purchases per period, for the CLV, at a cost that
  hardly grows with the number of periods (Chebyshev interpolation in
  log-time, see its docstring).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

with warnings.catch_warnings():  # scipy adds global warning filters when first imported: leave the user's alone
    from scipy.optimize import minimize
    from scipy.special import digamma, expit, gammaln, hyp2f1

_STRING, _LARGE_STRING = pa.string(), pa.large_string()


# --------------------------------------------------------------------------
# Summary on integer codes
# --------------------------------------------------------------------------


def occasion_totals(codes: np.ndarray, n_customers: int, days: np.ndarray, amounts: np.ndarray) -> dict[str, np.ndarray]:
    """Per customer: first and last occasion day, number of occasions, total and repeat spend.

    An occasion is one customer on one calendar day (the amounts of that day
    summed). ``repeat`` is the spend of all occasions after the first, the
    BTYD monetary numerator.

    Parameters
    ----------
    codes : int array
        Customer code of each row, in ``0 .. n_customers - 1``.
    n_customers : int
    days : int64 array
        Day number of each row.
    amounts : float64 array

    Returns
    -------
    dict of arrays of length ``n_customers``
        ``first``, ``last``, ``count`` (0 for a code without rows), ``total``
        and ``repeat``.
    """
    low, high = int(days.min()), int(days.max())
    shift = max(1, (high - low).bit_length())  # key = code * 2**shift + day - low: shifts, not divisions
    # int32 keys when every intermediate value fits (a million customers over three years do): half the
    # memory, twice as fast a sort
    small = (n_customers << shift) + max(abs(low), abs(high)) < 2**31
    key = codes.astype(np.int32 if small else np.int64)  # a new array (codes are intp)
    key <<= shift
    key += days
    if low:
        key -= low
    key.sort()
    # Each customer's rows are one run of the sorted keys: the first and last key of the run hold the first
    # and last day; the occasions are the run's rows less its repeated keys (more lines on one day).
    rows = np.bincount(codes, minlength=n_customers)
    ends = np.cumsum(rows)
    has = rows > 0
    day_mask = (1 << shift) - 1
    first = np.zeros(n_customers, dtype="int64")
    last = np.zeros(n_customers, dtype="int64")
    first[has] = (key[(ends - rows)[has]] & day_mask) + low
    last[has] = (key[ends[has] - 1] & day_mask) + low
    repeated = np.flatnonzero(key[1:] == key[:-1])  # positions of the second, third ... line of an occasion
    count = rows - np.bincount(key[repeated] >> shift, minlength=n_customers)
    del key, repeated
    total = np.bincount(codes, weights=amounts, minlength=n_customers)
    # spend after the first day; adding zeros keeps the sums exact and avoids copying the repeat rows
    # (amounts are finite, so amount * 1.0 is the amount and amount * 0.0 a zero)
    first_day = first.astype("int32") if first.max(initial=0) < 2**31 and first.min(initial=0) >= -(2**31) else first
    later = np.not_equal(days, first_day[codes])
    repeat = np.bincount(codes, weights=np.multiply(amounts, later), minlength=n_customers)
    return {"first": first, "last": last, "count": count, "total": total, "repeat": repeat}


_WORD_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (Knuth's multiplicative hashing); odd matters


def _text_words(chunk: Any, width: int) -> list[np.ndarray] | None:
    """The bytes of a fixed-width Arrow string chunk as little-endian uint64 words, one array per word, no copy.

    Words start at bytes 0, 8, 16, ... and the last one ends at the last byte
    (it may overlap the previous one), so the words determine the text; ids
    shorter than 8 bytes are zero-padded (a copy, with one length no ambiguity).
    """
    _, offsets_buffer, data = chunk.buffers()
    offset_type = np.int64 if chunk.type == _LARGE_STRING else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type, count=len(chunk) + 1,
                            offset=chunk.offset * np.dtype(offset_type).itemsize)
    start, n = int(offsets[0]), len(chunk)
    lengths = offsets[1:] - offsets[:-1]
    if int(lengths.min()) != width or int(lengths.max()) != width:
        return None
    if width < 8:
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :width] = np.frombuffer(data, dtype=np.uint8, count=n * width, offset=start).reshape(n, width)
        return [padded.view("<u8").ravel()]
    starts = list(range(0, width - 7, 8))
    if starts[-1] != width - 8:
        starts.append(width - 8)
    return [np.ndarray((n,), dtype="<u8", buffer=data, offset=start + k, strides=(width,)) for k in starts]


def fixed_width_text_codes(ids: Any) -> tuple[np.ndarray, Any, np.ndarray, Any] | None:
    """Factorise Arrow text ids that all have the same byte length, faster than a hash table of strings.

    Such ids (``C00000042``, zero-padded numbers, UUIDs) are read as a few
    64-bit words per row. The words are mixed into one 64-bit hash, the
    hashes are factorised as integers and every row is then compared with
    the first row of its code on all words but the first (which the hash
    then determines), so that two different ids with the same hash can
    never share a code (then, or for any other input, None is returned and
    the caller factorises the strings).

    Parameters
    ----------
    ids : pyarrow.ChunkedArray or Array of string or large_string

    Returns
    -------
    (codes, uniques, order, sorted_uniques) or None
        ``codes`` (intp, one per row, in order of first appearance as
        :func:`pandas.factorize`), ``uniques`` (the distinct ids, a
        ``pyarrow`` large_string array indexed by code, rebuilt from the
        words rather than gathered from the rows), ``order`` (the codes
        sorted by their text, byte-wise, as Arrow and Python sort strings)
        and ``sorted_uniques`` (``uniques`` in that order). None if the ids
        are not all of one length, contain missing values or are empty
        strings.
    """
    if ids.type not in (_STRING, _LARGE_STRING) or ids.null_count or not 0 < len(ids) < 2**31:  # int32 codes
        return None
    chunks = [c for c in getattr(ids, "chunks", [ids]) if len(c)]
    width = len(chunks[0][0].as_buffer())  # byte length of the first id
    if width == 0:
        return None
    words = [_text_words(c, width) for c in chunks]
    if any(w is None for w in words):
        return None
    hashes = np.empty(len(ids), dtype=np.uint64)
    at = 0
    for chunk_words in words:
        part = hashes[at:at + len(chunk_words[0])]
        np.copyto(part, chunk_words[0])
        for word in chunk_words[1:]:
            part *= _WORD_MIX
            part ^= word
        at += len(part)
    # Arrow's integer hash table numbers values in order of first appearance, as pandas.factorize, and faster
    codes = pa.array(hashes).dictionary_encode().indices.to_numpy().astype(np.intp)
    del hashes
    seen = np.maximum.accumulate(codes)  # codes are numbered as they appear: a new code is the largest so far + 1
    first = np.flatnonzero(seen[1:] != seen[:-1])  # the row where each code appears first, increasing
    first += 1
    first = np.concatenate([[0], first])
    del seen
    if not np.array_equal(codes[first], np.arange(len(first))):  # each code's row found (order of appearance)
        return None
    bounds = np.cumsum([0] + [len(w[0]) for w in words])
    code_bounds = np.searchsorted(first, bounds)  # the codes first seen in each chunk
    representatives = [np.empty(len(first), dtype=np.uint64) for _ in words[0]]  # the words of each code's first row
    for chunk_words, start, lo, hi in zip(words, bounds[:-1], code_bounds[:-1], code_bounds[1:]):
        for representative, word in zip(representatives, chunk_words):
            representative[lo:hi] = word[first[lo:hi] - start]
    # The hash is ((w0 * M ^ w1) * M ^ w2) ..., M odd: with the later words fixed it is a bijection of w0, so
    # rows with one hash and the same later words have the same first word. Checking the later words of every
    # row against its code's first row therefore proves that equal codes are equal ids (one word: the id).
    for chunk_words, lo, hi in zip(words, bounds[:-1], bounds[1:]):
        chunk_codes = codes[lo:hi]
        for representative, word in zip(representatives[1:], chunk_words[1:]):
            if not np.array_equal(representative[chunk_codes], word):
                return None
    order = np.lexsort([r.byteswap() for r in representatives[::-1]])  # big-endian: byte-wise text order
    sorted_uniques = _text_from_words([r[order] for r in representatives], width)
    return codes, _text_from_words(representatives, width), order, sorted_uniques


def _text_from_words(words: list[np.ndarray], width: int) -> Any:
    """Arrow large_string array of ids of ``width`` bytes from their words (as made by :func:`_text_words`)."""
    n = len(words[0])
    text = np.empty((n, max(width, 8)), dtype=np.uint8)
    starts = list(range(0, width - 7, 8)) if width >= 8 else [0]
    if width >= 8 and starts[-1] != width - 8:
        starts.append(width - 8)
    for start, word in zip(starts, words):
        text[:, start:start + 8] = word.view(np.uint8).reshape(n, 8)  # little-endian words: bytes in text order
    if width < 8:
        text = np.ascontiguousarray(text[:, :width])
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    return pa.Array.from_buffers(_LARGE_STRING, n, [None, pa.py_buffer(offsets), pa.py_buffer(text)])


# --------------------------------------------------------------------------
# Unique rows
# --------------------------------------------------------------------------


def unique_rows(columns: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of equal-length columns (hash based, order of first appearance).

    Returns
    -------
    (values, weights, inverse)
        The columns of the unique rows, how many rows each stands for, and
        for every input row the position of its unique row.
    """
    key: np.ndarray | None = None
    for column in columns:
        codes, uniques = pd.factorize(column)
        key = codes.astype("int64") if key is None else pd.factorize(key * len(uniques) + codes)[0].astype("int64")
    assert key is not None
    if len(key) and key.min() >= 0:  # factorize codes (dense, numbered as they appear): the inverse already
        inverse, n_unique = key, int(key.max()) + 1
    else:  # a missing value (code -1) or no rows
        inverse, uniques = pd.factorize(key)
        n_unique = len(uniques)
    n = len(key)
    first = np.empty(n_unique, dtype="int64")
    first[inverse[::-1]] = np.arange(n - 1, -1, -1)
    weights = np.bincount(inverse, minlength=n_unique).astype("float64")
    return [np.asarray(c)[first] for c in columns], weights, inverse


def sorted_patterns(columns: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of equal-length columns in lexicographic order, and how many rows each stands for.

    Each column is coded by the rank of its value among its distinct
    values; the codes are packed into one int64 key whose numeric order is
    the rows' lexicographic order, so one sort of the keys finds the
    patterns (as ``groupby(columns, sort=True).size()`` would, without it).
    """
    codes, uniques, sizes = [], [], []
    for column in columns:
        code, unique = pd.factorize(np.asarray(column), sort=True)
        codes.append(code.astype("int64"))
        uniques.append(np.asarray(unique))
        sizes.append(len(unique))
    if float(np.prod(np.array(sizes, dtype="float64"))) >= 2.0**62:  # the packed key would overflow
        values, weights, _ = unique_rows(columns)
        order = np.lexsort(values[::-1])
        return [v[order] for v in values], weights[order]
    key = codes[0]
    for code, size in zip(codes[1:], sizes[1:]):
        key = key * size + code
    key.sort()
    start = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    weights = np.diff(np.append(start, len(key))).astype("float64")
    key = key[start]
    values = []
    for unique, size in zip(uniques[::-1], sizes[::-1]):
        key, code = np.divmod(key, size)
        values.append(unique[code])
    return values[::-1], weights


# --------------------------------------------------------------------------
# Likelihoods
# --------------------------------------------------------------------------


class BGNBDLikelihood:
    """Mean negative log-likelihood of the BG/NBD model and its gradient in log parameters.

    Fader, Hardie & Lee (2005), section 7 (see also Hardie's note 004), on
    patterns (x, t_x, T) with weights, time scaled by ``scale`` as in
    ``lifetimes`` (``1 / max T``, so that the optimiser starts from the same
    place). The penalty is ``lifetimes``' ``penalizer_coef * sum(params**2)``
    on the scaled parameters (r, alpha * scale, a, b).
    """

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, weights: np.ndarray, penalizer: float,
                 scale: float) -> None:
        x = np.asarray(x, dtype="float64")
        w = np.asarray(weights, dtype="float64")
        T = np.asarray(T, dtype="float64") * scale
        # Sums over all patterns of terms in x or T alone are sums over their distinct values with summed
        # weights; only the repeat buyers' mixture term log(exp(A_3) + exp(A_4)) is computed per pattern.
        x_codes, self.x_values = _codes(x)
        T_codes, self.T_values = _codes(T)
        self.weight_per_x = np.bincount(x_codes, weights=w, minlength=len(self.x_values))
        self.weight_per_T = np.bincount(T_codes, weights=w, minlength=len(self.T_values))
        self.weighted_x_per_T = np.bincount(T_codes, weights=w * x, minlength=len(self.T_values))
        repeat = x > 0
        self.x_codes = x_codes[repeat]
        self.T_codes = T_codes[repeat]
        self.tx_codes, self.tx_values = _codes(np.asarray(tx, dtype="float64")[repeat] * scale)
        self.x = x[repeat]
        self.w = w[repeat]
        self.total = float(w.sum())
        self.penalizer = float(penalizer)
        self.b_shift = np.maximum(self.x_values, 1) - 1  # b + max(x, 1) - 1 in A_4
        self._buffers = [np.empty(len(self.x)) for _ in range(7)]

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        r, alpha, a, b = params
        xv, Tv, total = self.x_values, self.T_values, self.total
        wx, wT, wxT = self.weight_per_x, self.weight_per_T, self.weighted_x_per_T
        log_T = np.log(alpha + Tv)
        inv_T = 1.0 / (alpha + Tv)
        log_tx = np.log(alpha + self.tx_values)
        inv_tx = 1.0 / (alpha + self.tx_values)
        # A_1 + A_2 + A_3 summed over all customers (A_3 = -(r + x) log(alpha + T))
        ll = (float(np.sum(wx * (gammaln(r + xv) + gammaln(b + xv) - gammaln(a + b + xv))))
              + total * (r * np.log(alpha) + gammaln(a + b) - gammaln(b) - gammaln(r))
              - float(np.sum((r * wT + wxT) * log_T)))
        # repeat buyers: log(exp(A_3) + exp(A_4)) = A_3 + softplus(gap), gap = A_4 - A_3; p4 = sigmoid(gap).
        # Per-pattern arrays are written into buffers kept between calls (no fresh pages per evaluation).
        w, xc = self.w, self.x_codes
        rx, log_diff, gap, small, scratch, other, wp4 = self._buffers
        np.add(self.x, r, out=rx)  # r + x
        np.take(log_T, self.T_codes, out=log_diff, mode="clip")
        np.subtract(log_diff, np.take(log_tx, self.tx_codes, out=scratch, mode="clip"), out=log_diff)
        np.take(np.log(a) - np.log(b + self.b_shift), xc, out=gap, mode="clip")
        np.add(gap, np.multiply(rx, log_diff, out=scratch), out=gap)
        np.exp(np.negative(np.abs(gap, out=small), out=small), out=small)  # exp(-|gap|)
        np.add(np.maximum(gap, 0.0, out=scratch), np.log1p(small, out=other), out=scratch)
        ll += float(np.sum(np.multiply(w, scratch, out=scratch)))
        # where(gap > 0, 1, small) without a masked copy: small <= 1, so it is max(small, 1.0 if gap > 0 else 0.0)
        np.maximum(small, np.greater(gap, 0, out=scratch), out=scratch)
        np.multiply(w, np.divide(scratch, np.add(small, 1.0, out=other), out=scratch), out=wp4)
        wp4_per_x = np.bincount(xc, weights=wp4, minlength=len(xv))
        sum_wp4_log_diff = float(np.sum(np.multiply(wp4, log_diff, out=scratch)))
        np.subtract(np.take(inv_T, self.T_codes, out=other, mode="clip"),
                    np.take(inv_tx, self.tx_codes, out=small, mode="clip"), out=other)
        sum_alpha_term = float(np.sum(np.multiply(np.multiply(wp4, rx, out=scratch), other, out=scratch)))
        psi_abx = float(np.sum(digamma(a + b + xv) * wx))
        d_r = (float(np.sum(digamma(r + xv) * wx)) - total * digamma(r) + total * np.log(alpha)
               - float(np.sum(wT * log_T)) + sum_wp4_log_diff)
        d_alpha = total * r / alpha - float(np.sum((r * wT + wxT) * inv_T)) + sum_alpha_term
        d_a = total * digamma(a + b) - psi_abx + float(wp4_per_x.sum()) / a
        d_b = (total * (digamma(a + b) - digamma(b)) + float(np.sum(digamma(b + xv) * wx)) - psi_abx
               - float(np.sum(wp4_per_x / (b + self.b_shift))))
        value = -ll / total + self.penalizer * float((params**2).sum())
        gradient = -np.array([d_r, d_alpha, d_a, d_b]) * params / total + 2 * self.penalizer * params**2
        return value, gradient


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values)
    return codes, np.asarray(uniques, dtype="float64")


class GammaGammaLikelihood:
    """Mean negative log-likelihood of the Gamma-Gamma spend model and its gradient in log parameters.

    Fader & Hardie (2013), eq. 1a (Hardie's note 025), on patterns
    (x, m) with weights; the penalty is ``lifetimes``' ``penalizer_coef *
    sum(params**2)``.
    """

    def __init__(self, x: np.ndarray, m: np.ndarray, weights: np.ndarray, penalizer: float) -> None:
        x = np.asarray(x, dtype="float64")
        m = np.asarray(m, dtype="float64")
        self.w = np.asarray(weights, dtype="float64")
        self.total = float(self.w.sum())
        self.penalizer = float(penalizer)
        x_codes, self.x_values = _codes(x)
        self.weight_per_x = np.bincount(x_codes, weights=self.w, minlength=len(self.x_values))
        # The terms linear in p that do not involve v are sums fixed by the data.
        self.wx = self.w * x
        self.sum_wx_log_mx = float(np.sum(self.wx * (np.log(m) + np.log(x))))
        self.sum_w_log_m = float(np.sum(self.w * np.log(m)))
        self.xm = x * m
        self._buffers = [np.empty(len(x)) for _ in range(3)]

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        p, q, v = params
        xv, wx_per, total, w, wx = self.x_values, self.weight_per_x, self.total, self.w, self.wx
        xm_v, log_xm_v, scratch = self._buffers  # per-pattern arrays in buffers kept between calls
        np.log(np.add(self.xm, v, out=xm_v), out=log_xm_v)
        inv_xm_v = np.divide(1.0, xm_v, out=xm_v)
        sum_w_log = float(np.sum(np.multiply(w, log_xm_v, out=scratch)))
        sum_wx_log = float(np.sum(np.multiply(wx, log_xm_v, out=scratch)))
        ll = (float(np.sum(wx_per * (gammaln(p * xv + q) - gammaln(p * xv)))) + total * (q * np.log(v) - gammaln(q))
              + p * self.sum_wx_log_mx - self.sum_w_log_m - p * sum_wx_log - q * sum_w_log)
        psi_pxq = digamma(p * xv + q)
        d_p = float(np.sum(wx_per * xv * (psi_pxq - digamma(p * xv)))) + self.sum_wx_log_mx - sum_wx_log
        d_q = float(np.sum(wx_per * psi_pxq)) - total * digamma(q) + total * np.log(v) - sum_w_log
        d_v = (total * q / v - p * float(np.sum(np.multiply(wx, inv_xm_v, out=scratch)))
               - q * float(np.sum(np.multiply(w, inv_xm_v, out=scratch))))
        value = -ll / total + self.penalizer * float((params**2).sum())
        gradient = -np.array([d_p, d_q, d_v]) * params / total + 2 * self.penalizer * params**2
        return value, gradient


# BFGS that stops on "precision loss" (its line search cannot lower the
# objective any more, typically on the flat ridge of a degenerate fit, a -> 0
# or b -> infinity) is accepted when the gradient of the mean log-likelihood
# per customer is this small: the point is an optimum up to rounding, and the
# degenerate checks of the models then say what it means.
_STALLED_GRADIENT = 1e-4


def minimise(objective: Any, size: int, max_iter: int | None, *, accept_stalled: bool) -> tuple[np.ndarray, float]:
    """BFGS from log parameters 0.1 with tolerance 1e-7, as ``lifetimes``' ``BaseFitter._fit``.

    ``lifetimes`` raises when BFGS stops on precision loss; with
    ``accept_stalled`` such a stop is accepted if the gradient is below
    ``_STALLED_GRADIENT`` (for BG/NBD, whose degenerate fits stall on the
    ridge a -> 0 and are then flagged as degenerate; whether lifetimes'
    autograd path happens to report success there is a matter of rounding).

    Returns
    -------
    (log parameters, mean negative log-likelihood)

    Raises
    ------
    RuntimeError
        The optimiser did not report success.
    """
    options: dict[str, Any] = {"disp": False}
    if max_iter is not None:
        options["maxiter"] = int(max_iter)
    with np.errstate(all="ignore"):
        out = minimize(objective, x0=0.1 * np.ones(size), jac=True, method="BFGS", tol=1e-7, options=options)
    stalled = accept_stalled and out.status == 2 and np.all(np.isfinite(out.jac)) and np.max(np.abs(out.jac)) <= _STALLED_GRADIENT
    if not (out.success or stalled):
        raise RuntimeError(f"BFGS did not converge: {out.message}")
    return np.asarray(out.x, dtype="float64"), float(out.fun)


def fit_bgnbd(x: np.ndarray, tx: np.ndarray, T: np.ndarray, weights: np.ndarray, penalizer: float,
              max_iter: int | None) -> tuple[np.ndarray, float]:
    """BG/NBD parameters (r, alpha, a, b) in the unit of ``T``, and the mean negative log-likelihood."""
    scale = 1.0 / float(np.max(T))
    log_params, value = minimise(BGNBDLikelihood(x, tx, T, weights, penalizer, scale), 4, max_iter,
                                 accept_stalled=True)
    params = np.exp(log_params)
    params[1] /= scale
    return params, value


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray, weights: np.ndarray, penalizer: float,
                    max_iter: int | None) -> tuple[np.ndarray, float]:
    """Gamma-Gamma parameters (p, q, v) and the mean negative log-likelihood."""
    log_params, value = minimise(GammaGammaLikelihood(x, m, weights, penalizer), 3, max_iter,
                                 accept_stalled=False)
    return np.exp(log_params), value


# --------------------------------------------------------------------------
# BG/NBD predictions
# --------------------------------------------------------------------------


def bgnbd_expected_numerator(params: Sequence[float], t: np.ndarray | float, x: np.ndarray,
                             T: np.ndarray) -> np.ndarray:
    """Numerator of Fader, Hardie & Lee (2005) eq. 10: expected purchases in (T, T + t] of a customer alive at T.

    Written as ``lifetimes`` writes it, with its second form of the
    hypergeometric term (Euler's transformation) where the first overflows.
    """
    r, alpha, a, b = (float(v) for v in params)
    _a = r + x
    _b = b + x
    _c = a + b + x - 1
    _z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        ln_hyp = np.log(hyp2f1(_a, _b, _c, _z))
        bad = np.isinf(ln_hyp)
        if np.any(bad):
            alt = np.log(hyp2f1(_c - _a, _c - _b, _c, _z)) + (_c - _a - _b) * np.log(1 - _z)
            ln_hyp = np.where(bad, alt, ln_hyp)
        first = (a + b + x - 1) / (a - 1)
        second = 1 - np.exp(ln_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T)))
    return first * second


def bgnbd_alive_denominator(params: Sequence[float], x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Denominator of eq. 10 (1 / P(alive)): 1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)."""
    r, alpha, a, b = (float(v) for v in params)
    with np.errstate(all="ignore"):
        return 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)


def bgnbd_p_alive(params: Sequence[float], x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive) (Fader, Hardie & Lee 2008, note 021), as ``lifetimes`` computes it."""
    r, alpha, a, b = (float(v) for v in params)
    with np.errstate(all="ignore"):
        log_div = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(a / (b + np.maximum(x, 1) - 1))
        return np.where(x == 0, 1.0, expit(-log_div))


def bgnbd_unconditional(params: Sequence[float], t: np.ndarray) -> np.ndarray:
    """Expected repeat purchases of a new customer by time t (Fader, Hardie & Lee 2005, eq. 9)."""
    r, alpha, a, b = (float(v) for v in params)
    with np.errstate(all="ignore"):
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)


def bgnbd_conditional_expected(params: Sequence[float], t: float, x: np.ndarray, tx: np.ndarray,
                               T: np.ndarray) -> np.ndarray:
    """Expected purchases in the next ``t`` per customer (eq. 10), the numerator on unique (x, T) pairs."""
    (px, pT), _, inverse = unique_rows([x, T])
    numerator = bgnbd_expected_numerator(params, t, px, pT)[inverse]
    return numerator / bgnbd_alive_denominator(params, x, tx, T)


# The interpolation below aims at this relative accuracy, with at most this many points.
_TARGET_ERROR = 1e-13
_MAX_NODES = 64


def _chebyshev_nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev points of the second kind on [0, 1] and their barycentric weights (Berrut & Trefethen 2004)."""
    j = np.arange(n)
    nodes = (1 - np.cos(np.pi * j / (n - 1))) / 2
    nodes[-1] = 1.0
    weights = (-1.0) ** j
    weights[[0, -1]] *= 0.5
    return nodes, weights


def _lagrange_basis(u: np.ndarray, nodes: np.ndarray, bary: np.ndarray) -> np.ndarray:
    """l_j(u[k]) for every point k and node j (barycentric formula; a point on a node gets that node's row)."""
    diff = u[:, None] - nodes[None, :]
    exact = diff == 0
    diff[exact] = 1.0
    terms = bary / diff
    hit = exact.any(axis=1)
    terms[hit] = exact[hit]
    return terms / terms.sum(axis=1, keepdims=True)


def _nodes_needed(top: float) -> int:
    """Chebyshev points for ``_TARGET_ERROR`` on [0, top] for a function analytic in the strip |Im u| < pi.

    The interpolation error falls like rho^-n, rho the parameter of the
    largest Bernstein ellipse inside the strip (Trefethen 2013, thm 8.2);
    a margin (0.75 pi) keeps the function bounded on it.
    """
    half, width = top / 2, 0.75 * np.pi
    rho = (width + np.hypot(width, half)) / half
    return int(np.clip(np.ceil(-np.log(_TARGET_ERROR) / np.log(rho)) + 2, 8, _MAX_NODES))


def bgnbd_discounted_purchases(params: Sequence[float], x: np.ndarray, T: np.ndarray, *, period: float,
                               horizon: int, discount: float, interpolate: bool = True) -> np.ndarray:
    """sum_{k=1..horizon} (N(k h) - N((k-1) h)) / (1 + d)^k for (x, T) pairs, N the eq. 10 numerator.

    Divided by the alive denominator and multiplied by the expected spend,
    this is the CLV of ``lifetimes``' ``customer_lifetime_value`` (period
    ``h``, per-period discount rate ``d``).

    With few periods every period is evaluated. With many (daily periods
    over a year) the sum is rewritten by parts as ``sum_k c_k N(k h)``,
    ``c_k = v^k - v^(k+1)``, ``c_horizon = v^horizon``, ``v = 1 / (1 + d)``,
    and ``N`` is replaced by its polynomial interpolant in
    ``u = log(1 + t / beta0)`` at Chebyshev points of
    ``[0, log(1 + horizon h / beta0)]``, with ``beta0 = alpha + min T``. For
    every customer (``alpha + T >= beta0``) the numerator is analytic in
    ``u`` in the strip ``|Im u| < pi``: its hypergeometric argument
    ``t / (alpha + T + t)`` reaches the branch cut [1, inf), and the power
    ``((alpha + T) / (alpha + T + t))^(r + x)`` its branch point, only for
    real ``t <= -(alpha + T)``, i.e. on ``Im u = pi``. So the error falls
    geometrically with the number of points, which is chosen from the
    width of the interval for a relative error of about 1e-13 (the tests
    check the result against the period-by-period sum). The weights
    ``sum_k c_k l_j(u_k)`` are computed once, and the model is evaluated at
    the points only: the cost hardly depends on the number of periods.
    ``interpolate=False`` sums period by period (the tests' reference).
    """
    x = np.asarray(x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    beta0 = float(params[1]) + float(T.min())
    top = float(np.log1p(horizon * period / beta0))
    n = _nodes_needed(top)
    if horizon <= n or not interpolate:
        total = np.zeros(len(x))
        previous = np.zeros(len(x))
        for k in range(1, horizon + 1):
            current = bgnbd_expected_numerator(params, k * period, x, T)
            total += (current - previous) / (1 + discount) ** k
            previous = current
        return total
    v = 1.0 / (1.0 + discount)
    k = np.arange(1, horizon + 1, dtype="float64")
    coefficients = v**k - np.append(v ** k[1:], 0.0)
    unit_nodes, bary = _chebyshev_nodes(n)
    nodes = top * unit_nodes
    u = np.log1p(k * period / beta0)
    u[-1] = top  # the last period ends on the last point
    weights = (coefficients[:, None] * _lagrange_basis(u, nodes, bary)).sum(axis=0)
    times = beta0 * np.expm1(nodes[1:])  # N(0) = 0: the first point adds nothing
    values = bgnbd_expected_numerator(params, times[None, :], x[:, None], T[:, None])
    return (values * weights[None, 1:]).sum(axis=1)
