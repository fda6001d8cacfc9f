"""Parameter sets for notebooks/05_compare_models.ipynb.

* ``ci_b2b_growth`` — another business profile (small B2B firm aiming at growth) and
  a crosswalk of top-level components only; fast.
"""

CASES = [
    (
        "ci_b2b_growth",
        lambda tmp_path: {
            "market": "B2B",
            "n_customers": 400,
            "contact_frequency": "high",
            "data_maturity": "low",
            "goal": "growth",
            "count": "top_level",
        },
    ),
]
