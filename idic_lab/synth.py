"""A synthetic CRM world with planted ground truth (used by every IDIC stage).

Real data never say what the right answer is; this world does. A retailer
sells in six categories through web, app and stores. Its people are drawn
first, then everything the CRM systems would hold about them:

* **Identify** — customers arrive through a web sign-up form, the stores and
  a purchased address list. Some people have records in two or three of
  these systems, with typos, missing fields, another e-mail format, names
  with and without diacritics (Vietnamese), Arabic and Persian letter
  variants and Latin transliterations (Persian). Truth: the identity map
  record → person.
* **Differentiate** — purchases follow the BG/NBD process (Fader, Hardie &
  Lee 2005): while alive, a person buys at Poisson rate ``lam`` ~
  Gamma(r, alpha) per week and drops out after each repeat purchase with
  probability ``p`` ~ Beta(a, b). Spend per purchase occasion is Gamma(p_gg,
  rate nu) with nu ~ Gamma(q, rate v) (Fader & Hardie 2013, Gamma-Gamma).
  What each person buys depends on a planted needs segment (category shares,
  channels, basket size); the segment is drawn after the purchase rate and
  spend, leaning on them (big spenders lean to technology), so value and
  needs are related without changing the planted distributions. Truth: the
  parameters and each person's segment.
* **Interact** — contacts by channel with a planted cost per channel; a
  randomized campaign with a planted, heterogeneous uplift per customer; a
  satisfaction survey whose overall score is a planted weighted sum of
  driver ratings. Truth: uplift per customer, driver weights.
* **Customize** — baskets with planted product bundles (if X is bought, Y is
  added with a known probability). Truth: the bundles.

Messiness is added on top of the clean purchase lines, never instead of
them: order lines placed and then cancelled (a purchase line and its "C"
cancellation line, which cleaning nets to nothing), return lines, anonymous
lines without a customer id,
exact duplicate rows and mistyped dates after the observation end. Their
counts are in ``truth.messiness`` under the same reasons that
:func:`idic_lab.schema.clean` reports, so cleaning can be checked exactly.

Same seed, same world.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CRMWorld", "WorldTruth", "make_crm_world", "DEFAULT_KNOBS", "InvoiceExport", "InvoiceTruth", "make_invoice_export"]

OBSERVATION_START = pd.Timestamp("2024-01-01")
WEEKS_OBSERVED = 78
ACQUISITION_WEEKS = 12  # people make their first purchase in the first quarter (as in CDNOW)

DEFAULT_KNOBS: dict[str, Any] = {
    # purchase process (per week) and spend (Gamma-Gamma)
    "bgnbd": {"r": 0.8, "alpha": 6.0, "a": 0.6, "b": 3.0},
    "gamma_gamma": {"p": 6.0, "q": 4.0, "v": 15.0},
    # identities
    "duplicate_identity_rate": 0.20,  # share of people with a second record in another system
    "third_record_rate": 0.03,  # share of people with a third record
    "list_prospect_share": 0.25,  # purchased-list contacts who never buy, per buying customer
    "typo_rate": 0.35,  # chance that a copied field is mistyped
    # transaction messiness, as a share of the clean purchase lines
    "cancellation_rate": 0.01,
    "return_rate": 0.02,
    "missing_id_rate": 0.01,
    "duplicate_row_rate": 0.005,
    "bad_date_rate": 0.002,
    # interact
    "campaign_share": 1.0,  # share of buyers in the randomized campaign
    "survey_share": 0.3,  # share of buyers answering the satisfaction survey
}

CATEGORIES = ["fashion", "home", "electronics", "beauty", "sports", "books"]
CHANNELS = ["web", "app", "store"]

# Needs segments: what they buy, where, how much at once, and how their membership leans on
# value ("value_tilt": log-odds per standard deviation of log purchase rate and of log mean spend).
_SEGMENTS: dict[str, dict[str, Any]] = {
    "Style seekers": {
        "weight": 0.30,
        "categories": [0.55, 0.05, 0.05, 0.30, 0.03, 0.02],
        "channels": [0.25, 0.65, 0.10],
        "extra_items": 0.6,
        "value_tilt": (0.4, -0.5),
    },
    "Home makers": {
        "weight": 0.25,
        "categories": [0.05, 0.60, 0.05, 0.05, 0.05, 0.20],
        "channels": [0.15, 0.05, 0.80],
        "extra_items": 1.5,
        "value_tilt": (0.6, 0.0),
    },
    "Tech enthusiasts": {
        "weight": 0.25,
        "categories": [0.05, 0.05, 0.70, 0.02, 0.08, 0.10],
        "channels": [0.80, 0.15, 0.05],
        "extra_items": 0.3,
        "value_tilt": (-0.3, 0.8),
    },
    "Active families": {
        "weight": 0.20,
        "categories": [0.20, 0.10, 0.05, 0.05, 0.55, 0.05],
        "channels": [0.30, 0.20, 0.50],
        "extra_items": 2.0,
        "value_tilt": (0.0, 0.0),
    },
}
SEGMENTS = list(_SEGMENTS)

# Planted uplift of the campaign (added probability of buying in the four weeks after the e-mail): the
# segment's pull, scaled down with the weeks since the last purchase and with the share of store purchases;
# regulars (and frequent tech buyers) are "sleeping dogs" whom the offer makes buy less.
_SEGMENT_UPLIFT = {"Style seekers": 0.50, "Home makers": 0.36, "Tech enthusiasts": 0.20, "Active families": 0.42}
_UPLIFT_RECENCY_WEEKS = 15.0  # the pull falls by a factor e every 15 weeks since the last purchase ...
_UPLIFT_RECENCY_FLOOR = 0.15  # ... down to this share of it for long-lapsed buyers
_UPLIFT_ONLINE_FLOOR = 0.3  # share of the pull left for a buyer who only ever bought in the store
_SLEEPING_DOG_FREQUENCY = 10  # regulars with at least this many purchases ...
_SLEEPING_TECH_FREQUENCY = 4  # ... and tech enthusiasts with at least this many ...
_SLEEPING_DOG_UPLIFT = -0.12  # ... buy less when contacted
_BASE_RESPONSE_LOGIT = -3.5  # log-odds of buying in the four weeks without the offer, one past purchase ...
_BASE_RESPONSE_FREQUENCY = 0.8  # ... plus this per unit of log(1 + past purchases)

DRIVERS = ["product_quality", "price_value", "delivery", "customer_service", "website_app"]
_DRIVER_WEIGHTS = [0.35, 0.15, 0.20, 0.25, 0.05]

# Contact channels: cost per contact and how often each is used (interactions).
_CHANNEL_COST = {"email": 0.05, "sms": 0.08, "web_chat": 2.5, "call_centre": 6.0, "store_visit": 0.0, "social": 0.5}
_CHANNEL_SHARES = [0.42, 0.12, 0.13, 0.13, 0.12, 0.08]
_CHANNEL_TYPES = {
    "email": (["marketing", "service"], [0.85, 0.15], ["opened", "clicked", "ignored"]),
    "sms": (["marketing", "service"], [0.6, 0.4], ["clicked", "ignored"]),
    "web_chat": (["inquiry", "complaint", "service"], [0.5, 0.2, 0.3], ["resolved", "unresolved"]),
    "call_centre": (["inquiry", "complaint", "service"], [0.4, 0.3, 0.3], ["resolved", "unresolved"]),
    "store_visit": (["advice", "service"], [0.7, 0.3], ["resolved", "unresolved"]),
    "social": (["inquiry", "complaint", "marketing"], [0.4, 0.2, 0.4], ["answered", "ignored"]),
}

SOURCES = ["web_signup", "store", "purchased_list"]
_SOURCE_PREFIX = {"web_signup": "W", "store": "S", "purchased_list": "L"}
_PRIMARY_SOURCE_SHARES = [0.45, 0.35, 0.20]
_LIST_DATE = pd.Timestamp("2024-02-01")  # the day the address list was bought
# Share of filled fields per source: a purchased list has addresses but few birth dates, ...
_COMPLETENESS = {
    "web_signup": {"email": 1.0, "phone": 0.7, "address": 0.6, "birth_date": 0.5},
    "store": {"email": 0.5, "phone": 0.85, "address": 0.8, "birth_date": 0.7},
    "purchased_list": {"email": 0.6, "phone": 0.4, "address": 0.75, "birth_date": 0.2},
}
# A cheap bought list: the vendor sells some people twice (spelled differently), the buyers it
# reaches first are the less engaged ones, and it overlaps with the firm's own customers.
_LIST_REPEAT_RATE = 0.18  # share of the list's people it holds twice
_LIST_VALUE_TILT = 0.9  # log-odds of a list first record per standard deviation of lower value
_SECOND_RECORD_WEIGHTS = {"web_signup": 1.0, "store": 1.0, "purchased_list": 2.0}  # where a copy sits

# Names: (native script, Latin transliteration). Latin names are their own transliteration.
_LATIN_FIRST = [
    "Anna", "Jonas", "Maria", "Peter", "Lena", "Lukas", "Sophie", "Thomas", "Julia", "Michael",
    "Laura", "David", "Emma", "Daniel", "Sarah", "Paul", "Clara", "Felix", "Hannah", "Simon",
    "Olivia", "James", "Emily", "Oliver", "Chloe", "Lucas", "Elena", "Marco", "Giulia", "Pablo",
    "Carmen", "Jan", "Eva", "Tobias", "Nina", "Martin", "Katrin", "Stefan", "Ines", "Hugo",
]
_LATIN_LAST = [
    "Berg", "Weber", "Schmidt", "Fischer", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch",
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Rossi", "Russo", "Bianchi", "Romano",
    "Garcia", "Martinez", "Lopez", "Sanchez", "Dubois", "Moreau", "Laurent", "Lefebvre", "Jansen",
    "de Vries", "Novak", "Horvat", "Kowalski", "Nowak", "Lindqvist", "Andersen", "Nielsen", "Costa",
    "Silva", "Keller",
]
_PERSIAN_FIRST = [
    ("علی", "Ali"), ("محمد", "Mohammad"), ("زهرا", "Zahra"), ("فاطمه", "Fatemeh"), ("رضا", "Reza"),
    ("مریم", "Maryam"), ("حسین", "Hossein"), ("نرگس", "Narges"), ("مهدی", "Mehdi"), ("سارا", "Sara"),
    ("کاوه", "Kaveh"), ("نیلوفر", "Niloufar"), ("کامران", "Kamran"), ("شیرین", "Shirin"), ("یاسمن", "Yasaman"),
]
_PERSIAN_LAST = [
    ("کریمی", "Karimi"), ("رضایی", "Rezaei"), ("احمدی", "Ahmadi"), ("حسینی", "Hosseini"),
    ("محمدی", "Mohammadi"), ("موسوی", "Mousavi"), ("جعفری", "Jafari"), ("کاظمی", "Kazemi"),
    ("یزدانی", "Yazdani"), ("کیانی", "Kiani"), ("صادقی", "Sadeghi"), ("نیکپور", "Nikpour"),
]
_VIET_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"]
_VIET_MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Ngọc", "Thanh", "Hữu", "Quang"]
_VIET_GIVEN = ["Anh", "Hùng", "Lan", "Hương", "Dũng", "Thảo", "Tuấn", "Linh", "Phương", "Khánh", "Hải", "Yến"]
_NAME_ORIGIN_SHARES = [0.70, 0.15, 0.15]  # Latin, Persian, Vietnamese

_STREETS = [
    "Main", "Station", "Church", "Park", "Mill", "Garden", "Lake", "Forest", "King", "Queen",
    "Bridge", "Market", "School", "Castle", "River", "Hill", "Meadow", "Harbour", "Orchard", "Spring",
]
_STREET_TYPES = [("Street", "St."), ("Road", "Rd."), ("Avenue", "Ave."), ("Lane", "Ln.")]
_CITIES = ["Springfield", "Riverton", "Lakeside", "Hillview", "Mapleton", "Fairhaven", "Brookfield", "Oakridge"]
_EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "web.de", "proton.me", "mail.com"]


@dataclass
class WorldTruth:
    """The planted ground truth of a :class:`CRMWorld`.

    Attributes
    ----------
    identity : Series
        Record id (``customers.customer_id``) → person id.
    people : DataFrame
        One row per person (index ``person_id``): needs ``segment``, purchase
        rate ``lam`` and dropout probability ``p`` (per week), spend rate
        ``nu``, ``first_purchase``, ``n_repeat`` repeat purchase occasions in
        the window, ``alive`` at the observation end, ``primary_record``,
        ``source``, campaign ``uplift`` and ``is_buyer``.
    bgnbd, gamma_gamma : dict
        The population parameters, time unit one week.
    segments : list of str
    segment_category_shares : DataFrame
        Segment × category: the planted share of items in each category.
    uplift : Series
        Campaign ``customer_id`` → planted uplift, P(outcome | treated) −
        P(outcome | control).
    driver_weights : Series
        Survey driver → weight in the overall score.
    bundles : DataFrame
        ``antecedent``, ``consequent``, ``probability``: when the antecedent
        is in a basket the consequent is added with this probability.
    channel_cost : Series
        Interaction channel → cost per contact.
    messiness : dict
        Rows added per reason, named as :func:`idic_lab.schema.clean` names
        them.
    """

    identity: pd.Series
    people: pd.DataFrame
    bgnbd: dict[str, float]
    gamma_gamma: dict[str, float]
    segments: list[str]
    segment_category_shares: pd.DataFrame
    uplift: pd.Series
    driver_weights: pd.Series
    bundles: pd.DataFrame
    channel_cost: pd.Series
    messiness: dict[str, int]

    def record_truth(self, column: str) -> pd.Series:
        """A column of :attr:`people` for each record id (through :attr:`identity`)."""
        if column not in self.people.columns:
            raise KeyError(f"truth.people has no column {column!r}; columns: {', '.join(self.people.columns)}")
        values = self.identity.map(self.people[column])
        return values.rename(column)


@dataclass
class CRMWorld:
    """All contract tables of the synthetic retailer, plus the truth behind them."""

    customers: pd.DataFrame
    transactions: pd.DataFrame
    interactions: pd.DataFrame
    campaign: pd.DataFrame
    survey: pd.DataFrame
    baskets: pd.DataFrame
    products: pd.DataFrame
    truth: WorldTruth
    observation_start: pd.Timestamp = OBSERVATION_START
    observation_end: pd.Timestamp = OBSERVATION_START + pd.Timedelta(weeks=WEEKS_OBSERVED) - pd.Timedelta(days=1)
    time_unit: str = "W"
    knobs: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name (contract tables and ``products``)."""
        names = ["customers", "transactions", "interactions", "campaign", "survey", "baskets", "products"]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(table):,}" for name, table in self.tables().items())
        return f"CRMWorld({sizes}; {self.observation_start:%Y-%m-%d}..{self.observation_end:%Y-%m-%d})"


