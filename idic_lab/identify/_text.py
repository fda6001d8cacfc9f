"""Identify stage: text normalisation and similarity for names, e-mails, phones.

Customer files mix scripts. A Vietnamese name arrives with and without
diacritics ("Nguyễn Đức" / "Nguyen Duc"), a Persian name with Arabic or
Persian letter variants (ي/ی, ك/ک), with or without a zero-width non-joiner,
and sometimes transliterated to Latin in another system ("محمد" / "Mohammad").
Every comparison therefore works on a *normalised* form:

1. Unicode NFKC (compatibility forms: full-width letters, ligatures),
2. ``casefold`` (better than ``lower`` for ß and friends),
3. diacritics removed (NFD, drop combining marks) and ``đ`` → ``d``,
4. Arabic-script variants unified, ZWNJ and tatweel removed, Persian and
   Arabic-Indic digits turned into ASCII digits,
5. punctuation to spaces, whitespace collapsed.

For Persian ↔ Latin, :func:`consonant_skeleton` maps both scripts onto the
same consonant string (short vowels are not written in Persian script, so
the vowels are dropped on the Latin side too): "محمد" and "Mohammad" both
give ``"mhmd"``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = [
    "consonant_skeleton",
    "has_arabic_script",
    "name_similarity",
    "normalise_address",
    "normalise_email",
    "normalise_name",
    "normalise_phone",
    "normalise_text",
]

# Arabic code points that Persian writes differently, and marks that carry no
# identity (ZWNJ splits a word visually only; tatweel stretches a letter).
_ARABIC_VARIANTS = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh -> Persian yeh
        "ى": "ی",  # alef maksura
        "ك": "ک",  # Arabic kaf -> Persian keheh
        "ة": "ه",  # teh marbuta
        "ۀ": "ه",  # heh with yeh above
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ی",
        "\u200c": "",  # zero-width non-joiner
        "\u200d": "",  # zero-width joiner
        "\u0640": "",  # tatweel
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    }
)
# Letters that do not decompose under NFD but carry a "diacritic" in practice.
_LATIN_EXTRA = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})

# Persian letters to Latin consonants, in the spirit of common informal
# transliteration (ق and غ both "gh", ث/س/ص all "s", ذ/ز/ض/ظ all "z").
_PERSIAN_TO_LATIN = str.maketrans(
    {
        "ا": "a", "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "ch",
        "ح": "h", "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "zh",
        "س": "s", "ش": "sh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z", "ع": "",
        "غ": "gh", "ف": "f", "ق": "gh", "ک": "k", "گ": "g", "ل": "l", "م": "m",
        "ن": "n", "و": "v", "ه": "h", "ی": "y", "ء": "",
    }
)
# Latin spellings that the Persian side cannot distinguish.
_LATIN_SKELETON_RULES = (
    (re.compile(r"w"), "v"),
    (re.compile(r"q"), "gh"),
    (re.compile(r"[ck](?!h)"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"[aeiouy]"), ""),
    (re.compile(r"(.)\1+"), r"\1"),  # doubled consonants are one letter in Persian
)
_ARABIC_BLOCK = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_NON_WORD = re.compile(r"[^\w]+")
_DIGITS = re.compile(r"\D+")


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def _scalar_text(value, function: str) -> str:
    """One value as text for the scalar functions: missing is ``""``, containers are refused."""
    if _is_missing(value):
        return ""
    if isinstance(value, (list, tuple, set, dict, pd.Series, pd.Index, pd.DataFrame, np.ndarray)):
        raise TypeError(
            f"{function}: expected one text value (str), found a {type(value).__name__}; "
            "for a whole column use normalise_name(series) or series.map(normalise_text)"
        )
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # a whole number read as float: "1001", not "1001.0"
    return str(value)


def normalise_text(value: str) -> str:
    """Normalise one string for comparison (script-aware, see module docstring).

    Parameters
    ----------
    value : str
        Any text; numbers are converted with ``str`` (whole floats without
        ``.0``); missing values (None, NaN, NA) give ``""``.

    Returns
    -------
    str
        Lower-case, diacritic-free, single-spaced text; ``""`` for blank or missing input.

    Raises
    ------
    TypeError
        If ``value`` is a list, Series or other container.

    Examples
    --------
    >>> normalise_text("  Nguyễn   Đức ")
    'nguyen duc'
    >>> normalise_text("علي") == normalise_text("علی")
    True
    """
    return _normalise_text(_scalar_text(value, "normalise_text"))


@lru_cache(maxsize=200_000)
def _normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_ARABIC_VARIANTS)
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).translate(_LATIN_EXTRA)
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


def has_arabic_script(value: str) -> bool:
    """True when the text contains Arabic-script (Persian, Arabic) letters (False when missing)."""
    return bool(_ARABIC_BLOCK.search(_scalar_text(value, "has_arabic_script")))


def consonant_skeleton(value: str) -> str:
    """Consonant key shared by a Persian name and its Latin transliteration.

    Examples
    --------
    >>> consonant_skeleton("محمد"), consonant_skeleton("Mohammad")
    ('mhmd', 'mhmd')
    >>> consonant_skeleton("حسین"), consonant_skeleton("Hossein")
    ('hsn', 'hsn')

    Missing or blank input gives ``""``.
    """
    return _consonant_skeleton(normalise_text(value))


@lru_cache(maxsize=200_000)
def _consonant_skeleton(normalised: str) -> str:
    text = normalised.translate(_PERSIAN_TO_LATIN)
    words = []
    for word in text.split():
        for pattern, replacement in _LATIN_SKELETON_RULES:
            word = pattern.sub(replacement, word)
        if word:
            words.append(word)
    return " ".join(sorted(words))


def normalise_name(values: pd.Series) -> pd.Series:
    """Normalised names (``str``; missing stays missing, blanks become missing)."""
    return _map_present(values, _normalise_text, "normalise_name")


# Street-type words and their usual abbreviations (USPS Publication 28 style for English,
# common German and Dutch forms), so "12 Mill Lane" and "12 Mill Ln." are one address.
_STREET_WORDS = {
    "street": "st", "road": "rd", "avenue": "ave", "av": "ave", "lane": "ln", "drive": "dr", "court": "ct",
    "place": "pl", "boulevard": "blvd", "square": "sq", "terrace": "ter", "crescent": "cres",
    "highway": "hwy", "parkway": "pkwy", "mount": "mt",
    "strasse": "str", "weg": "wg", "platz": "pl", "straat": "str", "laan": "ln",
}
_STREET_WORD = re.compile(r"\b(" + "|".join(_STREET_WORDS) + r")\b")
_STRASSE_SUFFIX = re.compile(r"(?<=\w)(strasse|straat)\b")  # Hauptstraße, Kerkstraat: one word


def _standard_address(text: str) -> str:
    text = _STRASSE_SUFFIX.sub("str", _normalise_text(text))
    return _STREET_WORD.sub(lambda word: _STREET_WORDS[word.group(1)], text)


def normalise_address(values: pd.Series) -> pd.Series:
    """Normalised addresses: as :func:`normalise_name`, with street-type words abbreviated.

    ``"12 Mill Lane, Oakridge"`` and ``"12 Mill Ln. Oakridge"`` are the same
    address, so both become ``"12 mill ln oakridge"``; without this, the
    commonest way two systems write one address differently would count
    only as "close", like a different house number on the same street.
    """
    return _map_present(values, _standard_address, "normalise_address")


def normalise_email(values: pd.Series) -> pd.Series:
    """Lower-cased e-mail addresses without ``+tags`` and without Gmail dots.

    ``"Anna.Berg+shop@GMail.com"`` and ``"annaberg@gmail.com"`` reach the
    same mailbox, so they normalise to the same string.
    """

    def one(value: str) -> str:
        text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
        local, at, domain = text.rpartition("@")
        if not at:
            return text
        local = local.split("+", 1)[0]
        if domain in {"gmail.com", "googlemail.com"}:
            local, domain = local.replace(".", ""), "gmail.com"
        return f"{local}@{domain}"

    return _map_present(values, one, "normalise_email")


def normalise_phone(values: pd.Series, *, keep_last: int = 9) -> pd.Series:
    """Digits of a phone number, last ``keep_last`` only.

    Keeping the trailing digits makes ``+49 30 1234567``, ``0049301234567``
    and ``030-1234567`` agree without a country-code table. Numbers with
    fewer than 6 digits become missing (they cannot identify anybody).

    Raises
    ------
    ValueError
        If ``keep_last`` is not a whole number of at least 6.
    """
    if isinstance(keep_last, bool) or not isinstance(keep_last, (int, np.integer)) or keep_last < 6:
        raise ValueError(
            f"normalise_phone: keep_last is the number of trailing digits compared, a whole number of at "
            f"least 6 (default 9), found {keep_last!r}"
        )

    def one(value: str) -> str:
        digits = _DIGITS.sub("", unicodedata.normalize("NFKC", str(value)).translate(_ARABIC_VARIANTS))
        return digits[-keep_last:] if len(digits) >= 6 else ""

    return _map_present(values, one, "normalise_phone")


def name_similarity(left: str, right: str) -> float:
    """Similarity of two *normalised* names in [0, 1], order- and script-tolerant.

    The best of: Jaro–Winkler on the names as written, on their words sorted
    (catches swapped first/last names) and, when exactly one of the two is in
    Arabic script, on their consonant skeletons (Persian ↔ Latin).

    Returns
    -------
    float
        The similarity; NaN when either name is missing or blank, which
        marks "no evidence" (compare_pairs turns it into level -1) rather
        than a score.

    Raises
    ------
    TypeError
        If a name is neither text nor missing (a number, a list …).
    """
    texts = []
    for side, value in (("left", left), ("right", right)):
        if _is_missing(value):
            return float("nan")
        if not isinstance(value, str):
            raise TypeError(
                f"name_similarity: {side} must be a normalised name (str), found {type(value).__name__} "
                f"{value!r:.40}; normalise it first with normalise_text(value)"
            )
        texts.append(value)
    return _name_similarity(*texts)


@lru_cache(maxsize=500_000)
def _name_similarity(left: str, right: str) -> float:
    """One pair through the engine's vectorised name score, so both always agree."""
    if not left or not right:
        return float("nan")
    if left == right:
        return 1.0
    from idic_lab.identify import _engine  # the engine imports this module

    values = _engine.Values(np.array([left], dtype=object), np.array([right], dtype=object))
    features = (values.text, values.feature("sorted_words"), values.feature("arabic"), values.feature("skeleton"))
    return float(_engine._per_distinct_pair(_engine._name_score, values.codes_left, values.codes_right, *features)[0])


