"""The CRM models as typed objects, loaded and checked from one YAML file each.

Each file in this folder describes one model: its origin, sources, focus and
components. A component has an id, a name, a kind (stage, supporting
condition, area or activity), a short description in our own words, its
primary source and the capabilities of the shared taxonomy it maps to.
Malformed files are rejected by :func:`load_model` with a
:class:`FrameworkError` that names the file, the component and the problem.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

__all__ = [
    "CAPABILITIES",
    "KINDS",
    "LAB_SECTIONS",
    "MODEL_IDS",
    "Component",
    "FrameworkError",
    "LabSection",
    "Model",
    "Source",
    "list_models",
    "load_model",
    "load_models",
]

HERE = Path(__file__).resolve().parent

CAPABILITIES: tuple[str, ...] = (
    "strategy",
    "customer insight and analytics",
    "value proposition",
    "interaction and channels",
    "customization",
    "lifecycle and retention",
    "organisation, people and culture",
    "data and technology",
    "processes",
    "measurement",
)
"""The shared capability taxonomy every component maps to.

These ten capabilities are our own synthesis for comparing the models, not a
list from any of their authors: each model is mapped onto them by us, with
the source of each component given in its model file.
"""

KINDS: tuple[str, ...] = ("stage", "supporting condition", "area", "activity")
"""The kinds of component a model may have."""

MODEL_IDS: tuple[str, ...] = ("idic", "qci", "buttle", "payne_frow", "gartner", "icrm")
"""The bundled models, in the order tables and plots show them."""


@dataclass(frozen=True)
class LabSection:
    """A section of this lab where a component is put into practice.

    Attributes
    ----------
    id : str
        ``"<notebook number>.<topic>"``, e.g. ``"02.clv"``.
    notebook : str
        The notebook file.
    title : str
        What the section does.
    status : str
        ``"available"`` or ``"planned"``.
    """

    id: str
    notebook: str
    title: str
    status: str


def _sections(*rows: tuple[str, str, str, str]) -> Mapping[str, LabSection]:
    return MappingProxyType({row[0]: LabSection(*row) for row in rows})


LAB_SECTIONS: Mapping[str, LabSection] = _sections(
    ("01.audit", "01_identify", "data audit: completeness and validity of customer records", "available"),
    ("01.identity", "01_identify", "identity resolution: finding duplicate customer records", "available"),
    ("01.scv", "01_identify", "single customer view: one record per customer", "available"),
    ("02.rfm", "02_differentiate", "RFM scoring and segments", "available"),
    ("02.pareto", "02_differentiate", "Pareto / customer concentration of value", "available"),
    ("02.clv", "02_differentiate", "customer lifetime value (BG/NBD, Gamma-Gamma)", "available"),
    ("02.needs", "02_differentiate", "needs-based segmentation", "available"),
    ("02.value_needs", "02_differentiate", "value x needs matrix: treatment per cell", "available"),
    ("03.channels", "03_interact", "channel use and cost per customer", "available"),
    ("03.campaigns", "03_interact", "campaign tests with a control group", "available"),
    ("03.uplift", "03_interact", "uplift: who reacts because of the campaign", "available"),
    ("03.retention", "03_interact", "retention and churn, win-back targets", "available"),
    ("03.nps", "03_interact", "NPS and satisfaction tracking", "available"),
    ("03.key_drivers", "03_interact", "key-driver analysis of satisfaction", "available"),
    ("03.monitoring", "03_interact", "monitoring a KPI over time (control chart)", "available"),
    ("04.recommendations", "04_customize", "product recommendations", "available"),
    ("04.baskets", "04_customize", "basket rules (what is bought together)", "available"),
    ("04.next_best_offer", "04_customize", "next best offer per customer", "available"),
)
"""Every lab section a component can point to, with whether its notebook exists yet."""


class FrameworkError(ValueError):
    """A model file (or the questionnaire) is malformed; the message says where and why."""


@dataclass(frozen=True)
class Source:
    """A publication: author(s), year, title and where it appeared.

    ``year`` is ``None`` when no primary publication could be confirmed; ``note`` says why.
    """

    author: str
    year: int | None
    title: str
    published_in: str = ""
    note: str = ""

    def __str__(self) -> str:
        year = self.year if self.year is not None else "n.d."
        where = f", {self.published_in}" if self.published_in else ""
        return f"{self.author} ({year}). {self.title}{where}."


@dataclass(frozen=True)
class Component:
    """One building block of a model (a stage, supporting condition, area or activity).

    Attributes
    ----------
    model : str
        Id of the model it belongs to.
    id : str
        Unique within the model; ``model:id`` is unique across models.
    name, kind, description : str
        ``kind`` is one of :data:`KINDS`; the description is our own summary.
    source : Source
        The primary source for this component.
    capabilities : tuple of str
        Capabilities of :data:`CAPABILITIES` (at least one).
    parent : str or None
        Id of the component this one details (e.g. QCi's win-back under the
        customer management activity).
    lab : tuple of str
        Ids of :data:`LAB_SECTIONS` that put it into practice (may be empty).
    """

    model: str
    id: str
    name: str
    kind: str
    description: str
    source: Source
    capabilities: tuple[str, ...]
    parent: str | None = None
    lab: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """``"model:id"``, the id used by the questionnaire."""
        return f"{self.model}:{self.id}"


@dataclass(frozen=True)
class Model:
    """A CRM model: what it is, where it comes from, and its components.

    Attributes
    ----------
    id, name, short_name, origin : str
    year : int or None
    edition : str
        The edition the content follows, where it matters (Buttle).
    sources : dict of str to Source
    focus : str
        ``"strategic"``, ``"operational"`` or ``"both"``; ``focus_note`` explains.
    view : str
        ``"customer"``, ``"organisation"`` or ``"both"``: whose side the model describes.
    measures, fits_best : str
        How the model measures success, and where it fits best (our reading).
    groups : dict of str to tuple of str
        Named groups of component ids (e.g. IDIC's analysis and operational halves).
    cautions : tuple of str
        Limits the authors (or we) point out.
    components : tuple of Component
    """

    id: str
    name: str
    short_name: str
    origin: str
    year: int | None
    sources: Mapping[str, Source]
    primary_source: str
    focus: str
    focus_note: str
    view: str
    measures: str
    fits_best: str
    components: tuple[Component, ...]
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cautions: tuple[str, ...] = ()
    edition: str = ""

    def component(self, component_id: str) -> Component:
        """The component with this id (ValueError listing the ids otherwise)."""
        for comp in self.components:
            if comp.id == component_id:
                return comp
        ids = [c.id for c in self.components]
        raise ValueError(f"model {self.id!r} has no component {component_id!r}; its components are "
                         f"{', '.join(ids)}.{_did_you_mean(str(component_id), ids)}")

    def of_kind(self, *kinds: str) -> tuple[Component, ...]:
        """Components of the given kinds, in file order."""
        return tuple(c for c in self.components if c.kind in kinds)

    @property
    def top_level(self) -> tuple[Component, ...]:
        """Components without a parent (the axes of a radar chart)."""
        return tuple(c for c in self.components if c.parent is None)

    def children(self, component_id: str) -> tuple[Component, ...]:
        """Components whose parent is ``component_id``."""
        return tuple(c for c in self.components if c.parent == component_id)

    @property
    def source(self) -> Source:
        """The model's primary source."""
        return self.sources[self.primary_source]


# --------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------

_MODEL_KEYS = ("id", "name", "short_name", "origin", "year", "sources", "primary_source", "focus",
               "focus_note", "view", "measures", "fits_best", "components")
_COMPONENT_KEYS = ("id", "name", "kind", "description", "capabilities")
_FOCUS = ("strategic", "operational", "both")
_VIEW = ("customer", "organisation", "both")


def _fail(where: str, problem: str) -> FrameworkError:
    return FrameworkError(f"{where}: {problem}")


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"'{key}' must be non-empty text, found {value!r}")
    return " ".join(value.split())