# --------------------------------------------------------------------------
# knobs
# --------------------------------------------------------------------------


def _resolve_knobs(knobs: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(knobs) - set(DEFAULT_KNOBS))
    if unknown:
        raise TypeError(
            f"make_crm_world: unknown knob(s) {', '.join(map(repr, unknown))}; "
            f"valid knobs: {', '.join(DEFAULT_KNOBS)}"
        )
    resolved = {**DEFAULT_KNOBS, **knobs}
    for name in ("bgnbd", "gamma_gamma"):
        expected = set(DEFAULT_KNOBS[name])
        given = dict(resolved[name])
        if set(given) != expected or any(not float(v) > 0 for v in given.values()):
            raise ValueError(
                f"make_crm_world: {name} must give positive values for exactly {sorted(expected)}, "
                f"found {given!r}"
            )
        resolved[name] = {k: float(v) for k, v in given.items()}
    for name, value in resolved.items():
        if name.endswith(("_rate", "_share")) and not 0 <= float(value) <= 1:
            raise ValueError(f"make_crm_world: {name} must be between 0 and 1, found {value!r}")
    return resolved


# --------------------------------------------------------------------------
# people and their purchases
# --------------------------------------------------------------------------


def _draw_people(rng: np.random.Generator, n: int, knobs: dict[str, Any]) -> pd.DataFrame:
    bg, gg = knobs["bgnbd"], knobs["gamma_gamma"]
    lam = rng.gamma(bg["r"], 1 / bg["alpha"], size=n)
    p = rng.beta(bg["a"], bg["b"], size=n)
    nu = rng.gamma(gg["q"], 1 / gg["v"], size=n)
    return pd.DataFrame(
        {
            "segment": _draw_segments(rng, lam, nu),
            "lam": lam,
            "p": p,
            "nu": nu,
            "first_week": rng.uniform(0, ACQUISITION_WEEKS, size=n),
        },
        index=pd.Index([f"P{i:05d}" for i in range(1, n + 1)], name="person_id"),
    )


