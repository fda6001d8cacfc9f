"""Identify — the first IDIC stage: who are our customers, and how well do we know them?

Peppers & Rogers start the IDIC cycle with *Identify*: a company can only
differentiate, interact with and customise for customers it recognises
across every channel and system. This package holds the tools for it:

* **data audit** — completeness, validity, duplicates and freshness of the
  customer data (:func:`audit_tables`, :func:`audit_columns`,
  :func:`completeness`, :func:`likely_duplicates`);
* **identity resolution** — vectorised blocking and comparison (rapidfuzz;
  or SQL on DuckDB / Spark, :func:`comparison_levels_sql`) on script-aware
  keys and agreement levels, and
  an unsupervised multi-level Fellegi–Sunter model fitted by EM (:func:`link_records`,
  :func:`candidate_pairs`, :func:`blocking_summary`, :func:`compare_pairs`,
  :class:`FellegiSunter`), measured with :func:`evaluate_links` and
  :func:`precision_recall_table`;
* **inputs** — the client's files or the synthetic world, mapped, cleaned
  and validated (:func:`load_inputs`, :class:`IdentifyInputs`);
* **single customer view** — :func:`resolve_customers`, :func:`crosswalk`,
  :func:`apply_crosswalk`, :func:`golden_records`, and what duplicates do to
  the numbers (:func:`duplicate_impact`, :func:`simple_clv`,
  :func:`crosswalk_from_identity`, :func:`source_quality`);
* **privacy** — salted pseudonyms for anything exported (:func:`pseudonymise`,
  :func:`privacy_view`);
* **text** — normalisation for Latin, Vietnamese and Persian names
  (:func:`normalise_text`, :func:`name_similarity`, :func:`consonant_skeleton`).
"""

from idic_lab.identify._audit import *  # noqa: F401,F403
from idic_lab.identify._audit import __all__ as _audit_all
from idic_lab.identify._linkage import *  # noqa: F401,F403
from idic_lab.identify._linkage import __all__ as _linkage_all
from idic_lab.identify._privacy import *  # noqa: F401,F403
from idic_lab.identify._privacy import __all__ as _privacy_all
from idic_lab.identify._scv import *  # noqa: F401,F403
from idic_lab.identify._scv import __all__ as _scv_all
from idic_lab.identify._text import *  # noqa: F401,F403
from idic_lab.identify._text import __all__ as _text_all
from idic_lab.identify._febrl import *  # noqa: F401,F403
from idic_lab.identify._febrl import __all__ as _febrl_all
from idic_lab.identify._inputs import *  # noqa: F401,F403
from idic_lab.identify._inputs import __all__ as _inputs_all
from idic_lab.identify._sql import *  # noqa: F401,F403
from idic_lab.identify._sql import __all__ as _sql_all
from idic_lab.identify._estimate import *  # noqa: F401,F403
from idic_lab.identify._estimate import __all__ as _estimate_all

__all__ = sorted({*_audit_all, *_linkage_all, *_privacy_all, *_scv_all, *_text_all, *_febrl_all, *_inputs_all,
                  *_sql_all, *_estimate_all})
