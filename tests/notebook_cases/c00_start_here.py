"""Parameter sets for notebooks/00_start_here.ipynb."""

CASES = [
    ("ci_small_world", lambda tmp_path: {"synthetic_customers": 300, "seed": 7}),
]