def _draw_segments(rng: np.random.Generator, lam: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """Needs segment given value: drawn after lam and nu, so their planted distributions stay exact.

    Value and needs are related as in a real shop: frequent buyers lean to
    the segments that buy often (home, style), big spenders to technology.
    """
    def standardised(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / (x.std() or 1.0)

    frequency, spend = standardised(np.log(lam)), standardised(-np.log(nu))
    weights = np.array([s["weight"] for s in _SEGMENTS.values()])
    tilt = np.array([s["value_tilt"] for s in _SEGMENTS.values()])  # (frequency, spend) per segment
    logits = np.log(weights)[None, :] + np.outer(frequency, tilt[:, 0]) + np.outer(spend, tilt[:, 1])
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    draws = (probabilities.cumsum(axis=1) < rng.uniform(size=(len(lam), 1))).sum(axis=1)
    return np.array(SEGMENTS)[np.minimum(draws, len(SEGMENTS) - 1)]


def _purchase_occasions(rng: np.random.Generator, people: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """BG/NBD: first purchase, then Poisson(lam) repeats until dropout after a repeat.

    Conditional on their number in a window, the event times of a Poisson
    process are uniform order statistics; dropping out after the K-th repeat
    (K ~ Geometric(p)) keeps the first K. Returns the occasions (person
    position, week), the number of repeats and whether each person is alive
    at the end of the window.
    """
    n = len(people)
    lam, p, start = people["lam"].to_numpy(), people["p"].to_numpy(), people["first_week"].to_numpy()
    window = WEEKS_OBSERVED - start
    events = rng.poisson(lam * window)
    last_repeat = rng.geometric(p)  # the repeat after which the person drops out
    repeats = np.minimum(events, last_repeat)
    alive = events < last_repeat
    who = np.repeat(np.arange(n), events)
    times = start[who] + rng.uniform(0, 1, size=who.size) * window[who]
    order = np.lexsort((times, who))
    who, times = who[order], times[order]
    rank = np.arange(who.size) - np.repeat(np.cumsum(events) - events, events)
    keep = rank < repeats[who]
    occasions = pd.DataFrame(
        {
            "person": np.concatenate([np.arange(n), who[keep]]),
            "week": np.concatenate([start, times[keep]]),
        }
    )
    return occasions, repeats, alive


def _products(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    price_levels = {"fashion": 35, "home": 25, "electronics": 90, "beauty": 15, "sports": 40, "books": 14}
    for category in CATEGORIES:
        for k in range(1, 11):
            rows.append((f"{category[:3].upper()}{k:02d}", f"{category} item {k}", category,
                         round(price_levels[category] * rng.uniform(0.5, 1.8), 2)))
    return pd.DataFrame(rows, columns=["product_id", "name", "category", "list_price"])


def _bundles(products: pd.DataFrame) -> pd.DataFrame:
    """Planted associations: item 1 of a category pulls item 2, item 3 pulls item 4."""
    rows = []
    for category in CATEGORIES:
        ids = products.loc[products["category"] == category, "product_id"].to_numpy()
        rows += [(ids[0], ids[1], 0.6), (ids[2], ids[3], 0.4)]
    return pd.DataFrame(rows, columns=["antecedent", "consequent", "probability"])


def _order_lines(
    rng: np.random.Generator, people: pd.DataFrame, occasions: pd.DataFrame, products: pd.DataFrame,
    bundles: pd.DataFrame, gg_p: float,
) -> pd.DataFrame:
    """Turn purchase occasions into orders with lines; the order total is the planted spend."""
    segment_of = people["segment"].to_numpy()[occasions["person"].to_numpy()]
    n_orders = len(occasions)
    spend = rng.gamma(gg_p, 1 / people["nu"].to_numpy()[occasions["person"].to_numpy()])
    channel = np.empty(n_orders, dtype=object)
    n_items = np.empty(n_orders, dtype=int)
    for name, spec in _SEGMENTS.items():
        mine = segment_of == name
        channel[mine] = rng.choice(CHANNELS, size=mine.sum(), p=spec["channels"])
        n_items[mine] = 1 + rng.poisson(spec["extra_items"], size=mine.sum())
    order_pos = np.repeat(np.arange(n_orders), n_items)
    line_segment = segment_of[order_pos]
    category = np.empty(order_pos.size, dtype=object)
    for name, spec in _SEGMENTS.items():
        mine = line_segment == name
        category[mine] = rng.choice(CATEGORIES, size=mine.sum(), p=spec["categories"])
    by_category = products.groupby("category")["product_id"].apply(np.array).to_dict()
    product = np.array([by_category[c][i] for c, i in zip(category, rng.integers(0, 10, size=category.size))])
    # planted bundles: the consequent joins the same order
    extra_pos, extra_product = [], []
    for antecedent, consequent, probability in bundles.itertuples(index=False):
        hit = np.flatnonzero((product == antecedent) & (rng.uniform(size=product.size) < probability))
        extra_pos.append(order_pos[hit])
        extra_product.append(np.full(hit.size, consequent, dtype=object))
    order_pos = np.concatenate([order_pos, *extra_pos])
    product = np.concatenate([product, *extra_product])
    # The same product twice in one order is one line with a larger quantity.
    quantity = 1 + rng.poisson(0.2, size=product.size)
    merged = (
        pd.DataFrame({"order_pos": order_pos, "product": product, "quantity": quantity})
        .groupby(["order_pos", "product"], sort=True)["quantity"].sum().reset_index()
    )
    order_pos, product = merged["order_pos"].to_numpy(), merged["product"].to_numpy()
    quantity = merged["quantity"].to_numpy()
    # The occasion's planted spend is shared among its lines in proportion to list price x quantity.
    list_price = products.set_index("product_id")["list_price"].reindex(product).to_numpy()
    weight = list_price * quantity
    share = weight / np.bincount(order_pos, weights=weight)[order_pos]
    amount = np.round(spend[order_pos] * share, 2)
    amount = np.maximum(amount, 0.01)
    return pd.DataFrame(
        {
            "occasion": order_pos,
            "person": occasions["person"].to_numpy()[order_pos],
            "week": occasions["week"].to_numpy()[order_pos],
            "amount": amount,
            "product_id": product,
            "quantity": quantity,
            "unit_price": np.round(amount / quantity, 2),
            "channel": channel[order_pos],
        }
    )


# --------------------------------------------------------------------------
# identities: records in three systems, with typos
# --------------------------------------------------------------------------


def _strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _draw_names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str], np.ndarray]:
    """Full names in their own script, a Latin form for e-mails, and the origin (0 Latin, 1 Persian, 2 Vietnamese)."""
    origin = rng.choice(3, size=n, p=_NAME_ORIGIN_SHARES)
    names, latin = [], []
    for o in origin:
        if o == 0:
            full = f"{_LATIN_FIRST[rng.integers(len(_LATIN_FIRST))]} {_LATIN_LAST[rng.integers(len(_LATIN_LAST))]}"
            names.append(full)
            latin.append(full)
        elif o == 1:
            first = _PERSIAN_FIRST[rng.integers(len(_PERSIAN_FIRST))]
            last = _PERSIAN_LAST[rng.integers(len(_PERSIAN_LAST))]
            names.append(f"{first[0]} {last[0]}")
            latin.append(f"{first[1]} {last[1]}")
        else:
            full = (f"{_VIET_FAMILY[rng.integers(len(_VIET_FAMILY))]} {_VIET_MIDDLE[rng.integers(len(_VIET_MIDDLE))]} "
                    f"{_VIET_GIVEN[rng.integers(len(_VIET_GIVEN))]}")
            names.append(full)
            latin.append(_strip_diacritics(full))
    return names, latin, origin


def _unique_emails(rng: np.random.Generator, latin_names: list[str]) -> list[str]:
    """One mailbox per person: namesakes get a number, as a mail provider would insist."""
    taken: set[str] = set()
    emails = []
    for name in latin_names:
        local = name.lower().replace(" ", ".")
        domain = _EMAIL_DOMAINS[rng.integers(len(_EMAIL_DOMAINS))]
        candidate = f"{local}@{domain}" if rng.uniform() < 0.6 else f"{local}{rng.integers(1, 99)}@{domain}"
        while candidate in taken:
            candidate = f"{local}{rng.integers(1, 9999)}@{domain}"
        taken.add(candidate)
        emails.append(candidate)
    return emails


def _person_details(rng: np.random.Generator, n: int) -> pd.DataFrame:
    names, latin, origin = _draw_names(rng, n)
    digits = rng.integers(0, 10, size=(n, 9))
    phone = ["7" + "".join(map(str, row)) for row in digits]
    street_type = rng.integers(len(_STREET_TYPES), size=n)
    address = [
        f"{rng.integers(1, 200)} {_STREETS[rng.integers(len(_STREETS))]} {_STREET_TYPES[t][0]}, "
        f"{_CITIES[rng.integers(len(_CITIES))]}"
        for t in street_type
    ]
    email = _unique_emails(rng, latin)
    birth = OBSERVATION_START - pd.to_timedelta(rng.integers(18 * 365, 80 * 365, size=n), unit="D")
    return pd.DataFrame(
        {"name": names, "latin": latin, "origin": origin, "email": email, "phone": phone,
         "address": address, "birth_date": birth}
    )


_ARABIC_VARIANTS = str.maketrans({"ی": "ي", "ک": "ك"})  # Persian yeh/keheh typed as Arabic yeh/kaf


def _typo(rng: np.random.Generator, text: str) -> str:
    """One keyboard slip: a letter dropped, doubled, swapped with the next or replaced."""
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = rng.integers(4)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + "aeinorst"[rng.integers(8)] + text[i + 1:]


def _variant_name(rng: np.random.Generator, name: str, latin: str, origin: int, typo_rate: float) -> str:
    """How another system spells the same person's name."""
    if origin == 1:  # Persian: Arabic letter variants, or a Latin transliteration
        return name.translate(_ARABIC_VARIANTS) if rng.uniform() < 0.7 else latin
    if origin == 2 and rng.uniform() < 0.6:  # Vietnamese typed without diacritics
        name = latin
    if rng.uniform() < 0.15:  # family name first
        parts = name.split(" ")
        name = " ".join(parts[-1:] + parts[:-1])
    if rng.uniform() < typo_rate:
        name = _typo(rng, name)
    return name.upper() if rng.uniform() < 0.1 else name


def _format_phone(rng: np.random.Generator, digits: str) -> str:
    style = rng.integers(3)
    if style == 0:
        return f"+44 {digits[:4]} {digits[4:]}"
    if style == 1:
        return f"0{digits[:4]} {digits[4:]}"
    return f"0{digits}"


def _variant_email(rng: np.random.Generator, email: str, typo_rate: float) -> str:
    local, domain = email.split("@")
    roll = rng.uniform()
    if roll < 0.25:
        return f"{local}+shop@{domain}"
    if roll < 0.4:
        return email.upper() if rng.uniform() < 0.5 else email.capitalize()
    if roll < 0.55:
        return f"{local}@{_EMAIL_DOMAINS[rng.integers(len(_EMAIL_DOMAINS))]}"  # another mailbox
    if rng.uniform() < typo_rate:
        return f"{_typo(rng, local)}@{domain}"
    return email


def _variant_address(rng: np.random.Generator, address: str, typo_rate: float) -> str:
    for long, short in _STREET_TYPES:
        if long in address and rng.uniform() < 0.5:
            address = address.replace(long, short)
    if rng.uniform() < 0.3:
        address = address.replace(",", "")
    return _typo(rng, address) if rng.uniform() < typo_rate / 2 else address


def _record_plan(rng: np.random.Generator, people: pd.DataFrame, n_prospects: int, knobs: dict[str, Any]) -> pd.DataFrame:
    """Which system holds a record of which person (primary record first).

    Less valuable buyers (lower purchase rate and spend) more often come in
    through the purchased list; a copy of a person sits in the list more
    often than in the firm's own systems; and the list holds some of its
    people twice.
    """
    n_buyers = len(people)

    def standardised(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / (x.std() or 1.0)

    value = standardised(np.log(people["lam"].to_numpy())) + standardised(-np.log(people["nu"].to_numpy()))
    logits = np.log(_PRIMARY_SOURCE_SHARES)[None, :] + np.outer(-_LIST_VALUE_TILT * value, np.array(SOURCES) == "purchased_list")
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    draws = (probabilities.cumsum(axis=1) < rng.uniform(size=(n_buyers, 1))).sum(axis=1)
    primary = np.array(SOURCES)[np.minimum(draws, len(SOURCES) - 1)]
    rows = [(i, s, True) for i, s in enumerate(primary)]
    extra = rng.uniform(size=n_buyers)
    for i in np.flatnonzero(extra < knobs["duplicate_identity_rate"]):
        others = [s for s in SOURCES if s != primary[i]]
        weights = np.array([_SECOND_RECORD_WEIGHTS[s] for s in others])
        chosen = rng.choice(others, size=len(others), replace=False, p=weights / weights.sum())
        rows.append((i, chosen[0], False))
        if extra[i] < knobs["third_record_rate"]:
            rows.append((i, chosen[1], False))
    rows += [(n_buyers + k, "purchased_list", True) for k in range(n_prospects)]
    held = pd.Series([r[0] for r in rows]).value_counts()
    listed = sorted({r[0] for r in rows if r[1] == "purchased_list"})
    twice = rng.uniform(size=len(listed)) < _LIST_REPEAT_RATE
    rows += [(i, "purchased_list", False) for i, again in zip(listed, twice) if again and held[i] < 3]
    return pd.DataFrame(rows, columns=["person", "source", "primary"])


def _customer_records(
    rng: np.random.Generator, plan: pd.DataFrame, details: pd.DataFrame, first_purchase: pd.Series,
    person_ids: np.ndarray, knobs: dict[str, Any],
) -> pd.DataFrame:
    typo_rate = knobs["typo_rate"]
    counters = dict.fromkeys(SOURCES, 0)
    order = rng.permutation(len(plan))  # record numbers do not reveal who is a duplicate
    plan = plan.iloc[order].reset_index(drop=True)
    people = details.to_dict("records")
    owner = {address.lower(): i for i, address in enumerate(details["email"])}
    first = list(first_purchase)
    fill_roll = rng.uniform(size=(len(plan), 4))
    records = []
    for k, (person, source, primary) in enumerate(plan.itertuples(index=False)):
        counters[source] += 1
        who = people[person]
        fill = _COMPLETENESS[source]
        name, email, phone, address = who["name"], who["email"], _format_phone(rng, who["phone"]), who["address"]
        if not primary:
            name = _variant_name(rng, name, who["latin"], who["origin"], typo_rate)
            variant = _variant_email(rng, email, typo_rate)
            # another person's mailbox is never "a variant": keep the person's own address then
            if owner.get(variant.lower(), person) == person:
                owner[variant.lower()] = person
                email = variant
            address = _variant_address(rng, address, typo_rate)
        elif source == "purchased_list" and rng.uniform() < typo_rate / 3:
            name = _typo(rng, name)  # list vendors' data entry is careless
        if source == "purchased_list":
            signup = _LIST_DATE
        else:
            base = first[person] if person < len(first) else _LIST_DATE
            signup = (base + pd.Timedelta(days=int(0 if primary else rng.integers(7, 300)))).normalize()
        roll = fill_roll[k]
        records.append(
            {
                "customer_id": f"{_SOURCE_PREFIX[source]}{counters[source]:05d}",
                "name": name,
                "email": email if roll[0] < fill["email"] else None,
                "phone": phone if roll[1] < fill["phone"] else None,
                "address": address if roll[2] < fill["address"] else None,
                "birth_date": who["birth_date"] if roll[3] < fill["birth_date"] else pd.NaT,
                "source": source,
                "signup_date": signup,
                "person_id": person_ids[person],
                "primary": primary,
            }
        )
    frame = pd.DataFrame(records)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"])
    frame["signup_date"] = pd.to_datetime(frame["signup_date"])
    for column in ("customer_id", "name", "email", "phone", "address", "source", "person_id"):
        frame[column] = frame[column].astype("string")
    return frame


def _assign_lines_to_records(lines: pd.DataFrame, records: pd.DataFrame, person_ids: np.ndarray) -> np.ndarray:
    """Web and app orders go to the person's web record, store orders to the store record, else the primary."""
    by_source = records.pivot_table(index="person_id", columns="source", values="customer_id", aggfunc="first")
    primary = records.loc[records["primary"]].set_index("person_id")["customer_id"]
    person = pd.Series(person_ids[lines["person"].to_numpy()])
    wanted = np.where(lines["channel"].to_numpy() == "store", "store", "web_signup")
    record = pd.Series(pd.NA, index=person.index, dtype="string")
    for source in ("store", "web_signup"):
        if source in by_source.columns:
            mine = wanted == source
            record[mine] = person[mine].map(by_source[source]).to_numpy()
    missing = record.isna()
    record[missing] = person[missing].map(primary).to_numpy()
    return record.to_numpy()


# --------------------------------------------------------------------------
# messiness
# --------------------------------------------------------------------------


def _add_messiness(
    rng: np.random.Generator, clean: pd.DataFrame, knobs: dict[str, Any], end: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Append problem rows to the clean lines; each row has exactly one problem."""
    n = len(clean)

    def sample(rate: float) -> pd.DataFrame:
        k = int(round(rate * n))
        return clean.iloc[np.sort(rng.choice(n, size=min(k, n), replace=False))].copy()

    anonymous = sample(knobs["missing_id_rate"])
    anonymous["customer_id"] = pd.NA  # walk-in sales without a loyalty card
    anonymous["order_id"] = "9" + anonymous["order_id"]
    duplicates = sample(knobs["duplicate_row_rate"])  # exported twice
    # An order line placed and then cancelled (a "C" invoice): the pair nets to nothing, so the
    # clean lines stay exactly what cleaning keeps.
    cancelled = sample(knobs["cancellation_rate"])
    ordered = cancelled.assign(order_id="7" + cancelled["order_id"])
    cancelled["order_id"] = "C7" + cancelled["order_id"]
    cancelled["amount"] = -cancelled["amount"]
    cancelled["quantity"] = -cancelled["quantity"]
    returned = sample(knobs["return_rate"])
    returned["amount"] = -returned["amount"]
    returned["quantity"] = -returned["quantity"]
    returned["date"] = np.minimum(returned["date"] + pd.Timedelta(days=14), end)
    mistyped = sample(knobs["bad_date_rate"])
    mistyped["date"] = mistyped["date"] + pd.DateOffset(years=27)  # 2025 typed as 2052
    mistyped["order_id"] = "8" + mistyped["order_id"]  # a separate order, not a duplicate of a clean one
    messy = pd.concat([clean, anonymous, duplicates, cancelled, returned, mistyped], ignore_index=True)
    messy["customer_id"] = messy["customer_id"].astype("string")
    messy = messy.iloc[rng.permutation(len(messy))].sort_values("date", kind="stable")
    # The cancelled orders go last on their day: the most recent purchase a cancellation finds.
    ordered["customer_id"] = ordered["customer_id"].astype("string")
    messy = pd.concat([messy, ordered], ignore_index=True).sort_values("date", kind="stable").reset_index(drop=True)
    counts = {
        "missing customer_id": len(anonymous),
        "exact duplicate row": len(duplicates),
        "purchase cancelled in full": len(cancelled),
        "cancellation netted against earlier purchases": len(cancelled),
        "return (negative amount)": len(returned),
        "after observation end": len(mistyped),
    }
    return messy, counts


# --------------------------------------------------------------------------
# interact: contacts, campaign, survey
# --------------------------------------------------------------------------


def _interactions(rng: np.random.Generator, people: pd.DataFrame, repeats: np.ndarray, primary: pd.Series) -> pd.DataFrame:
    n = len(people)
    counts = rng.poisson(1.0 + 0.8 * repeats)
    who = np.repeat(np.arange(n), counts)
    channels = list(_CHANNEL_COST)
    channel = rng.choice(channels, size=who.size, p=_CHANNEL_SHARES)
    start = people["first_week"].to_numpy()[who]
    week = start + rng.uniform(size=who.size) * (WEEKS_OBSERVED - start)
    kind = np.empty(who.size, dtype=object)
    outcome = np.empty(who.size, dtype=object)
    for name, (types, type_p, outcomes) in _CHANNEL_TYPES.items():
        mine = channel == name
        kind[mine] = rng.choice(types, size=mine.sum(), p=type_p)
        outcome[mine] = rng.choice(outcomes, size=mine.sum())
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(primary.to_numpy()[who], dtype="string"),
            "timestamp": (OBSERVATION_START + pd.to_timedelta(np.round(week * 7 * 24 * 60), unit="min")).astype("datetime64[us]"),
            "channel": channel,
            "type": kind,
            "outcome": outcome,
            "cost": pd.Series(channel).map(_CHANNEL_COST).to_numpy(),
        }
    )
    return frame.sort_values("timestamp", kind="stable").reset_index(drop=True)


def _campaign(
    rng: np.random.Generator, people: pd.DataFrame, lines: pd.DataFrame, primary: pd.Series, share: float, gg_p: float
) -> tuple[pd.DataFrame, pd.Series]:
    """A randomized e-mail offer eight weeks before the end; response within four weeks."""
    campaign_week = WEEKS_OBSERVED - 8
    before = lines.loc[lines["week"] < campaign_week].assign(web=lambda d: (d["channel"] != "store").astype(float))
    before = before.groupby("occasion").agg(
        person=("person", "first"), week=("week", "first"), amount=("amount", "sum"), web=("web", "mean")
    )
    stats = before.groupby("person").agg(
        frequency=("week", "size"), last=("week", "max"), first=("week", "min"), monetary=("amount", "mean"), web_share=("web", "mean")
    )
    chosen = np.sort(rng.choice(stats.index.to_numpy(), size=int(round(share * len(stats))), replace=False))
    stats = stats.loc[chosen]
    recency = campaign_week - stats["last"].to_numpy()
    # Without the offer, loyal frequent buyers buy anyway ("sure things"): the base rate rises with frequency.
    base = 1 / (1 + np.exp(-(_BASE_RESPONSE_LOGIT + _BASE_RESPONSE_FREQUENCY * np.log1p(stats["frequency"].to_numpy()))))
    segment = people["segment"].to_numpy()[stats.index.to_numpy()]
    # The e-mail offer moves recent, mostly-online buyers most; it fades with the weeks since the last
    # purchase and with the share of store purchases.
    recent = _UPLIFT_RECENCY_FLOOR + (1 - _UPLIFT_RECENCY_FLOOR) * np.exp(-recency / _UPLIFT_RECENCY_WEEKS)
    online = _UPLIFT_ONLINE_FLOOR + (1 - _UPLIFT_ONLINE_FLOOR) * stats["web_share"].to_numpy()
    uplift = pd.Series(segment).map(_SEGMENT_UPLIFT).to_numpy() * recent * online
    frequency = stats["frequency"].to_numpy()
    sleeping = (frequency >= _SLEEPING_DOG_FREQUENCY) | ((segment == "Tech enthusiasts") & (frequency >= _SLEEPING_TECH_FREQUENCY))
    uplift = np.where(sleeping, _SLEEPING_DOG_UPLIFT, uplift)  # "sleeping dogs": the offer reminds them to shop around
    uplift = np.clip(base + uplift, 0.0, 1.0) - base
    treatment = rng.integers(0, 2, size=len(stats))
    outcome = (rng.uniform(size=len(stats)) < base + treatment * uplift).astype(int)
    nu = people["nu"].to_numpy()[stats.index.to_numpy()]
    spend = np.where(outcome == 1, np.round(rng.gamma(gg_p, 1 / nu), 2), 0.0)
    ids = primary.to_numpy()[stats.index.to_numpy()]
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "treatment": treatment,
            "outcome": outcome,
            "spend": spend,
            "recency_weeks": np.round(recency, 1),
            "frequency": stats["frequency"].to_numpy(),
            "monetary": np.round(stats["monetary"].to_numpy(), 2),
            "tenure_weeks": np.round(campaign_week - stats["first"].to_numpy(), 1),
            "web_share": np.round(stats["web_share"].to_numpy(), 3),
        }
    )
    return frame, pd.Series(uplift, index=pd.Index(ids, name="customer_id", dtype="string"), name="uplift")


def _survey(rng: np.random.Generator, n_people: int, primary: pd.Series, share: float) -> pd.DataFrame:
    chosen = np.sort(rng.choice(n_people, size=int(round(share * n_people)), replace=False))
    k = len(chosen)
    mood = rng.normal(0, 1.0, size=k)  # a respondent's general leniency moves all ratings
    means = np.array([7.5, 6.0, 7.0, 7.2, 6.8])
    ratings = np.clip(np.round(means + mood[:, None] + rng.normal(0, 1.5, size=(k, len(DRIVERS)))), 1, 10)
    latent = ratings @ np.array(_DRIVER_WEIGHTS) + rng.normal(0, 0.6, size=k)
    frame = pd.DataFrame(
        {
            "respondent_id": pd.array([f"R{i:05d}" for i in range(1, k + 1)], dtype="string"),
            "customer_id": pd.array(primary.to_numpy()[chosen], dtype="string"),
            "overall": np.clip(np.round(latent), 1, 10).astype(int),
            "nps": np.clip(np.round(latent + 0.8 + rng.normal(0, 0.8, size=k)), 0, 10).astype(int),
        }
    )
    for j, driver in enumerate(DRIVERS):
        frame[driver] = ratings[:, j].astype(int)
    return frame


# --------------------------------------------------------------------------
# the world
# --------------------------------------------------------------------------


def _week_to_date(weeks: np.ndarray) -> pd.Series:
    return pd.Series(OBSERVATION_START + pd.to_timedelta(np.floor(weeks * 7), unit="D")).astype("datetime64[us]")


_WORLD_COMPONENTS = (
    "people", "occasions", "products", "order_lines", "record_plan", "person_details",
    "customer_records", "messiness", "interactions", "campaign", "survey",
)


def _component_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent random stream per part of the world.

    Tuning one part (say the campaign) then changes only that part: the
    customers, orders and survey of a seed stay exactly as they were.
    """
    return {name: np.random.default_rng([int(seed), code]) for code, name in enumerate(_WORLD_COMPONENTS)}


def make_crm_world(n_customers: int = 5000, seed: int = 0, **knobs: Any) -> CRMWorld:
    """Generate the synthetic retailer's CRM data with its planted truth.

    Parameters
    ----------
    n_customers : int
        People who buy at least once (purchased-list prospects who never buy
        come on top: ``list_prospect_share`` × ``n_customers``).
    seed : int
        Seed of every random step: the same seed gives identical tables.
    **knobs
        Overrides of :data:`DEFAULT_KNOBS`, e.g. ``duplicate_identity_rate=0``
        for a world without duplicate identities or ``cancellation_rate=0``.
        The BG/NBD parameters (``bgnbd={"r": .., "alpha": .., "a": .., "b": ..}``,
        per week) and Gamma-Gamma parameters (``gamma_gamma={"p": .., "q": ..,
        "v": ..}``) are knobs too.

    Returns
    -------
    CRMWorld
        ``customers``, ``transactions``, ``interactions``, ``campaign``,
        ``survey``, ``baskets``, ``products`` and ``truth``; the window runs
        from 2024-01-01 for 78 weeks (``observation_end`` 2025-06-29).

    Raises
    ------
    TypeError
        For an unknown knob (the message lists the valid ones).
    ValueError
        For ``n_customers`` < 10 or a knob out of range.
    """
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)) or n_customers < 10:
        raise ValueError(f"make_crm_world: n_customers must be a whole number >= 10, found {n_customers!r}")
    settings = _resolve_knobs(knobs)
    streams = _component_streams(seed)
    n = int(n_customers)
    end = OBSERVATION_START + pd.Timedelta(weeks=WEEKS_OBSERVED) - pd.Timedelta(days=1)

    people = _draw_people(streams["people"], n, settings)
    occasions, repeats, alive = _purchase_occasions(streams["occasions"], people)
    products = _products(streams["products"])
    bundles = _bundles(products)
    lines = _order_lines(streams["order_lines"], people, occasions, products, bundles, settings["gamma_gamma"]["p"])

    n_prospects = int(round(settings["list_prospect_share"] * n))
    person_ids = np.array([f"P{i:05d}" for i in range(1, n + n_prospects + 1)], dtype=object)
    first_purchase = _week_to_date(people["first_week"].to_numpy())
    plan = _record_plan(streams["record_plan"], people, n_prospects, settings)
    details = _person_details(streams["person_details"], n + n_prospects)
    records = _customer_records(streams["customer_records"], plan, details, first_purchase, person_ids, settings)

    # Orders: one id per occasion; numbers follow time as in a real order system.
    dates = _week_to_date(lines["week"].to_numpy())
    occasion_rank = pd.Series(occasions["week"].to_numpy()).rank(method="first").astype(int).to_numpy()
    clean = pd.DataFrame(
        {
            "customer_id": pd.array(_assign_lines_to_records(lines, records, person_ids), dtype="string"),
            "date": dates.to_numpy(),
            "amount": lines["amount"].to_numpy(),
            "order_id": pd.array([str(100000 + r) for r in occasion_rank[lines["occasion"].to_numpy()]], dtype="string"),
            "product_id": pd.array(lines["product_id"].to_numpy(), dtype="string"),
            "quantity": lines["quantity"].to_numpy(),
            "unit_price": lines["unit_price"].to_numpy(),
            "channel": pd.array(lines["channel"].to_numpy(), dtype="string"),
        }
    ).sort_values(["date", "order_id"], kind="stable").reset_index(drop=True)
    transactions, messiness = _add_messiness(streams["messiness"], clean, settings, end)
    baskets = clean[["order_id", "product_id", "customer_id", "date", "quantity"]].copy()

    primary = records.loc[records["primary"]].set_index("person_id")["customer_id"]
    buyer_primary = primary.reindex(person_ids[:n])
    interactions = _interactions(streams["interactions"], people, repeats, buyer_primary)
    campaign, uplift = _campaign(streams["campaign"], people, lines, buyer_primary, settings["campaign_share"], settings["gamma_gamma"]["p"])
    survey = _survey(streams["survey"], n, buyer_primary, settings["survey_share"])

    truth = _truth(people, repeats, alive, first_purchase, records, person_ids, n, uplift, bundles, settings, messiness)
    customers = records.drop(columns=["person_id", "primary"])
    return CRMWorld(
        customers=customers, transactions=transactions, interactions=interactions, campaign=campaign,
        survey=survey, baskets=baskets, products=products, truth=truth, observation_end=end, knobs=settings,
    )


def _truth(people, repeats, alive, first_purchase, records, person_ids, n, uplift, bundles, settings, messiness) -> WorldTruth:
    primary_rows = records.loc[records["primary"]].set_index("person_id")
    everyone = pd.DataFrame(index=pd.Index(person_ids, name="person_id", dtype="string"))
    buyers = people.set_index(everyone.index[:n])
    everyone["segment"] = buyers["segment"].astype("string")
    for column in ("lam", "p", "nu"):
        everyone[column] = buyers[column]
    everyone["first_purchase"] = pd.Series(first_purchase.to_numpy(), index=everyone.index[:n])
    everyone["n_repeat"] = pd.Series(repeats, index=everyone.index[:n]).astype("Int64")
    everyone["alive"] = pd.Series(alive, index=everyone.index[:n]).astype("boolean")
    everyone["primary_record"] = primary_rows["customer_id"].reindex(everyone.index)
    everyone["source"] = primary_rows["source"].reindex(everyone.index)
    everyone["uplift"] = everyone["primary_record"].map(uplift).astype("float64")
    everyone["is_buyer"] = np.arange(len(everyone)) < n
    identity = pd.Series(records["person_id"].to_numpy(), index=pd.Index(records["customer_id"], name="customer_id"),
                         name="person_id", dtype="string")
    shares = pd.DataFrame([s["categories"] for s in _SEGMENTS.values()], index=pd.Index(SEGMENTS, name="segment"),
                          columns=CATEGORIES)
    return WorldTruth(
        identity=identity,
        people=everyone,
        bgnbd=dict(settings["bgnbd"]),
        gamma_gamma=dict(settings["gamma_gamma"]),
        segments=list(SEGMENTS),
        segment_category_shares=shares,
        uplift=uplift,
        driver_weights=pd.Series(_DRIVER_WEIGHTS, index=pd.Index(DRIVERS, name="driver"), name="weight"),
        bundles=bundles,
        channel_cost=pd.Series(_CHANNEL_COST, name="cost_per_contact"),
        messiness=messiness,
    )


# --------------------------------------------------------------------------
# A messy invoice-lines export (Online Retail style) with known cleaning truth
# --------------------------------------------------------------------------

_EXPORT_START = pd.Timestamp("2010-12-01 08:00")
_EXPORT_END = pd.Timestamp("2011-12-09 17:00")
_FIRST_INVOICE = 536365

# Non-product lines: code, description, where they occur, unit price range.
_NON_PRODUCTS = {
    "POST": "POSTAGE",
    "DOT": "DOTCOM POSTAGE",
    "C2": "CARRIAGE",
    "M": "Manual",
    "m": "Manual",
    "BANK CHARGES": "Bank Charges",
    "AMAZONFEE": "AMAZON FEE",
    "D": "Discount",
    "S": "SAMPLES",
    "B": "Adjust bad debt",
    "CRUK": "CRUK Commission",
}
_ADJECTIVES = ["WHITE", "RED", "PINK", "BLUE", "GREEN", "VINTAGE", "REGENCY", "RETRO", "JUMBO", "SMALL",
               "LARGE", "HANGING", "GLASS", "WOODEN", "PAPER", "CERAMIC", "ENAMEL", "FELT", "LACE", "POLKADOT"]
_THEMES = ["HEART", "STAR", "SPOTTY", "FLORAL", "BIRD", "CHRISTMAS", "UNION JACK", "PAISLEY", "ROSE", "DOLLY GIRL",
           "SKULL", "OWL", "CAKE", "TEA", "SPACEBOY", "CIRCUS", "BUNTING", "ALPHABET", "LOVE", "GARDEN"]
_ITEMS = ["T-LIGHT HOLDER", "LUNCH BAG", "CAKESTAND", "MUG", "DOORMAT", "WATER BOTTLE", "BUNTING", "CANDLE",
          "SIGN", "JAR", "TIN", "CUSHION COVER", "NOTEBOOK", "ALARM CLOCK", "FRAME", "TEACUP AND SAUCER",
          "PURSE", "LANTERN", "WALL CLOCK", "STORAGE BOX", "NAPKINS", "PLATES", "BOWL", "HOT WATER BOTTLE"]
_ADJUSTMENT_NOTES = ["damaged", "?", "check", "lost", "wet damaged", "thrown away", "smashed", "found"]
_EXPORT_COUNTRIES = ["Germany", "France", "EIRE", "Spain", "Netherlands", "Belgium", "Switzerland",
                     "Portugal", "Australia", "Norway", "Italy", "Sweden"]


@dataclass
class InvoiceTruth:
    """What cleaning must find in an :class:`InvoiceExport`, known by construction.

    Counts are for ``schema.clean`` / ``schema.read_table`` with the default
    options and the mappings of :attr:`InvoiceExport.columns` (no
    ``observation_end``, no ``non_product_codes``).

    Attributes
    ----------
    transactions_dropped, baskets_dropped : dict
        ``reason -> rows``, exactly the ``CleaningReport.dropped`` of each table.
    transactions_changed, baskets_changed : dict
        ``reason -> rows`` for the reasons cleaning itself changes
        (``"purchase reduced by a later cancellation"``).
    transactions_rows, baskets_rows : int
        Rows left after cleaning.
    net_revenue : Series
        ``customer_id`` → net revenue (quantity × unit price of what is left
        after netting cancellations), for every customer with spend left.
    n_customers : int
        Customers with spend left (``len(net_revenue)``).
    fully_cancelled : list of str
        Customers all of whose purchases were cancelled (no spend left).
    tiny_customer : str
        The customer whose huge orders were cancelled but for £2.90.
    late_products : DataFrame
        ``product_id``, ``launch`` (planted), ``first_sold`` (first line kept
        in the cleaned transactions): products first sold in the last ~15 %
        of the period.
    start, end : Timestamp
        First and last invoice time of the export.
    non_product_lines : dict
        Stock code → lines of that non-product code in the export.
    """

    transactions_dropped: dict[str, int]
    transactions_changed: dict[str, int]
    transactions_rows: int
    baskets_dropped: dict[str, int]
    baskets_changed: dict[str, int]
    baskets_rows: int
    net_revenue: pd.Series
    n_customers: int
    fully_cancelled: list[str]
    tiny_customer: str
    late_products: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    non_product_lines: dict[str, int]


@dataclass
class InvoiceExport:
    """An Online-Retail-like invoice-lines export and its truth (see :func:`make_invoice_export`)."""

    lines: pd.DataFrame
    truth: InvoiceTruth

    # The client-parameter mapping of each table, {canonical: column of the export}.
    columns: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "transactions": {"order_id": "InvoiceNo", "product_id": "StockCode", "description": "Description",
                         "quantity": "Quantity", "date": "InvoiceDate", "unit_price": "UnitPrice",
                         "customer_id": "CustomerID"},
        "baskets": {"order_id": "InvoiceNo", "product_id": "StockCode", "description": "Description",
                    "quantity": "Quantity", "date": "InvoiceDate", "customer_id": "CustomerID"},
    })

    def to_csv(self, path: Any, *, encoding: str = "cp1252") -> Any:
        """Write the export as a client would deliver it (default Windows cp1252, '£' in descriptions).

        Returns the path. ``encoding="utf-8"`` writes the UTF-8 copy.
        """
        from pathlib import Path

        path = Path(path)
        self.lines.to_csv(path, index=False, encoding=encoding)
        return path

    def __repr__(self) -> str:
        return (f"InvoiceExport({len(self.lines):,} lines, {self.truth.n_customers:,} customers with spend; "
                f"{self.truth.start:%d/%m/%Y}..{self.truth.end:%d/%m/%Y})")