def _text_values(values: pd.Series) -> pd.Series:
    """Values as ``str`` (missing stays missing); whole floats lose their ``.0``.

    A column of phone numbers or postcodes with gaps is read as float;
    ``str(4930123456.0)`` would add a digit, so whole floats are written as integers.
    """
    if pd.api.types.is_float_dtype(values):
        finite = np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        whole = pd.Series(finite, index=values.index) & (values == values.round()) & (values.abs() < 2.0**53)
        out = values.astype("str")
        if whole.any():
            out[whole] = values[whole].astype("int64").astype("str")
        return out.where(values.notna(), pd.NA)
    return values.astype("str").where(values.notna(), pd.NA)


def _as_series(values, function: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(
            f"{function}: expected a Series (a column) of values, found {type(values).__name__} {values!r:.40}; "
            "for one value use normalise_text(value)"
        )
    return pd.Series(list(values), dtype=object)


def _map_present(values: pd.Series, function, name: str = "normalise_name") -> pd.Series:
    """Apply ``function`` to the non-blank values; blank results become missing."""
    values = _as_series(values, name)
    text = _text_values(values)
    present = text.notna() & text.str.strip().ne("")
    result = pd.Series(pd.NA, index=values.index, dtype="str")
    if present.any():  # once per distinct value: a million records hold far fewer distinct names
        codes, uniques = pd.factorize(text[present].to_numpy(dtype=object))
        mapped = np.array([function(v) for v in uniques], dtype=object)
        result[present] = mapped[codes]
    return result.where(result.ne(""), pd.NA) if len(result) else result