def _year(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"'year' must be a whole number or null, found {value!r}")
    return value


def _source(key: str, raw: Any, where: str) -> Source:
    where = f"{where}, source {key!r}"
    if not isinstance(raw, Mapping):
        raise _fail(where, f"expected a mapping with author, year and title, found {type(raw).__name__}")
    for required in ("author", "year", "title"):
        if required not in raw:
            raise _fail(where, f"missing '{required}'")
    return Source(
        author=_text(raw["author"], where, "author"),
        year=_year(raw["year"], where),
        title=_text(raw["title"], where, "title"),
        published_in=" ".join(str(raw.get("published_in") or "").split()),
        note=" ".join(str(raw.get("note") or "").split()),
    )


def _capabilities(raw: Any, where: str) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, list) or not raw:
        raise _fail(where, f"'capabilities' must be a non-empty list, found {raw!r}")
    unknown = [c for c in raw if c not in CAPABILITIES]
    if unknown:
        raise _fail(where, f"unknown capability {unknown[0]!r}; expected one of: {'; '.join(CAPABILITIES)}")
    if len(set(raw)) != len(raw):
        raise _fail(where, f"a capability is listed twice in {raw}")
    return tuple(raw)


def _component(raw: Any, number: int, model_id: str, sources: Mapping[str, Source], default: str, where: str) -> Component:
    label = raw.get("name") or raw.get("id") if isinstance(raw, Mapping) else None
    here = f"{where}, component {number}" + (f" ({label!r})" if label else "")
    if not isinstance(raw, Mapping):
        raise _fail(here, f"expected a mapping, found {type(raw).__name__}")
    for key in _COMPONENT_KEYS:
        if key not in raw or raw[key] in (None, ""):
            raise _fail(here, f"missing '{key}'")
    kind = raw["kind"]
    if kind not in KINDS:
        raise _fail(here, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    source_key = raw.get("source", default)
    if source_key not in sources:
        raise _fail(here, f"source {source_key!r} is not among the model's sources {list(sources)}")
    lab = raw.get("lab") or []
    unknown_lab = [s for s in lab if s not in LAB_SECTIONS]
    if unknown_lab:
        raise _fail(here, f"unknown lab section {unknown_lab[0]!r}; expected one of {', '.join(LAB_SECTIONS)}")
    return Component(
        model=model_id,
        id=_text(str(raw["id"]), here, "id"),
        name=_text(raw["name"], here, "name"),
        kind=kind,
        description=_text(raw["description"], here, "description"),
        source=sources[source_key],
        capabilities=_capabilities(raw["capabilities"], here),
        parent=raw.get("parent"),
        lab=tuple(lab),
    )


def _check_links(components: list[Component], groups: Mapping[str, tuple[str, ...]], where: str) -> None:
    seen: set[str] = set()
    for comp in components:
        if comp.id in seen:
            raise _fail(where, f"duplicate component id {comp.id!r}; each component id must appear once")
        seen.add(comp.id)
    for comp in components:
        if comp.parent is not None and comp.parent not in seen:
            raise _fail(where, f"component {comp.id!r} has parent {comp.parent!r}, which is not a component")
        if comp.parent == comp.id:
            raise _fail(where, f"component {comp.id!r} is its own parent")
    for name, ids in groups.items():
        missing = [i for i in ids if i not in seen]
        if missing:
            raise _fail(where, f"group {name!r} names unknown component(s) {missing}")


def _parse_model(raw: Any, where: str) -> Model:
    if not isinstance(raw, Mapping):
        raise _fail(where, f"expected a mapping at the top level, found {type(raw).__name__}")
    for key in _MODEL_KEYS:
        if key not in raw:
            raise _fail(where, f"missing '{key}'")
    model_id = _text(str(raw["id"]), where, "id")
    if not isinstance(raw["sources"], Mapping) or not raw["sources"]:
        raise _fail(where, "'sources' must be a non-empty mapping {key: {author, year, title}}")
    sources = {str(k): _source(str(k), v, where) for k, v in raw["sources"].items()}
    if raw["primary_source"] not in sources:
        raise _fail(where, f"primary_source {raw['primary_source']!r} is not among the sources {list(sources)}")
    for key, allowed in (("focus", _FOCUS), ("view", _VIEW)):
        if raw[key] not in allowed:
            raise _fail(where, f"'{key}' must be one of {allowed}, found {raw[key]!r}")
    if not isinstance(raw["components"], list) or not raw["components"]:
        raise _fail(where, "'components' must be a non-empty list")
    components = [
        _component(c, i, model_id, sources, raw["primary_source"], where)
        for i, c in enumerate(raw["components"], start=1)
    ]
    groups = {str(k): tuple(v or ()) for k, v in (raw.get("groups") or {}).items()}
    _check_links(components, groups, where)
    return Model(
        id=model_id,
        name=_text(raw["name"], where, "name"),
        short_name=_text(raw["short_name"], where, "short_name"),
        origin=_text(raw["origin"], where, "origin"),
        year=_year(raw["year"], where),
        sources=MappingProxyType(sources),
        primary_source=str(raw["primary_source"]),
        focus=raw["focus"],
        focus_note=_text(raw["focus_note"], where, "focus_note"),
        view=raw["view"],
        measures=_text(raw["measures"], where, "measures"),
        fits_best=_text(raw["fits_best"], where, "fits_best"),
        components=tuple(components),
        groups=MappingProxyType(groups),
        cautions=tuple(" ".join(str(c).split()) for c in raw.get("cautions") or ()),
        edition=" ".join(str(raw.get("edition") or "").split()),
    )


def load_model(path_or_id: str | Path) -> Model:
    """Load and check one model file.

    Parameters
    ----------
    path_or_id : str or Path
        A bundled model id (``"idic"``, ``"qci"`` …, see :data:`MODEL_IDS`)
        or the path of a YAML file written in the same format.

    Returns
    -------
    Model

    Raises
    ------
    FrameworkError
        If the id is not a bundled model (the message lists them and the
        closest), the file is missing, not UTF-8 text, not YAML, or breaks a
        rule: a missing id or other required key, an unknown kind,
        capability, lab section or source, a component without capabilities,
        a duplicate component id, a parent or group naming an unknown component.
    TypeError
        If ``path_or_id`` is neither text nor a path.
    """
    if not isinstance(path_or_id, (str, Path)):
        raise TypeError(f"load_model: expected a model id ({', '.join(MODEL_IDS)}) or the path of a YAML file, "
                        f"found {type(path_or_id).__name__} {path_or_id!r}.")
    if isinstance(path_or_id, str) and path_or_id in MODEL_IDS:
        return _bundled(path_or_id)
    path = Path(path_or_id)
    if isinstance(path_or_id, str) and not path.is_file() and _looks_like_id(path_or_id):
        raise FrameworkError(f"load_model: unknown model {path_or_id!r}; the bundled models are "
                             f"{', '.join(MODEL_IDS)}.{_did_you_mean(path_or_id, MODEL_IDS)} For a model of your "
                             "own, pass the path of its YAML file.")
    return _load_path(path)


def _looks_like_id(text: str) -> bool:
    """A bare name such as ``"idc"``: no folder and no file extension, so not meant as a path."""
    return "/" not in text and "\\" not in text and not Path(text).suffix


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest choices (case-insensitive), or ``""``."""
    lowered = {str(c).lower(): str(c) for c in choices}
    if str(value).lower() in lowered:  # only the case differs
        return f" Did you mean {lowered[str(value).lower()]!r}?"
    close = difflib.get_close_matches(str(value).lower(), list(lowered), n=2, cutoff=0.5)
    return f" Did you mean {' or '.join(repr(lowered[c]) for c in close)}?" if close else ""


@cache
def _bundled(model_id: str) -> Model:
    return _load_path(HERE / f"{model_id}.yaml")


def _load_path(path: Path) -> Model:
    where = f"Model file '{path.name}'"
    if not path.is_file():
        raise FrameworkError(
            f"{where}: no such file at {path.resolve()}; bundled models are {', '.join(MODEL_IDS)}"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise FrameworkError(f"{where} ({path}): not UTF-8 text (byte {exc.start}: {exc.reason}); save the file "
                             "as UTF-8 in your editor.") from exc
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{where}: not valid YAML ({exc})") from exc
    return _parse_model(raw, where)


def load_models(ids: tuple[str, ...] | list[str] | str | None = None) -> dict[str, Model]:
    """The models by id (all of :data:`MODEL_IDS` by default), in the order given.

    Parameters
    ----------
    ids : sequence of str, or str, optional
        Bundled model ids or YAML paths (see :func:`load_model`); one id may
        be passed on its own. ``None``: every bundled model, in display order.

    Returns
    -------
    dict of str to Model
        Keyed by the model's id.

    Raises
    ------
    FrameworkError
        For an unknown id (the message lists the bundled ones) or a bad file.
    ValueError
        For an empty list or an id given twice.
    """
    if ids is None:
        ids = MODEL_IDS
    if isinstance(ids, (str, Path)):
        ids = [ids]
    if isinstance(ids, Mapping) or not isinstance(ids, Iterable):
        raise TypeError(f"load_models: expected a list of model ids ({', '.join(MODEL_IDS)}) or None for all, "
                        f"found {type(ids).__name__}.")
    ids = list(ids)
    if not ids:
        raise ValueError(f"load_models: expected at least one model id, found an empty list; pass None for all "
                         f"bundled models ({', '.join(MODEL_IDS)}).")
    models: dict[str, Model] = {}
    for item in ids:
        model = load_model(item)
        if model.id in models:
            raise ValueError(f"load_models: model {model.id!r} is listed twice in {ids}; list each model once.")
        models[model.id] = model
    return models


def _as_models(models: Any) -> Mapping[str, Model]:
    """The ``models`` argument of the comparison and assessment functions, checked.

    ``None`` means every bundled model; a dict of :class:`Model` (from
    :func:`load_models`) is used as it is; a list of ids is loaded.
    """
    if models is None:
        return load_models()
    if isinstance(models, Mapping):
        if not models:
            raise ValueError("models: expected at least one model, found an empty dict; pass None for all "
                             f"bundled models ({', '.join(MODEL_IDS)}).")
        odd = [str(key) for key, value in models.items() if not isinstance(value, Model)]
        if odd:
            raise TypeError(f"models: expected a dict of Model objects (from load_models()), found other values "
                            f"for {odd}.")
        return models
    if isinstance(models, (str, Path, list, tuple)):
        return load_models(models)
    raise TypeError(f"models: expected a dict from load_models(), a list of model ids ({', '.join(MODEL_IDS)}) "
                    f"or None, found {type(models).__name__}.")


def list_models() -> list[str]:
    """Ids of the bundled models."""
    return list(MODEL_IDS)