def _export_products(rng: np.random.Generator, n: int, late_share: float, start: pd.Timestamp,
                     end: pd.Timestamp) -> pd.DataFrame:
    codes = rng.choice(np.arange(20600, 90000), size=n, replace=False).astype(str)
    suffix = rng.random(n) < 0.15
    codes = np.where(suffix, np.char.add(codes, rng.choice(list("ABCDEFGLPS"), size=n)), codes)
    codes[0] = "GIFT_0001_10"
    names = (pd.Series(rng.choice(_ADJECTIVES, n)) + " " + pd.Series(rng.choice(_THEMES, n)) + " "
             + pd.Series(rng.choice(_ITEMS, n))).to_numpy(dtype=object)
    names[0] = "£10 GIFT VOUCHER"
    price = np.round(np.exp(rng.normal(0.9, 0.7, n)), 2).clip(0.19, 60)
    price[0] = 8.51
    popularity = rng.pareto(1.2, n) + 0.05
    late = np.zeros(n, dtype=bool)
    n_late = max(3, int(round(late_share * n)))
    late[1 + rng.choice(n - 1, size=n_late, replace=False)] = True
    popularity[late] = np.quantile(popularity, 0.9)  # launched late, but sold well
    popularity[0] = np.quantile(popularity, 0.99)  # the voucher with '£' in its name sells in every size
    span = (end - start) / pd.Timedelta(minutes=1)
    launch_minute = np.where(late, rng.uniform(0.85 * span, 0.95 * span, n), 0.0).astype(np.int64)
    return pd.DataFrame({"code": codes, "name": names, "price": price, "weight": popularity / popularity.sum(),
                         "late": late, "launch": launch_minute})


def _invoice_minutes(rng: np.random.Generator, k: int, span_days: int) -> np.ndarray:
    """Times (minutes from the start) on trading days (no Saturdays), 08:00-19:59."""
    day = rng.integers(0, span_days, size=k)
    weekday = (_EXPORT_START.weekday() + day) % 7
    day = np.where(weekday == 5, np.maximum(day - 1, 0), day)
    return day * 1440 + rng.integers(0, 12 * 60, size=k)


def make_invoice_export(n_customers: int = 1000, seed: int = 0) -> InvoiceExport:
    """A realistic, messy invoice-lines export (Online Retail style) with known cleaning truth.

    Columns, as delivered: ``InvoiceNo`` (``C…`` = cancellation, ``A…`` =
    bad-debt adjustment), ``StockCode``, ``Description``, ``Quantity``,
    ``InvoiceDate`` (text ``dd/mm/yyyy hh:mm``, days above and below 12 so the
    order is decidable), ``UnitPrice``, ``CustomerID`` (text, missing on about
    a quarter of the lines), ``Country``. Defects, each with its exact count
    in :attr:`InvoiceExport.truth`:

    * C-invoices cancelling earlier lines of the same customer and product,
      in full and in part, a few without any matching purchase, a few
      without a customer id;
    * postage, carriage, bank charges, Amazon fees, discounts, manual and
      bad-debt adjustments, samples and commissions (``POST``, ``DOT``,
      ``C2``, ``M``, ``BANK CHARGES``, ``AMAZONFEE``, ``D``, ``S``, ``B``,
      ``CRUK``);
    * negative quantities without a C-invoice (adjustments at price 0:
      "damaged", "?" …; returns at a price), free lines (price 0), lines
      without a description, exact duplicate lines;
    * products launched late (first sold in the last ~15 % of the period);
    * a customer whose huge orders were cancelled but for £2.90, and one
      whose only order was cancelled (no spend left);
    * "£10 GIFT VOUCHER" in the descriptions (write it with
      :meth:`InvoiceExport.to_csv`, cp1252 by default).

    About 120 lines per customer (4,400 customers: ~535,000 lines, the size
    of the public Online Retail export, in a few seconds).

    The client's parameter file maps the columns like this (also in
    :attr:`InvoiceExport.columns`)::

        transactions_file: export.csv
        transaction_columns:
          order_id: InvoiceNo
          product_id: StockCode
          description: Description
          quantity: Quantity
          date: InvoiceDate
          unit_price: UnitPrice
          customer_id: CustomerID
        baskets_file: export.csv
        basket_columns:
          order_id: InvoiceNo
          product_id: StockCode
          description: Description
          quantity: Quantity
          date: InvoiceDate
          customer_id: CustomerID
        currency: "£"

    (``amount`` is computed as Quantity × UnitPrice; the date order is
    detected; no ``non_product_codes`` needed.) In code::

        export = make_invoice_export(200, seed=1)
        path = export.to_csv(tmp_path / "export.csv")          # cp1252
        lines, report = read_table("transactions", path, columns=export.columns["transactions"])
        assert report.dropped == export.truth.transactions_dropped

    Parameters
    ----------
    n_customers : int
        Identified customers (at least 20).
    seed : int
        Same seed, same export.

    Returns
    -------
    InvoiceExport
        ``lines`` (the export as a DataFrame of the delivered columns) and
        ``truth`` (:class:`InvoiceTruth`).
    """
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)) or n_customers < 20:
        raise ValueError(f"make_invoice_export: n_customers={n_customers!r}: expected a whole number >= 20.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"make_invoice_export: seed={seed!r}: expected a whole number >= 0.")
    rng = np.random.default_rng([int(seed), 540_909])
    start, end = _EXPORT_START, _EXPORT_END
    span_days = (end.normalize() - start.normalize()).days + 1
    last_minute = int((end - start) / pd.Timedelta(minutes=1))
    products = _export_products(rng, int(np.clip(n_customers, 400, 3600)), 0.04, start, end)
    n_products = len(products)

    # --- customers and their invoices (two special customers come last)
    ids = np.sort(rng.choice(np.arange(12346, 12346 + 3 * n_customers), size=n_customers, replace=False))
    customer_ids = ids.astype(str)
    country = np.where(rng.random(n_customers) < 0.9, "United Kingdom", rng.choice(_EXPORT_COUNTRIES, n_customers))
    regular = n_customers - 2
    n_inv = 1 + rng.negative_binomial(1.2, 1.2 / (1.2 + 4.5), size=regular)
    inv_customer = np.repeat(np.arange(regular), n_inv)
    n_anon_inv = max(3, int(round(len(inv_customer) * 0.185)))
    inv_customer = np.concatenate([inv_customer, np.full(n_anon_inv, -1)])
    n_invoices = len(inv_customer)
    inv_minute = _invoice_minutes(rng, n_invoices, span_days).clip(0, last_minute)
    inv_lines = np.where(inv_customer >= 0, 1 + rng.geometric(1 / 16, n_invoices), 1 + rng.geometric(1 / 30, n_invoices))

    # --- purchase lines: products by popularity, none before its launch, once per invoice
    line_inv = np.repeat(np.arange(n_invoices), inv_lines)
    product = rng.choice(n_products, size=len(line_inv), p=products["weight"].to_numpy())
    too_early = products["launch"].to_numpy()[product] > inv_minute[line_inv]
    early_pool = np.flatnonzero(~products["late"].to_numpy())
    product[too_early] = rng.choice(early_pool, size=int(too_early.sum()))
    buy = pd.DataFrame({"inv": line_inv, "product": product}).drop_duplicates(["inv", "product"])
    buy["customer"] = inv_customer[buy["inv"].to_numpy()]
    buy["minute"] = inv_minute[buy["inv"].to_numpy()]
    qty = np.where(rng.random(len(buy)) < 0.35, rng.choice([6, 12, 24, 48], len(buy)), rng.geometric(0.3, len(buy)))
    buy["qty"] = qty.astype(np.int64)
    buy["price"] = products["price"].to_numpy()[buy["product"].to_numpy()]
    buy["kind"] = np.where(buy["customer"] >= 0, "purchase", "anonymous purchase")
    buy = buy.sort_values(["customer", "product", "minute", "inv"], kind="stable").reset_index(drop=True)

    # --- cancellations of identified purchases: before the next purchase of the same product
    ident = buy["customer"].to_numpy() >= 0
    same_next = (buy["customer"].shift(-1).eq(buy["customer"]) & buy["product"].shift(-1).eq(buy["product"])).to_numpy()
    next_minute = np.where(same_next, buy["minute"].shift(-1).fillna(0).to_numpy(dtype=np.int64), last_minute + 1)
    gap = np.minimum(next_minute - buy["minute"].to_numpy(), 30 * 1440)
    gap = np.minimum(gap, last_minute + 1 - buy["minute"].to_numpy()) - 1
    cancel = ident & (gap >= 1) & (rng.random(len(buy)) < 0.022)
    partial = cancel & (buy["qty"].to_numpy() >= 2) & (rng.random(len(buy)) < 0.35)
    cancelled_qty = np.where(partial, np.floor(rng.random(len(buy)) * (buy["qty"].to_numpy() - 1)) + 1,
                             buy["qty"].to_numpy()).astype(np.int64)
    c_minute = buy["minute"].to_numpy() + 1 + np.floor(rng.random(len(buy)) * np.maximum(gap, 1)).astype(np.int64)
    cancels = buy.loc[cancel, ["customer", "product", "price"]].assign(
        minute=c_minute[cancel], qty=-cancelled_qty[cancel], kind="cancellation", inv=-3)
    buy["left"] = np.where(cancel, buy["qty"].to_numpy() - cancelled_qty, buy["qty"].to_numpy())
    buy.loc[cancel & ~partial, "kind"] = "cancelled purchase"

    # --- the two special customers: £2.90 left of huge orders, and nothing left
    tiny, gone = regular, regular + 1
    trap_products = rng.choice(early_pool, size=3, replace=False)
    t0 = int(rng.integers(2 * 1440, 200 * 1440))
    special_buys = pd.DataFrame({
        "customer": [tiny, tiny, gone], "product": trap_products, "minute": [t0, t0 + 1, t0 + 2 * 1440],
        "qty": [80995, 1000, 74215], "price": [2.08, 2.90, 1.04],
        "kind": ["cancelled purchase", "purchase", "cancelled purchase"], "left": [0, 1, 0], "inv": -2,
    })
    special_cancels = pd.DataFrame({
        "customer": [tiny, tiny, gone], "product": trap_products, "minute": [t0 + 11, t0 + 12, t0 + 2 * 1440 + 5],
        "qty": [-80995, -999, -74215], "price": [2.08, 2.90, 1.04], "kind": "cancellation", "inv": -3,
    })
    buy = pd.concat([buy, special_buys], ignore_index=True)
    cancels = pd.concat([cancels, special_cancels], ignore_index=True)

    # --- other defects
    bought = set(zip(buy.loc[buy["customer"] >= 0, "customer"], buy.loc[buy["customer"] >= 0, "product"]))

    def unused_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
        """(customer, product) pairs that never occur in a purchase (so nothing can net with them)."""
        pairs = []
        while len(pairs) < k:
            c, p = int(rng.integers(0, regular)), int(rng.choice(early_pool))
            if (c, p) not in bought:
                bought.add((c, p))
                pairs.append((c, p))
        return np.array([c for c, _ in pairs], dtype=np.int64), np.array([p for _, p in pairs], dtype=np.int64)

    n_lines = len(buy)
    k = max(2, n_lines // 2000)
    who, what = unused_pairs(k)
    unmatched = pd.DataFrame({"customer": who, "product": what, "minute": _invoice_minutes(rng, k, span_days),
                              "qty": -rng.geometric(0.3, k), "kind": "unmatched cancellation", "inv": -3})
    anon = buy[buy["customer"] < 0]
    k = max(2, n_lines // 3000)
    anon_cancel = anon.iloc[rng.choice(len(anon), k, replace=False)][["product", "minute", "qty"]].assign(
        customer=-1, kind="anonymous cancellation", inv=-3)
    anon_cancel["minute"] = (anon_cancel["minute"] + 60).clip(upper=last_minute)
    anon_cancel["qty"] = -anon_cancel["qty"]
    k = max(3, n_lines // 400)
    adjustments = pd.DataFrame({"customer": -1, "product": rng.choice(early_pool, k),
                                "minute": _invoice_minutes(rng, k, span_days), "qty": -rng.geometric(0.05, k),
                                "price": 0.0, "kind": "adjustment", "inv": -2})
    k = max(2, n_lines // 5000)
    who, what = unused_pairs(k)
    returns = pd.DataFrame({"customer": who, "product": what, "minute": _invoice_minutes(rng, k, span_days),
                            "qty": -rng.geometric(0.4, k), "kind": "return", "inv": -2})
    k = max(2, n_lines // 5000)
    who, what = unused_pairs(k)
    free = pd.DataFrame({"customer": who, "product": what, "minute": _invoice_minutes(rng, k, span_days),
                         "qty": rng.geometric(0.3, k), "price": 0.0, "kind": "free", "inv": -2})
    k = max(2, n_lines // 600)
    undescribed = pd.DataFrame({"customer": -1, "product": rng.choice(early_pool, k),
                                "minute": _invoice_minutes(rng, k, span_days), "qty": rng.geometric(0.1, k),
                                "price": 0.0, "kind": "no description", "inv": -2})
    defects = pd.concat([unmatched, anon_cancel, adjustments, returns, free, undescribed], ignore_index=True)
    defects["price"] = defects["price"].fillna(pd.Series(products["price"].to_numpy()[defects["product"].to_numpy()]))
    defects["minute"] = defects["minute"].clip(0, last_minute)

    # non-product lines: (code, customer or -1, quantity, unit price)
    foreign = np.flatnonzero((inv_customer >= 0) & (country[np.maximum(inv_customer, 0)] != "United Kingdom"))
    posted = foreign[rng.random(len(foreign)) < 0.6]
    nonp = [pd.DataFrame({"code": "POST", "customer": inv_customer[posted], "inv": posted,
                          "minute": inv_minute[posted], "qty": rng.integers(1, 4, len(posted)),
                          "price": rng.choice([15.0, 18.0, 28.0, 40.0], len(posted))})]
    anon_inv = np.flatnonzero(inv_customer < 0)
    dotted = anon_inv[rng.random(len(anon_inv)) < 0.2]
    nonp.append(pd.DataFrame({"code": "DOT", "customer": -1, "inv": dotted, "minute": inv_minute[dotted],
                              "qty": 1, "price": np.round(rng.uniform(20, 900, len(dotted)), 2)}))
    scale = max(1, n_lines // 10000)
    own = [("C2", 1, (30.0, 60.0), 1, False), ("M", 1, (0.5, 300.0), 2, False), ("M", -1, (0.5, 300.0), 2, False),
           ("m", 1, (1.0, 5.0), 1, True), ("BANK CHARGES", 1, (15.0, 15.0), 1, False),
           ("AMAZONFEE", -1, (100.0, 17000.0), 2, True), ("D", -1, (5.0, 200.0), 2, False),
           ("S", -1, (2.0, 150.0), 1, True), ("B", 1, (11062.06, 11062.06), 1, True),
           ("CRUK", -1, (40.0, 900.0), 1, False)]
    for code, sign, (low, high), per, anonymous in own:
        k = per * scale
        who = np.full(k, -1) if anonymous else rng.integers(0, regular, k)
        nonp.append(pd.DataFrame({"code": code, "customer": who, "inv": -2 if sign > 0 else -3,
                                  "minute": _invoice_minutes(rng, k, span_days).clip(0, last_minute),
                                  "qty": sign, "price": np.round(rng.uniform(low, high, k), 2)}))
    nonp = pd.concat(nonp, ignore_index=True)
    nonp["kind"] = "non-product"

    # exact duplicate lines of purchases that nothing else touches
    plain = np.flatnonzero(buy["kind"].isin(["purchase", "anonymous purchase"]).to_numpy()
                           & (buy["left"].to_numpy() == buy["qty"].to_numpy()) & (buy["inv"].to_numpy() >= 0))
    dup_rows = np.sort(rng.choice(plain, size=max(2, n_lines // 100), replace=False))
    dups = buy.iloc[dup_rows].assign(kind=np.where(buy["customer"].to_numpy()[dup_rows] >= 0,
                                                   "duplicate", "anonymous duplicate"))

    # --- assemble: invoices numbered in time order; one invoice per own line group
    lines = pd.concat([buy, cancels, defects, nonp, dups], ignore_index=True)
    lines["product"] = lines["product"].fillna(-1).astype(np.int64)
    lines["minute"] = lines["minute"].astype(np.int64)
    lines["customer"] = lines["customer"].astype(np.int64)
    lines["qty"] = lines["qty"].astype(np.int64)
    # Lines without an invoice get one of their own per customer and minute (a C-invoice for negative ones).
    own_key = np.where(lines["inv"].to_numpy() >= 0, lines["inv"].to_numpy(), -1)
    loose = own_key < 0
    group = pd.DataFrame({"c": lines["customer"].to_numpy()[loose], "m": lines["minute"].to_numpy()[loose],
                          "s": lines["inv"].to_numpy()[loose]})
    own_key[loose] = n_invoices + group.groupby(["c", "m", "s"], sort=False).ngroup().to_numpy()
    lines["invoice_key"] = own_key
    first_minute = lines.groupby("invoice_key")["minute"].transform("min")
    lines["minute"] = np.where(lines["inv"].to_numpy() >= 0, lines["minute"], first_minute)
    order = lines[["invoice_key", "minute"]].drop_duplicates("invoice_key").sort_values(
        ["minute", "invoice_key"], kind="stable")
    number = pd.Series(_FIRST_INVOICE + np.arange(len(order)), index=order["invoice_key"].to_numpy())
    lines["number"] = lines["invoice_key"].map(number).to_numpy()
    lines["seq"] = np.arange(len(lines))
    lines = lines.sort_values(["number", "seq"], kind="stable").reset_index(drop=True)
    prefix = np.where(lines["inv"].to_numpy() == -3, "C", "")
    is_nonp = lines["kind"].to_numpy() == "non-product"
    prefix = np.where(is_nonp & (lines["code"].to_numpy() == "B"), "A", prefix)
    code = np.where(is_nonp, lines["code"].to_numpy(), products["code"].to_numpy()[lines["product"].to_numpy()])
    name = np.where(is_nonp, pd.Series(lines["code"]).map(_NON_PRODUCTS).to_numpy(),
                    products["name"].to_numpy()[lines["product"].to_numpy()])
    kind = lines["kind"].to_numpy()
    name = np.where(kind == "adjustment", rng.choice(_ADJUSTMENT_NOTES, len(lines)), name)
    name = np.where(kind == "no description", None, name)
    cust = lines["customer"].to_numpy()
    invoice_country = rng.choice(["United Kingdom"] * 9 + ["EIRE"], len(number))
    anonymous_country = invoice_country[number.loc[lines["invoice_key"].to_numpy()].to_numpy() - _FIRST_INVOICE]
    stamp = start + pd.to_timedelta(lines["minute"].to_numpy(), unit="min")
    minutes, where = np.unique(lines["minute"].to_numpy(), return_inverse=True)
    text_dates = (start + pd.to_timedelta(minutes, unit="min")).strftime("%d/%m/%Y %H:%M").to_numpy(dtype=object)
    export = pd.DataFrame({
        "InvoiceNo": np.char.add(prefix.astype(str), lines["number"].to_numpy().astype(str)),
        "StockCode": code.astype(object),
        "Description": name.astype(object),
        "Quantity": lines["qty"].to_numpy(),
        "InvoiceDate": text_dates[where],
        "UnitPrice": np.round(lines["price"].to_numpy(dtype=float), 2),
        "CustomerID": pd.array(np.where(cust >= 0, customer_ids[np.maximum(cust, 0)], None), dtype="string"),
        "Country": np.where(cust >= 0, country[np.maximum(cust, 0)], anonymous_country),
    })
    export.loc[(kind == "non-product") & (export["StockCode"] == "B").to_numpy() & (export["InvoiceNo"].str.len() > 0).to_numpy()
               & (np.arange(len(export)) % 2 == 1), "UnitPrice"] *= -1

    truth = _invoice_truth(lines, kind, cust, customer_ids, products, code, stamp, tiny, gone)
    return InvoiceExport(export, truth)


def _invoice_truth(lines, kind, cust, customer_ids, products, code, stamp, tiny, gone) -> InvoiceTruth:
    """Each line's fate under clean's rules, by construction, counted per table."""
    anonymous = cust < 0
    tx = pd.Series("kept", index=lines.index, dtype=object)
    bk = pd.Series("kept", index=lines.index, dtype=object)
    non_product = "non-product line (postage, fees, adjustments)"
    rules_tx = {
        "cancelled purchase": "purchase cancelled in full",
        "cancellation": "cancellation netted against earlier purchases",
        "unmatched cancellation": "cancellation without matching purchase",
        "non-product": non_product,
        "duplicate": "exact duplicate row",
        "return": "return (negative amount)",
        "free": "zero amount",
    }
    for what, reason in rules_tx.items():
        tx[kind == what] = reason
        bk[kind == what] = reason
    bk[kind == "anonymous duplicate"] = "exact duplicate row"
    bk[kind == "anonymous cancellation"] = "cancellation without matching purchase"
    bk[np.isin(kind, ["return", "adjustment"])] = "zero or negative quantity"
    bk[kind == "free"] = "kept"
    tx[anonymous] = "missing customer_id"
    order_tx = ["missing customer_id", "exact duplicate row", non_product, "purchase cancelled in full",
                "cancellation netted against earlier purchases", "cancellation without matching purchase",
                "missing or non-finite amount", "return (negative amount)", "zero amount",
                "zero or negative quantity", "unparseable date"]
    order_bk = ["missing order_id", "missing product_id", "exact duplicate row", non_product,
                "purchase cancelled in full", "cancellation netted against earlier purchases",
                "cancellation without matching purchase", "zero or negative quantity"]
    reduced = (kind == "purchase") & (lines["left"].to_numpy() < lines["qty"].to_numpy())
    kept = (tx == "kept").to_numpy()
    revenue = pd.Series(lines["left"].to_numpy(dtype=float)[kept] * lines["price"].to_numpy()[kept])
    net = revenue.groupby(pd.Series(customer_ids[cust[kept]]), sort=True).sum()
    net.index.name, net.name = "customer_id", "net_revenue"
    late = products.index[products["late"].to_numpy()]
    first = pd.Series(stamp[kept]).groupby(lines["product"].to_numpy()[kept]).min()
    late_frame = pd.DataFrame({
        "product_id": products["code"].to_numpy()[late],
        "launch": (_EXPORT_START + pd.to_timedelta(products["launch"].to_numpy()[late], unit="min")),
        "first_sold": first.reindex(late).to_numpy(),
    }).dropna().reset_index(drop=True)
    nonp_codes = pd.Series(code[kind == "non-product"]).value_counts().sort_index(kind="stable")
    tx_counts, bk_counts = tx.value_counts(), bk.value_counts()
    return InvoiceTruth(
        transactions_dropped={r: int(tx_counts.get(r, 0)) for r in order_tx},
        transactions_changed={"purchase reduced by a later cancellation": int(reduced.sum())},
        transactions_rows=int(kept.sum()),
        baskets_dropped={r: int(bk_counts.get(r, 0)) for r in order_bk},
        baskets_changed={"purchase reduced by a later cancellation": int(reduced.sum())},
        baskets_rows=int(bk_counts.get("kept", 0)),
        net_revenue=net,
        n_customers=len(net),
        fully_cancelled=[customer_ids[gone]],
        tiny_customer=customer_ids[tiny],
        late_products=late_frame,
        start=pd.Timestamp(stamp.min()),
        end=pd.Timestamp(stamp.max()),
        non_product_lines={str(k): int(v) for k, v in nonp_codes.items()},
    )


# --------------------------------------------------------------------------
# Customize: a rating-based conjoint survey of the world's customers
# --------------------------------------------------------------------------

#: Attributes and levels of the modular offer the conjoint survey tests (the first level of each is the base).
CONJOINT_ATTRIBUTES: dict[str, list[str]] = {
    "module": ["style pack", "home pack", "tech pack", "sports pack"],
    "service": ["standard delivery", "free next-day delivery", "personal advice", "extended warranty"],
    "price": ["full price", "10 % off", "20 % off"],
}

# Planted part-worths in rating points (0-100 scale), per needs segment; centred within each attribute below.
# Style seekers care most about the module, Home makers about the service, Active families about the price.
_CONJOINT_PART_WORTHS: dict[str, dict[str, list[float]]] = {
    "Style seekers": {"module": [14, -6, -8, 0], "service": [-5, 1, 8, -4], "price": [-3, 0, 3]},
    "Home makers": {"module": [-4, 10, -4, -2], "service": [-8, 10, -1, -1], "price": [-3, 0, 3]},
    "Tech enthusiasts": {"module": [-8, -6, 16, -2], "service": [-3, 0, -3, 6], "price": [-1, 0, 1]},
    "Active families": {"module": [-1, -3, -4, 8], "service": [-2, 3, 1, -2], "price": [-10, 0, 10]},
}
_CONJOINT_BASE_RATING = 50.0
_CONJOINT_RESPONDENT_SD = 6.0  # a respondent's leniency moves all their ratings
_CONJOINT_NOISE_SD = 6.0  # rating noise per profile


@dataclass(frozen=True)
class ConjointSurvey:
    """A rating-based conjoint survey with its planted truth.

    Attributes
    ----------
    ratings : DataFrame
        One row per rated profile: ``respondent_id``, ``customer_id`` (the
        respondent's primary customer record in the world), ``segment`` (the
        respondent's planted needs segment), ``profile`` (a number per
        configuration), one column per attribute (the level shown) and
        ``rating`` (0-100, "how likely would you buy this offer").
    part_worths : DataFrame
        Planted truth: ``segment``, ``attribute``, ``level``, ``part_worth``
        (rating points, centred to mean 0 within each attribute and segment).
    attributes : dict
        Attribute → levels, as :data:`CONJOINT_ATTRIBUTES`.
    noise_sd : float
        Standard deviation of the rating noise per profile (rating points).
    respondent_sd : float
        Standard deviation of a respondent's leniency (added to all their ratings).
    """

    ratings: pd.DataFrame
    part_worths: pd.DataFrame
    attributes: dict[str, list[str]]
    noise_sd: float
    respondent_sd: float

    def best_bundle(self) -> pd.DataFrame:
        """The planted best level of every attribute per segment (rows: segments, columns: attributes)."""
        best = self.part_worths.sort_values("part_worth", ascending=False, kind="stable")
        best = best.drop_duplicates(["segment", "attribute"]).pivot(index="segment", columns="attribute", values="level")
        return best.reindex(columns=list(self.attributes))

    def importance(self) -> pd.DataFrame:
        """The planted importance of every attribute per segment: range of its part-worths / sum of ranges."""
        ranges = self.part_worths.groupby(["segment", "attribute"], sort=False)["part_worth"].agg(lambda v: v.max() - v.min())
        table = ranges.unstack("attribute").reindex(columns=list(self.attributes))
        return table.div(table.sum(axis=1), axis=0)


def _conjoint_truth() -> pd.DataFrame:
    rows = []
    for segment, worths in _CONJOINT_PART_WORTHS.items():
        for attribute, levels in CONJOINT_ATTRIBUTES.items():
            values = np.array(worths[attribute], dtype=float)
            for level, value in zip(levels, values - values.mean()):
                rows.append((segment, attribute, level, float(value)))
    return pd.DataFrame(rows, columns=["segment", "attribute", "level", "part_worth"])


def make_conjoint_survey(
    n_respondents: int = 400, seed: int = 0, *, profiles_per_respondent: int = 12, world: CRMWorld | None = None,
    n_customers: int = 5000,
) -> ConjointSurvey:
    """A rating-based conjoint survey of the synthetic world's customers, with planted part-worths.

    Each respondent is a buyer of the world (its primary customer record and
    planted needs segment) who rates ``profiles_per_respondent`` different
    configurations of a modular offer (:data:`CONJOINT_ATTRIBUTES`: a product
    module, a service and a price level), drawn at random from the full
    factorial design, on a 0-100 scale. A rating is 50 + the respondent's
    leniency + the sum of the segment's part-worths of the levels shown +
    noise, rounded and kept within 0-100 (the planted worths keep clipping
    rare).

    Parameters
    ----------
    n_respondents : int
        Customers who answer (at most the world's buyers).
    seed : int
        Seed of the survey; also the world's seed when ``world`` is not given.
    profiles_per_respondent : int
        Configurations each respondent rates (2 to 48, the full design).
    world : CRMWorld, optional
        The world whose customers answer (default: ``make_crm_world(n_customers, seed)``).
    n_customers : int
        Size of the world built when ``world`` is not given.

    Returns
    -------
    ConjointSurvey
    """
    for name, value, low in (("n_respondents", n_respondents, 10), ("profiles_per_respondent", profiles_per_respondent, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"make_conjoint_survey: {name} must be a whole number >= {low}, found {value!r}")
    design = pd.MultiIndex.from_product(list(CONJOINT_ATTRIBUTES.values()), names=list(CONJOINT_ATTRIBUTES)).to_frame(index=False)
    if profiles_per_respondent > len(design):
        raise ValueError(f"make_conjoint_survey: profiles_per_respondent must be at most {len(design)} (the full design), "
                         f"found {profiles_per_respondent}")
    if world is None:
        world = make_crm_world(n_customers, seed=seed)
    buyers = world.truth.people.loc[world.truth.people["is_buyer"], ["primary_record", "segment"]].dropna()
    if n_respondents > len(buyers):
        raise ValueError(f"make_conjoint_survey: n_respondents must be at most the world's {len(buyers)} buyers, "
                         f"found {n_respondents}")
    rng = np.random.default_rng([int(seed), 101])
    chosen = np.sort(rng.choice(len(buyers), size=int(n_respondents), replace=False))
    people = buyers.iloc[chosen]
    truth = _conjoint_truth()
    worth = truth.set_index(["segment", "attribute", "level"])["part_worth"]
    k = int(profiles_per_respondent)
    shown = np.concatenate([rng.choice(len(design), size=k, replace=False) for _ in range(len(people))])
    frame = design.iloc[shown].reset_index(drop=True)
    segment = np.repeat(people["segment"].to_numpy(dtype=object), k)
    utility = np.full(len(frame), _CONJOINT_BASE_RATING)
    for attribute in CONJOINT_ATTRIBUTES:
        utility += worth.reindex(pd.MultiIndex.from_arrays([segment, np.repeat(attribute, len(frame)), frame[attribute]])).to_numpy()
    leniency = np.repeat(rng.normal(0, _CONJOINT_RESPONDENT_SD, size=len(people)), k)
    rating = np.clip(np.round(utility + leniency + rng.normal(0, _CONJOINT_NOISE_SD, size=len(frame))), 0, 100)
    ratings = pd.DataFrame({
        "respondent_id": pd.array(np.repeat([f"C{i:04d}" for i in range(1, len(people) + 1)], k), dtype="string"),
        "customer_id": pd.array(np.repeat(people["primary_record"].to_numpy(dtype=object), k), dtype="string"),
        "segment": pd.array(segment, dtype="string"),
        "profile": shown + 1,
    })
    for attribute in CONJOINT_ATTRIBUTES:
        ratings[attribute] = pd.array(frame[attribute].to_numpy(dtype=object), dtype="string")
    ratings["rating"] = rating.astype("int64")
    return ConjointSurvey(ratings=ratings, part_worths=truth, attributes={a: list(v) for a, v in CONJOINT_ATTRIBUTES.items()},
                          noise_sd=_CONJOINT_NOISE_SD, respondent_sd=_CONJOINT_RESPONDENT_SD)


__all__ += ["CONJOINT_ATTRIBUTES", "ConjointSurvey", "make_conjoint_survey"]
